export default async function globalTeardown() {
  await globalThis.__WXGATE_NATS__?.stop();
}
