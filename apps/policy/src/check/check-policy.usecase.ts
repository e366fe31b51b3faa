import { Injectable } from '@nestjs/common';
import type { PayPolicyDecision, PolicyCheckRequest, PolicyDecision } from '@wxgate/contracts';
import { Metrics } from '@wxgate/platform';
import { Counter } from 'prom-client';
import { PolicyModel } from '../model/policy-model.js';
import { decidePayPolicy, decidePolicy } from './decide-policy.js';

/** Decides a relayed call from memory only: no database, no I/O (the hot path). */
@Injectable()
export class CheckPolicy {
  private readonly checks: Counter<'decision' | 'reason'>;
  private readonly counted = new Map<string, { inc(): void }>();

  constructor(
    private readonly model: PolicyModel,
    metrics: Metrics,
  ) {
    this.checks = new Counter({
      name: 'wxgate_policy_checks_total',
      help: 'policy.check decisions, by decision (allowed/denied) and deny reason',
      labelNames: ['decision', 'reason'],
      registers: [metrics.registry],
    });
  }

  execute(request: PolicyCheckRequest): PolicyDecision | PayPolicyDecision {
    const decision = request.api === 'pay' ? decidePayPolicy(this.model, request) : decidePolicy(this.model, request);
    this.count(decision.allowed ? '' : decision.reason);
    return decision;
  }

  private count(reason: string): void {
    let child = this.counted.get(reason);
    if (!child) {
      child = this.checks.labels(reason ? 'denied' : 'allowed', reason);
      this.counted.set(reason, child);
    }
    child.inc();
  }
}
