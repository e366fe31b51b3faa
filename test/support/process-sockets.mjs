// The TCP sockets one process holds, read from /proc (Linux): its socket inodes from
// /proc/<pid>/fd matched against /proc/net/tcp{,6}. Lets a test prove a server left nothing in
// CLOSE-WAIT or half-open after a client misbehaved. Shared by the e2e tests and the fuzzer.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const STATES = ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING'];

export function processSockets(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith('socket:[')) inodes.add(link.slice(8, -1));
    } catch {
      // closed while listing
    }
  }
  const sockets = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || !inodes.has(cols[9])) continue;
      sockets.push({ localPort: port(cols[1]), remotePort: port(cols[2]), state: STATES[parseInt(cols[3], 16) - 1] });
    }
  }
  return sockets;
}

/** The process's connections on `ports` (its listeners excluded), e.g. the relay's callers. */
export function connectionsOn(pid, ports) {
  return processSockets(pid).filter((s) => s.state !== 'LISTEN' && ports.includes(s.localPort));
}

function port(address) {
  return parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
}
