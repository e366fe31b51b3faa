// The baseline the forwarder is measured against: the least a token-injecting relay can do.
// A node:http server that appends one fixed query parameter and relays method, headers and body
// to one upstream through a keep-alive undici Pool — no allowlist, no policy, no token lookup, no
// size limits, no logging. Whatever the forwarder costs beyond this is the price of its checks.
//
//   UPSTREAM=http://127.0.0.1:9100 INJECT='access_token=…' PORT=8090 node bench/minimal-proxy.mjs
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = new URL(process.env.UPSTREAM ?? 'http://127.0.0.1:9100');
const inject = process.env.INJECT ?? '';
const port = Number(process.env.PORT ?? 8090);

const pool = new Pool(upstream.origin, { keepAliveTimeout: 30_000 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'expect']);

function target(url) {
  if (!inject) return url;
  return url.includes('?') ? `${url}&${inject}` : `${url}?${inject}`;
}

const server = createServer((req, res) => {
  const headers = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  pool.request({ method: req.method, path: target(req.url), headers, body: hasBody ? req : undefined }).then(
    (answer) => {
      const out = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (!HOP_BY_HOP.has(name)) out[name] = value;
      }
      res.writeHead(answer.statusCode, out);
      // .pipe rather than stream.pipeline: pipeline's internal AbortController costs a
      // DOMException per call, which would make this baseline slower than it needs to be.
      answer.body.on('error', () => res.destroy());
      res.on('close', () => answer.body.destroy());
      answer.body.pipe(res);
    },
    () => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"errcode":85112,"errmsg":"upstream failed"}');
    },
  );
});
server.keepAliveTimeout = 65_000;

server.listen(port, '127.0.0.1', () => process.stdout.write(`minimal-proxy listening on ${port} → ${upstream.origin}\n`));

const stop = () => {
  server.close();
  server.closeAllConnections();
  void pool.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
