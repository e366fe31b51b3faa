import { Injectable } from '@nestjs/common';
import type { PayPolicyDecision, PolicyCheckRequest, PolicyDecision } from '@wxgate/contracts';
import { flushPending, Metrics, PendingCount } from '@wxgate/platform';
import { Counter } from 'prom-client';
import { PolicyModelSync } from '../model/policy-model-sync.js';
import { PolicyModel, type EnvView, type PolicyView } from '../model/policy-model.js';
import { decidePayPolicy, decidePolicy } from './decide-policy.js';

type Decision = PolicyDecision | PayPolicyDecision;

/**
 * What one decision read from the model, and how it is counted: the same request is decided the
 * same way for as long as every read answers the same (the rules are pure, decide-policy.ts) and
 * the environment's revision, which the answer carries, is unchanged.
 */
export interface DecisionStamp {
  readonly envId: string;
  readonly revision: number;
  /** Each environment read and the object it was (environments are replaced, never changed in place). */
  readonly envs: readonly (readonly [string, EnvView | undefined])[];
  /** Each `isAuthorizer(componentAppid, authorizerAppid)` asked and its answer. */
  readonly authorizers: readonly (readonly [string, string, boolean])[];
  readonly count: PendingCount;
}

export interface StampedDecision {
  readonly decision: Decision;
  readonly stamp: DecisionStamp;
}

/** A view of the model that notes every read a decision makes. */
class RecordingView implements PolicyView {
  readonly envs: [string, EnvView | undefined][] = [];
  readonly authorizers: [string, string, boolean][] = [];
  constructor(private readonly model: PolicyView) {}
  env(envId: string): EnvView | undefined {
    const env = this.model.env(envId);
    this.envs.push([envId, env]);
    return env;
  }
  isAuthorizer(componentAppid: string, authorizerAppid: string): boolean {
    const answer = this.model.isAuthorizer(componentAppid, authorizerAppid);
    this.authorizers.push([componentAppid, authorizerAppid, answer]);
    return answer;
  }
}

/**
 * Decides a relayed call from memory (the hot path: no database, no I/O). Only a caller that heard
 * of a change this replica has not loaded yet (`minRevision`) waits for the environment to be
 * reloaded; the answer says which revision it holds, so the caller can tell it is current.
 * Every decision is counted by its labels (a plain increment, added to the counter at scrape).
 */
@Injectable()
export class CheckPolicy {
  /** By deny reason ('' = allowed). */
  private readonly counted = new Map<string, PendingCount>();

  constructor(
    private readonly model: PolicyModel,
    private readonly sync: PolicyModelSync,
    metrics: Metrics,
  ) {
    const counted = this.counted;
    // Registered on the registry, which reads it (and so flushes the counts) at every scrape.
    new Counter({
      name: 'wxgate_policy_checks_total',
      help: 'policy.check decisions, by decision (allowed/denied) and deny reason',
      labelNames: ['decision', 'reason'],
      registers: [metrics.registry],
      collect() {
        flushPending(this, counted.values());
      },
    });
  }

  execute(request: PolicyCheckRequest): Decision | Promise<Decision> {
    const { envId, minRevision } = request;
    if (this.mustWait(request)) {
      // The database unreachable: answer from this copy; its revision tells the caller it is old.
      return this.sync.reachRevision(envId, minRevision!).then(
        () => this.decide(request, this.model),
        () => this.decide(request, this.model),
      );
    }
    return this.decide(request, this.model);
  }

  /**
   * Like `execute`, with what the decision read when it is made at once; a request that waits for
   * a reload is answered as `execute` does (a promise, no stamp).
   */
  executeStamped(request: PolicyCheckRequest): StampedDecision | Promise<Decision> {
    if (this.mustWait(request)) return this.execute(request) as Promise<Decision>;
    const view = new RecordingView(this.model);
    const decision = this.decide(request, view);
    const reason = decision.allowed ? '' : decision.reason;
    return { decision, stamp: { envId: request.envId, revision: decision.revision!, envs: view.envs, authorizers: view.authorizers, count: this.countOf(reason) } };
  }

  /**
   * Whether the stamped request would be decided the same way now (same revision, every read the
   * same); if so it is counted as decided again, exactly as `execute` would count it.
   */
  decidesAgain(stamp: DecisionStamp): boolean {
    if (this.model.revisionOf(stamp.envId) !== stamp.revision) return false;
    const { envs, authorizers } = stamp;
    for (let i = 0; i < envs.length; i++) if (this.model.env(envs[i]![0]) !== envs[i]![1]) return false;
    for (let i = 0; i < authorizers.length; i++) {
      const [componentAppid, authorizerAppid, answer] = authorizers[i]!;
      if (this.model.isAuthorizer(componentAppid, authorizerAppid) !== answer) return false;
    }
    stamp.count.inc();
    return true;
  }

  private mustWait({ envId, minRevision }: PolicyCheckRequest): boolean {
    return minRevision !== undefined && this.model.revisionOf(envId) < minRevision;
  }

  private decide(request: PolicyCheckRequest, view: PolicyView): Decision {
    const decision: Decision = request.api === 'pay' ? decidePayPolicy(view, request) : decidePolicy(view, request);
    this.countOf(decision.allowed ? '' : decision.reason).inc();
    decision.revision = this.model.revisionOf(request.envId);
    return decision;
  }

  private countOf(reason: string): PendingCount {
    let count = this.counted.get(reason);
    if (!count) {
      count = new PendingCount([reason ? 'denied' : 'allowed', reason]);
      this.counted.set(reason, count);
    }
    return count;
  }
}
