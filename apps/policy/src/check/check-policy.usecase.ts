import { Injectable } from '@nestjs/common';
import type { PayPolicyDecision, PolicyCheckRequest, PolicyDecision } from '@wxgate/contracts';
import { Metrics } from '@wxgate/platform';
import { Counter } from 'prom-client';
import { PolicyModelSync } from '../model/policy-model-sync.js';
import { PolicyModel } from '../model/policy-model.js';
import { decidePayPolicy, decidePolicy } from './decide-policy.js';

/**
 * Decides a relayed call from memory (the hot path: no database, no I/O). Only a caller that heard
 * of a change this replica has not loaded yet (`minRevision`) waits for the environment to be
 * reloaded; the answer says which revision it holds, so the caller can tell it is current.
 */
@Injectable()
export class CheckPolicy {
  private readonly checks: Counter<'decision' | 'reason'>;
  private readonly counted = new Map<string, { inc(): void }>();

  constructor(
    private readonly model: PolicyModel,
    private readonly sync: PolicyModelSync,
    metrics: Metrics,
  ) {
    this.checks = new Counter({
      name: 'wxgate_policy_checks_total',
      help: 'policy.check decisions, by decision (allowed/denied) and deny reason',
      labelNames: ['decision', 'reason'],
      registers: [metrics.registry],
    });
  }

  execute(request: PolicyCheckRequest): PolicyDecision | PayPolicyDecision | Promise<PolicyDecision | PayPolicyDecision> {
    const { envId, minRevision } = request;
    if (minRevision !== undefined && this.model.revisionOf(envId) < minRevision) {
      // The database unreachable: answer from this copy; its revision tells the caller it is old.
      return this.sync.reachRevision(envId, minRevision).then(
        () => this.decide(request),
        () => this.decide(request),
      );
    }
    return this.decide(request);
  }

  private decide(request: PolicyCheckRequest): PolicyDecision | PayPolicyDecision {
    const decision: PolicyDecision | PayPolicyDecision = request.api === 'pay' ? decidePayPolicy(this.model, request) : decidePolicy(this.model, request);
    this.count(decision.allowed ? '' : decision.reason);
    decision.revision = this.model.revisionOf(request.envId);
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
