/**
 * Durable consumers on a 3-node JetStream cluster (WXGATE_STREAM_REPLICAS=3): killing the node
 * that leads the consumer loses no event, and consuming resumes within seconds (the measured
 * time is printed and written down in docs/scale-out.md).
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EVENTS_STREAM } from '@wxgate/contracts';
import { ensureEventsStream, runDurableConsumer, type RunningConsumer } from '@wxgate/nats';
import { startNatsCluster, waitFor, type NatsClusterHandle } from './support/harness.js';

const DURABLE = 'cluster-test-consumer';
const SUBJECT = 'wxgate.events.test.cluster';

describe('durable consumer on a 3-node JetStream cluster', () => {
  let cluster: NatsClusterHandle;
  let nc: NatsConnection;
  let consumer: RunningConsumer | undefined;

  beforeAll(async () => {
    cluster = await startNatsCluster();
    nc = await connect({ servers: cluster.urls, name: 'wxgate-cluster-test', maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    await waitFor(async () => (await jetstreamManager(nc)).getAccountInfo().then(() => true), { timeoutMs: 20_000, what: 'JetStream cluster ready' });
  });

  afterAll(async () => {
    await consumer?.stop();
    await nc?.close().catch(() => undefined);
    await cluster?.stop();
  });

  it('creates the stream with 3 replicas, scales an R1 stream to 3, and the durable consumer has 3 too', async () => {
    await ensureEventsStream(nc, 1);
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(EVENTS_STREAM)).config.num_replicas).toBe(1);
    await ensureEventsStream(nc, 3);
    const info = await waitFor(async () => {
      const i = await jsm.streams.info(EVENTS_STREAM);
      return i.cluster?.replicas?.length === 2 && i.cluster.leader ? i : undefined;
    }, { timeoutMs: 20_000, what: 'stream scaled to 3 replicas' });
    expect(info.config.num_replicas).toBe(3);
  });

  it('resumes within seconds after the node leading the consumer is SIGKILLed, losing no event', async () => {
    const seen = new Map<number, number>();
    const seenAt = new Map<number, number>();
    consumer = await runDurableConsumer(nc, {
      durable: DURABLE,
      filterSubjects: [SUBJECT],
      handle: async (_subject, body) => {
        const n = (body as { n: number }).n;
        seen.set(n, (seen.get(n) ?? 0) + 1);
        if (!seenAt.has(n)) seenAt.set(n, Date.now());
      },
    });
    const jsm = await jetstreamManager(nc);
    const ci = await waitFor(async () => {
      const i = await jsm.consumers.info(EVENTS_STREAM, DURABLE);
      return i.cluster?.leader && i.cluster.replicas?.length === 2 ? i : undefined;
    }, { timeoutMs: 20_000, what: 'consumer replicated' });
    expect(ci.config.num_replicas ?? 0).not.toBe(1);

    const js = jetstream(nc);
    const storedAt = new Map<number, number>();
    let n = 0;
    const publish = async () => {
      const k = ++n;
      // A publish during the election may time out: retried with the same id, stored once.
      await waitFor(() => js.publish(SUBJECT, JSON.stringify({ n: k }), { msgID: `cluster-${k}`, timeout: 2_000 }).then(() => true), { timeoutMs: 30_000, intervalMs: 100, what: `publish ${k}` });
      storedAt.set(k, Date.now());
      return k;
    };
    for (let i = 0; i < 20; i++) await publish();
    await waitFor(() => seen.size === 20, { what: '20 events before the kill' });

    const probe = await jetstreamManager(nc, { timeout: 500 });
    const leader = cluster.nodes.find((node) => node.name === ci.cluster!.leader)!;
    await leader.kill('SIGKILL');
    const killedAt = Date.now();
    const firstAfter = n + 1;
    // When JetStream has a consumer leader again (the server-side part of the failover).
    let electedAt = 0;
    const elected = waitFor(
      async () => {
        const i = await probe.consumers.info(EVENTS_STREAM, DURABLE);
        if (i.cluster?.leader && i.cluster.leader !== leader.name) return (electedAt = Date.now());
        return undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'a new consumer leader' },
    );
    // Keep publishing while the cluster elects new leaders.
    const publisher = (async () => {
      for (let i = 0; i < 30; i++) {
        await publish();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await publisher;
    await elected;
    await waitFor(() => seen.size === n, { timeoutMs: 30_000, what: `all ${n} events after the kill` });
    const resumeMs = seenAt.get(firstAfter)! - killedAt;
    const storedMs = storedAt.get(firstAfter)! - killedAt;
    process.stdout.write(
      `consumer leader killed: stream stored again after ${storedMs} ms, new consumer leader after ${electedAt - killedAt} ms, events processed again after ${resumeMs} ms (restarts: ${consumer.restarts})\n`,
    );
    // Within a few seconds of JetStream having a consumer leader again (the election itself is the
    // server's: 2.9 takes several seconds after a SIGKILL), never the client's 30 s pull expiry.
    expect(resumeMs).toBeLessThan(electedAt - killedAt + 3_000);
    expect(resumeMs).toBeLessThan(20_000);
    for (let k = 1; k <= n; k++) expect(seen.get(k)).toBeGreaterThanOrEqual(1);
    await leader.start();
  });
});
