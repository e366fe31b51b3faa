import type { PolicyCheckRequest, PolicyDecision } from '@wxgate/contracts';

/**
 * The newest policy revision this relay heard of in `policy.changed`, so no answer older than a
 * change it was told about is cached or used: the re-ask after a change may reach a policy
 * replica that has not reloaded yet, and `minRevision` makes that replica reload first.
 * Events and answers without a revision (a policy service from before revisions) count as
 * current, as they did then.
 */
export class PolicyRevisionWatermark {
  #heard = 0;

  get heard(): number {
    return this.#heard;
  }

  /** A `policy.changed` event: whether caches must drop (not for a duplicate or an older one). */
  changed(revision: number | undefined): boolean {
    if (revision === undefined) return true;
    if (revision <= this.#heard) return false;
    this.#heard = revision;
    return true;
  }

  /** Whether an answer holds every change heard of. */
  isCurrent(decision: PolicyDecision): boolean {
    return decision.revision === undefined || decision.revision >= this.#heard;
  }

  /** The request, asking for at least the revision heard of. */
  stamp(request: PolicyCheckRequest): PolicyCheckRequest {
    return this.#heard > 0 ? { ...request, minRevision: this.#heard } : request;
  }
}
