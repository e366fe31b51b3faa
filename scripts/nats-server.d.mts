export interface NatsServerHandle {
  url: string;
  port: number;
  pid: number;
  storeDir: string;
  stop(): Promise<void>;
}
export function ensureDebianProgram(options: { binary: string; debianPackage?: string; candidates?: string[]; hint: string }): string;
export function ensureNatsServer(): string;
export function freePort(): Promise<number>;
export function waitForPort(port: number, host?: string, timeoutMs?: number): Promise<void>;
export function natsReachable(url: string, timeoutMs?: number): Promise<boolean>;
export function startNatsServer(options?: { port?: number; storeDir?: string }): Promise<NatsServerHandle>;
export interface NatsClusterNode {
  name: string;
  url: string;
  port: number;
  storeDir: string;
  configFile: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}
export interface NatsClusterHandle {
  urls: string[];
  url: string;
  nodes: NatsClusterNode[];
  stop(): Promise<void>;
}
export function startNatsCluster(options?: { size?: number; name?: string }): Promise<NatsClusterHandle>;
