// The Node/V8 flags each app's process is started with (docs/operations.md, "Process flags").
// scripts/supervisor.mjs (npm start, npm run demo) and the bench read them from here; package.json,
// the Dockerfile and docker-compose.yml repeat them, and test/node-flags.e2e-spec.ts checks that
// they agree.
//
// forwarder: `--min-semi-space-size=16` keeps V8's young generation at 16 MiB (2 × 16 MiB
// semi-spaces). After a quiet spell V8 shrinks it to 1 MiB and, since a relay's per-call objects
// die young, grows it back only slowly: meanwhile a steady 1,000 calls/s paid a young collection
// every ~50 ms instead of every ~900 ms, and the added p99 went from ~0.7 ms to ~2.5 ms
// (npm run bench, BENCHMARKS.md notes). The flag only exists on the command line: V8 sizes the
// young generation when the process starts.
export const APP_NODE_ARGS = Object.freeze({
  forwarder: Object.freeze(['--min-semi-space-size=16']),
});

/** The flags `app` is started with (none for most). */
export function nodeArgsOf(app) {
  return APP_NODE_ARGS[app] ?? [];
}
