import type { ChildProcess } from 'node:child_process';
import type { NatsConnection } from '@nats-io/transport-node';

export const ROOT: string;
export const APP_ID: string;
export const COMPONENT: { appid: string; secret: string; token: string; aesKey: string };
export const ALLOWLIST: string[];
export const INJECTED_TOKEN: string;
export const RESERVED: string[];
export const CALLER: { name: string; secret: string };
export { connectionsOn } from '../support/process-sockets.mjs';

export interface FuzzProcess {
  name: string;
  child: ChildProcess;
  cwd: string;
  exited: Promise<number | string | null>;
  output(): string;
}

export interface FuzzTargets {
  nats: { url: string };
  nc: NatsConnection;
  upstream: { url: string; calls: { method: string; url: string; bytes: number; callerHeaders: string[] }[] };
  published: Set<string>;
  forwarder: FuzzProcess & { ports: { http: number; https: number; admin: number } };
  refresher: FuzzProcess & { ports: { callback: number; admin: number } };
  stop(): Promise<void>;
}

export function startTargets(): Promise<FuzzTargets>;
export function rssBytes(pid: number): number;
