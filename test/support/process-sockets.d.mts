export type TcpState = 'ESTABLISHED' | 'SYN_SENT' | 'SYN_RECV' | 'FIN_WAIT1' | 'FIN_WAIT2' | 'TIME_WAIT' | 'CLOSE' | 'CLOSE_WAIT' | 'LAST_ACK' | 'LISTEN' | 'CLOSING';
export interface ProcessSocket {
  localPort: number;
  remotePort: number;
  state: TcpState;
}
export function processSockets(pid: number): ProcessSocket[];
export function connectionsOn(pid: number, ports: readonly number[]): ProcessSocket[];
