import { randomUUID } from 'node:crypto';
import type { Provider } from '@nestjs/common';

/** This process's name in refresh leases (unique per start, so a restarted replica never inherits a lease). */
export const LEASE_HOLDER = Symbol('LEASE_HOLDER');

export const leaseHolderProvider: Provider = { provide: LEASE_HOLDER, useFactory: () => `${process.pid}-${randomUUID()}` };
