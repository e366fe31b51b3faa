// The token service's baseline: a raw NATS responder doing nothing but reply. It answers
// `bench.echo.<n>` with n bytes (cached per size), so each NATS benchmark is compared with an echo
// of the same reply size. Run as its own process, like the token-refresher it stands beside.
//
//   NATS_URL=nats://127.0.0.1:4222 node bench/nats-echo.mjs
import { connect } from '@nats-io/transport-node';

const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'wxgate-bench-echo' });
const replies = new Map();

nc.subscribe('bench.echo.*', {
  queue: 'bench.echo',
  callback: (_err, msg) => {
    const size = Number(msg.subject.slice('bench.echo.'.length)) || 0;
    let reply = replies.get(size);
    if (!reply) {
      reply = new Uint8Array(size).fill(0x61);
      replies.set(size, reply);
    }
    msg.respond(reply);
  },
});
await nc.flush();
process.stdout.write('nats-echo ready\n');

const stop = () => void nc.drain().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
