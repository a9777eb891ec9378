// Benchmark of the journey map (prints figures; fails only if the two stores
// disagree): seeds the same simulated visitors of the demo shop into SQLite,
// then into ClickHouse (`parcours-collector seed`), and times each store right
// after seeding it, over several runs:
//  - the aggregation of every journey afresh (Server-Timing), and GET /v1/map
//    of the default view (kept live by a SQLite collector), and filtered;
//  - the drill-down from a touchpoint to its latest sessions;
//  - the map page in Chromium, from navigation to every chart drawn (the
//    trends included): its first view after the collector starts, later
//    views, a filtered view, and the last two weeks compared with the two before.
// Usage: node tests/bench/map.mjs --clickhouse clickhouse://127.0.0.1:8123 [--events 1000000] [--runs 5]
// (scripts/bench-map.sh starts a private ClickHouse and builds the release collector.)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, RELEASE_COLLECTOR, startCollector, launchBrowser } from '../e2e/harness.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const EVENTS = Number(arg('events', 1000000));
const RUNS = Number(arg('runs', 5));
const CLICKHOUSE = arg('clickhouse', process.env.PARCOURS_CLICKHOUSE);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => x.toFixed(0) + ' ms';

const dir = mkdtempSync(join(tmpdir(), 'parcours-map-bench-'));
const stores = [{ name: 'SQLite', args: ['--db', join(dir, 'bench.db')] }];
if (CLICKHOUSE) stores.push({ name: 'ClickHouse', args: ['--store', CLICKHOUSE.replace(/\/$/, '') + '/parcours_bench_' + process.pid] });
else console.log('no --clickhouse given: SQLite only');

// One time for both stores: their visits fall on the same days, so that
// the trends (per day) agree too.
const SEED_NOW = String(Date.now());

function seed(store) {
  const started = Date.now();
  const out = execFileSync(RELEASE_COLLECTOR, ['seed', '--events', String(EVENTS), '--now', SEED_NOW, ...store.args], { encoding: 'utf8' });
  store.seedSeconds = (Date.now() - started) / 1000;
  store.seedLine = out.trim().split('\n').pop();
  console.log(store.name + ': ' + store.seedLine);
}

async function timed(url) {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  if (!response.ok) throw new Error(url + ': ' + response.status + ' ' + body);
  const server = /dur=([\d.]+)/.exec(response.headers.get('server-timing') || '');
  return { total: performance.now() - started, server: server ? Number(server[1]) : NaN, body };
}

async function measure(store, browser) {
  const collector = await startCollector(['--no-www', ...store.args], RELEASE_COLLECTOR);
  const pageTime = async (path) => {
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    const page = await context.newPage();
    await page.goto(collector.url + path);
    await page.waitForSelector('body[data-ready=true]', { timeout: 60000 });
    const ms = await page.evaluate(() => performance.now());
    await context.close();
    return ms;
  };
  try {
    store.firstPage = await pageTime('/map');
    const runs = { afresh: [], map: [], filtered: [], compared: [], drill: [], page: [], filteredPage: [], comparedPage: [] };
    const day = (daysAgo) => new Date(Date.now() - daysAgo * 86400000).toISOString().slice(0, 10);
    const comparison = `from=${day(13)}&compareFrom=${day(27)}&compareTo=${day(14)}`;
    for (let i = 0; i < RUNS; i++) {
      // from=0 keeps every journey but is a filter: computed afresh.
      runs.afresh.push((await timed(collector.url + '/v1/map?from=0')).server);
      const map = await timed(collector.url + '/v1/map');
      runs.map.push(map.total);
      store.figures = map.body;
      runs.filtered.push((await timed(collector.url + '/v1/map?channel=email&device=mobile&visitor=returning')).total);
      runs.compared.push((await timed(collector.url + '/v1/map?' + comparison)).total);
      runs.drill.push((await timed(collector.url + '/v1/map/sessions?touchpoint=' + encodeURIComponent('/demo/pricing.html'))).total);
      runs.page.push(await pageTime('/map'));
      runs.filteredPage.push(await pageTime('/map?channel=email&device=mobile'));
      runs.comparedPage.push(await pageTime('/map?' + comparison));
    }
    store.sessions = JSON.parse(store.figures).sessions;
    store.medians = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
    console.log(store.name + ': ' + Object.entries(runs).map(([k, v]) => k + ' ' + v.map((x) => x.toFixed(0)).join('/')).join(', ') + ' (ms)');
  } finally {
    await collector.stop();
  }
}

const browser = await launchBrowser();
try {
  // Each store is seeded and measured in turn: a store seeded but not
  // measured yet (ClickHouse merging a million fresh rows) would take the
  // machine's two cores from the other's timings.
  for (const store of stores) {
    seed(store);
    await measure(store, browser);
  }
} finally {
  await browser.close();
}
const sqliteBytes = statSync(join(dir, 'bench.db')).size;
rmSync(dir, { recursive: true, force: true });

const rows = stores.map((s) => `| ${s.name} | ${s.sessions} | ${s.seedSeconds.toFixed(1)} s | ${ms(s.medians.afresh)} | ${ms(s.medians.map)} | ${ms(s.medians.filtered)} | ${ms(s.medians.compared)} | ${ms(s.medians.drill)} | ${ms(s.firstPage)} | **${ms(s.medians.page)}** | ${ms(s.medians.filteredPage)} | **${ms(s.medians.comparedPage)}** |`);
const same = stores.length < 2 || stores[0].figures === stores[1].figures;
const report = [
  `Journey map over ${EVENTS.toLocaleString('en')} seeded events, medians of ${RUNS} runs (release collector, headless Chromium):`,
  '',
  '| store | journeys | seeding | every journey aggregated afresh | GET /v1/map (default view) | GET filtered map | GET map compared (two weeks against the two before) | drill-down | map page, first view | map page | filtered map page | map page compared |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  `SQLite keeps the default view live (updated as journeys are stored), so after the first view the page only draws; ClickHouse computes every view afresh. ` +
    `The page is timed from navigation to every chart drawn, trends included. SQLite file: ${(sqliteBytes / 1e9).toFixed(2)} GB. ` +
    (stores.length > 1 ? `Both stores give the same figures: ${same ? 'yes' : 'NO'}.` : ''),
].join('\n');
console.log('\n' + report);
mkdirSync(join(ROOT, 'test-results'), { recursive: true });
writeFileSync(join(ROOT, 'test-results/map-bench.md'), report + '\n');
if (!same) {
  console.error('the stores disagree: the first figures are\n' + stores[0].figures + '\nand the second\n' + stores[1].figures);
  process.exit(1);
}
