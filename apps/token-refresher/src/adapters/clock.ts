import { Injectable } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';

/** Time, behind an adapter so use cases are tested with a fake clock and short lifetimes. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
  sleep(ms: number): Promise<void> {
    return delay(ms);
  }
  random(): number {
    return Math.random();
  }
}
