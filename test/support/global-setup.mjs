// Starts one private nats-server for the e2e suite (never one left running by hand).
// Test files that run whole services start their own with `startNatsServer()` for isolation.
import { startNatsServer } from '../../scripts/nats-server.mjs';

export default async function globalSetup() {
  const nats = await startNatsServer();
  globalThis.__WXGATE_NATS__ = nats;
  process.env.WXGATE_TEST_NATS_URL = nats.url;
}
