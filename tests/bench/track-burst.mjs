// Benchmark (prints figures; asserts nothing): in headless Chromium against
// the real collector, over several fresh page loads:
//  - time from script start to ready (bundle + wasm download, compile, init)
//  - cost per track() call in a 10,000-call burst with a 5-property object
//    (loop time / 10,000; performance.now() is too coarse to time one call),
//    beside a do-nothing function in the same loop (the harness floor)
//  - long tasks (> 50 ms) from the burst until every event is delivered
//  - time until the collector has all 10,000, and how many arrived
// Usage: npm run bench [-- --runs 5 --events 10000]
import { startCollector, launchBrowser, fetchEvents } from '../e2e/harness.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('runs', 5);
const EVENTS = arg('events', 10000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Many fresh page loads from one address: no per-IP limit here.
const collector = await startCollector(['--rate-ip', '0']);
const browser = await launchBrowser();
const rows = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${collector.url}/e2e/bench.html`);
    const result = await page.evaluate(async (n) => {
      const ready = (await window.readyAt) - window.scriptStart;
      const longTasks = [];
      new PerformanceObserver((list) => longTasks.push(...list.getEntries())).observe({ type: 'longtask', buffered: false });
      const props = (i) => ({ plan: 'pro', price: 12.5, seats: i, trial: false, source: 'bench' });
      // Harness floor: the same loop calling a function that does nothing.
      const noop = () => {};
      let t = performance.now();
      for (let i = 0; i < n; i++) noop('Bench Event', props(i));
      const floor = (performance.now() - t) / n;
      await new Promise((r) => setTimeout(r, 50)); // the burst gets a task of its own
      t = performance.now();
      const burstStart = t;
      for (let i = 0; i < n; i++) parcours.track('Bench Event', props(i));
      const burst = performance.now() - t;
      const drainStart = performance.now();
      const flushed = await parcours.flush();
      const drain = performance.now() - drainStart;
      await new Promise((r) => setTimeout(r, 100));
      // A long task that contains the burst is the caller's own loop; any other is the SDK's work.
      const inBurst = (e) => e.startTime <= burstStart + 1 && e.startTime + e.duration >= burstStart + burst;
      return {
        ready, perCallUs: (burst / n) * 1000, floorUs: floor * 1000, burstMs: burst, drainMs: drain, flushed,
        longTasks: longTasks.filter((e) => !inBurst(e)).map((e) => e.duration),
        burstTaskMs: longTasks.filter(inBurst).map((e) => e.duration),
        visitorId: parcours.debug().visitorId,
      };
    }, EVENTS);
    const delivered = (await fetchEvents(collector, 'visitor=' + result.visitorId)).length;
    rows.push({ ...result, delivered });
    console.log(
      `run ${run + 1}: ready ${result.ready.toFixed(1)} ms, track() ${result.perCallUs.toFixed(2)} µs/call (floor ${result.floorUs.toFixed(2)}), ` +
        `burst ${result.burstMs.toFixed(1)} ms${result.burstTaskMs.length ? ' (the calling task itself ran ' + result.burstTaskMs[0].toFixed(0) + ' ms)' : ''}, ` +
        `SDK long tasks ${result.longTasks.length}${result.longTasks.length ? ' (' + result.longTasks.map((d) => d.toFixed(0)).join(', ') + ' ms)' : ''}, ` +
        `delivered ${delivered}/${EVENTS} in ${result.drainMs.toFixed(0)} ms` + (result.flushed.ok ? "" : ` (flush: ${JSON.stringify(result.flushed)})`),
    );
    await context.close();
  }
} finally {
  await browser.close();
  await collector.stop();
}

console.log(`\nmedians over ${RUNS} fresh page loads, ${EVENTS}-call bursts (headless Chromium, this machine):`);
console.log(`  script start -> ready          ${median(rows.map((r) => r.ready)).toFixed(1)} ms`);
console.log(`  track() per call               ${median(rows.map((r) => r.perCallUs)).toFixed(2)} µs   (harness floor ${median(rows.map((r) => r.floorUs)).toFixed(2)} µs)`);
console.log(`  SDK long tasks, burst→delivered ${median(rows.map((r) => r.longTasks.length))} (max over runs ${Math.max(...rows.map((r) => r.longTasks.length))})`);
console.log(`  calling task over 50 ms        ${rows.filter((r) => r.burstTaskMs.length).length} of ${RUNS} runs (the page's own loop of ${EVENTS} calls)`);
console.log(`  burst until all delivered      ${median(rows.map((r) => r.drainMs)).toFixed(0)} ms`);
console.log(`  delivered                      ${rows.map((r) => r.delivered).join(', ')} of ${EVENTS} per run`);
