// Load test of the collector's ingest (prints figures; asserts nothing):
// the release collector on loopback with a fresh SQLite file, sent batches
// as the SDK sends them (30 events, its default flushAt) by concurrent
// keep-alive connections for a bounded time. Prints events/s accepted,
// request latency p50/p99 and errors (any answer but 200, any failed
// request), and writes them to test-results/ingest-bench.md.
//
// Usage: npm run bench:ingest [-- --seconds 20 --connections 16 --clickhouse URL]
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, RELEASE_COLLECTOR, ROOT } from '../e2e/harness.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const SECONDS = Number(arg('seconds', 20));
const CONNECTIONS = Number(arg('connections', 16));
const PER_BATCH = 30;
const CLICKHOUSE = arg('clickhouse', null);

/** One batch as the SDK sends it: `PER_BATCH` track events of one visitor's session. */
function batch(n) {
  const now = Date.now();
  const events = [];
  for (let e = 0; e < PER_BATCH; e++) {
    events.push({
      id: `load-${process.pid}-${n}-${e}`,
      type: 'track',
      name: e % 3 ? 'Product Viewed' : 'Added to Cart',
      ts: now + e,
      visitorId: 'visitor-' + (n % 500),
      sessionId: 'session-' + (n % 500),
      properties: { product: 'ethiopia-guji', price: 14.5, position: e },
      context: { page: { url: 'https://shop.example/product', path: '/product', title: 'Beans', referrer: '' }, library: { name: 'parcours', version: '0.1.0' } },
    });
  }
  return JSON.stringify({ v: 1, batchId: `load-${process.pid}-${n}`, sentAt: now, writeKey: 'load', events });
}

function post(agent, url, body) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const request = http.request(url + '/v1/batch', { method: 'POST', agent, headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    request.on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    request.end(body);
  });
}

async function run(label, extraArgs) {
  const collector = await startCollector(['--rate-ip', '0', '--rate-key', '0', '--no-www', ...extraArgs], RELEASE_COLLECTOR);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies = [];
  let accepted = 0;
  let errors = 0;
  let next = 0;
  const until = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        const { status, ms } = await post(agent, collector.url, batch(next++));
        latencies.push(ms);
        if (status === 200) accepted += PER_BATCH;
        else errors++;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  agent.destroy();
  await collector.stop();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { label, eventsPerSecond: Math.round(accepted / seconds), requests: latencies.length, p50: at(0.5), p99: at(0.99), errors };
}

const results = [await run('SQLite', [])];
if (CLICKHOUSE) results.push(await run('ClickHouse', ['--store', CLICKHOUSE]));

const lines = [
  `Collector ingest, ${SECONDS} s, ${CONNECTIONS} keep-alive connections on loopback, batches of ${PER_BATCH} events (release build, same machine as the senders):`,
  '',
  '| store | events/s accepted | requests | p50 ms | p99 ms | errors |',
  '|---|---|---|---|---|---|',
  ...results.map((r) => `| ${r.label} | ${r.eventsPerSecond.toLocaleString('en')} | ${r.requests.toLocaleString('en')} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} |`),
];
console.log(lines.join('\n'));
mkdirSync(join(ROOT, 'test-results'), { recursive: true });
writeFileSync(join(ROOT, 'test-results/ingest-bench.md'), lines.join('\n') + '\n');
