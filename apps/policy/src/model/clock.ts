import { Injectable } from '@nestjs/common';

/** The time source, injectable so tests can fix it. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
