import type { FuzzTargets } from './targets.mjs';

export interface Violation {
  kind: string;
  [detail: string]: unknown;
}

export interface CampaignReport {
  campaign: 'relay' | 'callback';
  seed: number;
  cases: number;
  statuses: Record<string, number>;
  violations: Violation[];
  outcomes?: Record<string, number>;
  upstreamCalls?: number;
  accepted?: number;
  published?: number;
}

export interface CampaignOptions {
  seed?: number;
  cases?: number;
  concurrency?: number;
}

export const RELAY_STATUSES: Set<number>;
export const CALLBACK_STATUSES: Set<number>;
export function fuzzRelay(targets: FuzzTargets, options?: CampaignOptions): Promise<CampaignReport>;
export function fuzzCallback(targets: FuzzTargets, options?: CampaignOptions): Promise<CampaignReport>;
export function baselineOf(targets: FuzzTargets): { forwarder: number; refresher: number };
export function afterCampaign(
  targets: FuzzTargets,
  baseline: { forwarder: number; refresher: number },
  options?: { rssSlackBytes?: number; timeoutMs?: number },
): Promise<{ violations: Violation[]; rss?: { forwarder: number; refresher: number } }>;
