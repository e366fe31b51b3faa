// Load generators: autocannon for HTTP (latencies taken from its per-response hrtime, not its
// whole-millisecond histogram, so sub-millisecond differences show) and a plain loop of NATS
// requests with a fixed number in flight.
import autocannon from 'autocannon';

/** Percentile of a sorted Float64Array (nearest rank). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

const round = (v, digits = 3) => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : null);

/** Growable list of latencies (ms). */
class Samples {
  #data = new Float64Array(1 << 16);
  #n = 0;
  push(v) {
    if (this.#n === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#n++] = v;
  }
  get length() {
    return this.#n;
  }
  values() {
    return this.#data.slice(0, this.#n);
  }
}

/**
 * Throughput and latency percentiles of one or more runs of the same load (runs taken in
 * rounds, interleaved with other targets, are merged: requests over summed time).
 */
export function summarize(runs) {
  const list = Array.isArray(runs) ? runs : [runs];
  const total = list.reduce((n, r) => n + r.samples.length, 0);
  const all = new Float64Array(total);
  let at = 0;
  for (const r of list) {
    all.set(r.samples, at);
    at += r.samples.length;
  }
  all.sort();
  let sum = 0;
  for (const v of all) sum += v;
  const seconds = list.reduce((n, r) => n + r.seconds, 0);
  const out = {
    requests: total,
    seconds: round(seconds, 2),
    rps: round(total / seconds, 1),
    p50Ms: round(percentile(all, 50)),
    p90Ms: round(percentile(all, 90)),
    p99Ms: round(percentile(all, 99)),
    meanMs: round(sum / Math.max(total, 1)),
    errors: list.reduce((n, r) => n + (r.errors ?? 0), 0),
  };
  if (list.some((r) => r.non2xx !== undefined)) out.non2xx = list.reduce((n, r) => n + (r.non2xx ?? 0), 0);
  const firstError = list.find((r) => r.firstError)?.firstError;
  if (firstError) out.firstError = firstError;
  if (list.length > 1) out.rounds = list.map((r) => round(r.samples.length / r.seconds, 1));
  // CPU the process under test spent per answered request: throughput on a shared machine moves
  // with everything else running, this much less.
  if (list.every((r) => r.cpuMs !== undefined)) {
    const cpuMs = list.reduce((n, r) => n + r.cpuMs, 0);
    out.cpuMs = round(cpuMs, 0);
    out.cpuUsPerRequest = round((cpuMs * 1000) / Math.max(total, 1), 1);
    out.cpuCores = round(cpuMs / 1000 / seconds, 2);
  }
  if (list.every((r) => r.upstreamCpuMs !== undefined)) out.upstreamCpuUsPerRequest = round((list.reduce((n, r) => n + r.upstreamCpuMs, 0) * 1000) / Math.max(total, 1), 1);
  return out;
}

/**
 * One autocannon run → `{samples, seconds, errors, non2xx}` (see summarize). `rate` (requests/s
 * over all connections) switches to a fixed arrival rate. Only 2xx answers are samples.
 */
export function httpLoad({ url, method = 'GET', body, headers = {}, connections = 50, seconds, rate }) {
  return new Promise((resolve, reject) => {
    const samples = new Samples();
    const started = performance.now();
    const instance = autocannon(
      {
        url,
        method,
        body,
        headers,
        connections,
        duration: seconds,
        ...(rate ? { overallRate: rate } : {}),
      },
      (err, result) => {
        if (err) return reject(err);
        const elapsed = (performance.now() - started) / 1000;
        resolve({
          samples: samples.values(),
          seconds: Math.min(elapsed, result.duration || elapsed),
          errors: result.errors + result.timeouts,
          non2xx: result.non2xx,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
    });
  });
}

/**
 * `inFlight` loops each sending the next request as soon as the previous one is answered, for
 * `seconds` → `{samples, seconds, errors}`. A reply starting with `{"error"` is an error, not a sample.
 */
export async function natsLoad(nc, subject, payload, { inFlight = 64, seconds }) {
  const samples = new Samples();
  let errors = 0;
  let firstError;
  const started = performance.now();
  const endAt = started + seconds * 1000;
  const data = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  const worker = async () => {
    while (performance.now() < endAt) {
      const t0 = performance.now();
      try {
        const msg = await nc.request(subject, data, { timeout: 5000 });
        const d = msg.data;
        if (d.length > 8 && d[0] === 0x7b && d[2] === 0x65 && d[3] === 0x72 && d[4] === 0x72) {
          errors++;
          firstError ??= msg.string();
        } else {
          samples.push(performance.now() - t0);
        }
      } catch (err) {
        errors++;
        firstError ??= err.message;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { samples: samples.values(), seconds: (performance.now() - started) / 1000, errors, ...(firstError ? { firstError } : {}) };
}
