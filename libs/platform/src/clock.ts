import { Injectable } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * The one time source of every app: epoch milliseconds, sleeping and jitter. Injected (it is its
 * own Nest provider token) so that expiry, leases and back-off are tested with `ManualClock`
 * instead of real waiting.
 */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
  sleep(ms: number): Promise<void> {
    return delay(ms);
  }
  /** A number in [0, 1), for jitter. */
  random(): number {
    return Math.random();
  }
}

/** A clock tests move by hand; sleeping moves it too, so a poll loop passes its deadline without waiting. */
export class ManualClock extends Clock {
  constructor(
    public ms = 1_800_000_000_000,
    private readonly fixedRandom = 0.5,
  ) {
    super();
  }
  override now(): number {
    return this.ms;
  }
  override async sleep(ms: number): Promise<void> {
    this.ms += ms;
    await new Promise((resolve) => setImmediate(resolve));
  }
  override random(): number {
    return this.fixedRandom;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
