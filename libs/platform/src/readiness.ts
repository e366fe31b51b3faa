import { Injectable } from '@nestjs/common';

export type ReadinessCheck = () => boolean | Promise<boolean>;

/**
 * What `/readyz` asks (README "Configuration": NATS connected, database open, migrations done). Modules register
 * their own checks so the platform knows nothing about NATS or TypeORM.
 */
@Injectable()
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }
  entries(): [string, ReadinessCheck][] {
    return [...this.checks.entries()];
  }
}
