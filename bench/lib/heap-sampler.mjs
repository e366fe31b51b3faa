// Preloaded into a service by the bench (`node --import bench/lib/heap-sampler.mjs …`) when
// BENCH_HEAP_PROF names it: V8's sampling heap profiler, counting objects the GC already
// collected too, so the profile shows what a request allocates (GC pressure), not only what it
// keeps. SIGUSR2 starts sampling, the next SIGUSR2 writes
// `$BENCH_HEAP_PROF_DIR/<label>.heapprofile` (label read from `$BENCH_HEAP_PROF_DIR/label`).
// With BENCH_HEAP_SURVIVORS=1 only objects that outlived a scavenge are counted (what is promoted).
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.BENCH_HEAP_PROF_DIR;
// BENCH_HEAP_SURVIVORS=1: only objects that outlived a scavenge (what gets promoted), not all allocations.
const survivorsOnly = process.env.BENCH_HEAP_SURVIVORS === '1';
if (dir) {
  const session = new Session();
  session.connect();
  let sampling = false;
  process.on('SIGUSR2', () => {
    if (!sampling) {
      sampling = true;
      session.post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivorsOnly });
      return;
    }
    sampling = false;
    session.post('HeapProfiler.getSamplingProfile', (err, result) => {
      session.post('HeapProfiler.stopSampling');
      if (err) return;
      let label = 'heap';
      try {
        label = readFileSync(path.join(dir, 'label'), 'utf8').trim() || label;
      } catch {
        // no label file: the default name
      }
      writeFileSync(path.join(dir, `${label}.heapprofile`), JSON.stringify(result.profile));
    });
  });
}
