// Summarises a V8 .cpuprofile (node --cpu-prof): the top frames by self time and the share of
// busy time per origin (a package in node_modules, node's internals, wxgate's own dist files).
//
// `windows` ([{start, end}] in µs of the monotonic clock, i.e. process.hrtime.bigint() / 1000n, which
// is also the clock of the profile's timestamps) keeps only samples taken inside them, so start-up
// and idle phases do not drown the frames of the load being measured.
//
//   node bench/profile-summary.mjs <file.cpuprofile | file.heapprofile> [top=25]
import { readFileSync } from 'node:fs';
import path from 'node:path';

const IDLE = new Set(['(idle)', '(program)', '(garbage collector)']);

/** Where a frame's code lives, short enough for a table. */
function origin(url) {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist !== -1) return url.slice(dist + 1).split('/').slice(0, 3).join('/');
  return path.basename(url);
}

function location(frame) {
  const url = frame.url || '';
  const file = url.startsWith('node:') ? url : url.includes('node_modules/') ? url.slice(url.lastIndexOf('node_modules/') + 13) : url.includes('/dist/') ? url.slice(url.indexOf('/dist/') + 1) : path.basename(url);
  return file ? `${file}:${frame.lineNumber + 1}` : '';
}

export function summarise(file, top = 25, windows) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inWindow = (t) => !windows || windows.some((w) => t >= w.start && t <= w.end);
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (!inWindow(t)) continue;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const frames = new Map();
  const origins = new Map();
  let total = 0;
  let busy = 0;
  const special = {};
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const f = node.callFrame;
    const name = f.functionName || '(anonymous)';
    total += us;
    if (IDLE.has(name)) {
      special[name] = (special[name] ?? 0) + us;
      if (name !== '(garbage collector)') continue;
    }
    busy += us;
    const key = `${name}\u0000${location(f)}`;
    frames.set(key, (frames.get(key) ?? 0) + us);
    const o = IDLE.has(name) ? name : origin(f.url);
    origins.set(o, (origins.get(o) ?? 0) + us);
  }
  // Inclusive (self + callees) time of wxgate's own functions: which step of a request costs what.
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at).callFrame;
      if (!f.url.includes('/dist/') || f.url.includes('node_modules/')) continue;
      const key = `${f.functionName || '(anonymous)'}\u0000${location(f)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const pct = (us) => Math.round((1000 * us) / Math.max(busy, 1)) / 10;
  return {
    file,
    ...(windows ? { windows: [...new Set(windows.map((w) => w.label).filter(Boolean))] } : {}),
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    idleMs: Math.round((special['(idle)'] ?? 0) / 1000),
    gcMs: Math.round((special['(garbage collector)'] ?? 0) / 1000),
    topFrames: [...frames.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => {
        const [fn, where] = key.split('\u0000');
        return { function: fn, where, selfMs: Math.round(us / 1000), pctOfBusy: pct(us) };
      }),
    ownInclusive: [...inclusive.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => {
        const [fn, where] = key.split('\u0000');
        return { function: fn, where, totalMs: Math.round(us / 1000), pctOfBusy: pct(us) };
      }),
    byOrigin: [...origins.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([o, us]) => ({ origin: o, selfMs: Math.round(us / 1000), pctOfBusy: pct(us) })),
  };
}

export function formatSummary(s) {
  const lines = [
    `profile ${s.file}${s.windows ? ` during ${s.windows.join(', ')}` : ''}: ${s.totalMs} ms sampled, ${s.busyMs} ms busy (GC ${s.gcMs} ms), ${s.idleMs} ms idle`,
    '',
    '| self % of busy | self ms | function | where |',
    '|---:|---:|---|---|',
    ...s.topFrames.map((f) => `| ${f.pctOfBusy} | ${f.selfMs} | \`${f.function}\` | ${f.where} |`),
    '',
    '| total % of busy | total ms | wxgate function (self + callees) | where |',
    '|---:|---:|---|---|',
    ...s.ownInclusive.map((f) => `| ${f.pctOfBusy} | ${f.totalMs} | \`${f.function}\` | ${f.where} |`),
    '',
    '| self % of busy | self ms | origin |',
    '|---:|---:|---|',
    ...s.byOrigin.map((o) => `| ${o.pctOfBusy} | ${o.selfMs} | ${o.origin} |`),
  ];
  return lines.join('\n');
}

/**
 * Summarises a sampling heap profile (bench/lib/heap-sampler.mjs): bytes allocated by function
 * (self), by wxgate function including what its callees allocate, and by origin.
 */
export function summariseHeap(file, top = 20) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const self = new Map();
  const inclusive = new Map();
  const origins = new Map();
  let total = 0;
  const walk = (node, own) => {
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'}\u0000${location(f)}`;
    const bytes = node.selfSize;
    total += bytes;
    if (bytes > 0) {
      self.set(key, (self.get(key) ?? 0) + bytes);
      const o = origin(f.url);
      origins.set(o, (origins.get(o) ?? 0) + bytes);
    }
    const mine = f.url.includes('/dist/') && !f.url.includes('node_modules/') && !own.includes(key) ? [...own, key] : own;
    for (const k of mine) inclusive.set(k, (inclusive.get(k) ?? 0) + bytes);
    for (const child of node.children ?? []) walk(child, mine);
  };
  walk(profile.head, []);
  const pct = (b) => Math.round((1000 * b) / Math.max(total, 1)) / 10;
  const rows = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, bytes]) => {
        const [fn, where] = key.split('\u0000');
        return { function: fn, where, mb: Math.round(bytes / 1e5) / 10, pct: pct(bytes) };
      });
  return {
    file,
    allocatedMB: Math.round(total / 1e5) / 10,
    topSelf: rows(self, top),
    ownInclusive: rows(inclusive, top),
    byOrigin: [...origins.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([o, bytes]) => ({ origin: o, mb: Math.round(bytes / 1e5) / 10, pct: pct(bytes) })),
  };
}

export function formatHeapSummary(s) {
  return [
    `heap profile ${s.file}: ${s.allocatedMB} MB allocated while sampling (collected objects included)`,
    '',
    '| % of bytes | MB | allocated in | where |',
    '|---:|---:|---|---|',
    ...s.topSelf.map((f) => `| ${f.pct} | ${f.mb} | \`${f.function}\` | ${f.where} |`),
    '',
    '| % of bytes | MB | wxgate function (self + callees) | where |',
    '|---:|---:|---|---|',
    ...s.ownInclusive.map((f) => `| ${f.pct} | ${f.mb} | \`${f.function}\` | ${f.where} |`),
    '',
    '| % of bytes | MB | origin |',
    '|---:|---:|---|',
    ...s.byOrigin.map((o) => `| ${o.pct} | ${o.mb} | ${o.origin} |`),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]\n');
    process.exit(64);
  }
  const text = file.endsWith('.heapprofile') ? formatHeapSummary(summariseHeap(file, Number(top) || 20)) : formatSummary(summarise(file, Number(top) || 25));
  process.stdout.write(text + '\n');
}
