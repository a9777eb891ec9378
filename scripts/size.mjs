// Size report: raw, gzip (-9) and brotli (max) bytes of every shipped file,
// and the totals the budgets in size-budget.json hold. `--check` exits 1
// when a budget is exceeded.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const root = new URL('../', import.meta.url);
const read = (file) => readFileSync(new URL(file, root));
const sizes = (buf) => ({
  raw: buf.length,
  gzip: gzipSync(buf, { level: 9 }).length,
  brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const row = (name, s) => `${name.padEnd(44)} ${String(s.raw).padStart(9)} ${String(s.gzip).padStart(9)} ${String(s.brotli).padStart(9)}`;

const shipped = [];
for (const dir of ['www/dist', 'pkg']) {
  if (!existsSync(new URL(dir, root))) continue;
  for (const name of readdirSync(new URL(dir, root)).sort()) {
    if (/\.(js|wasm|d\.ts)$/.test(name)) shipped.push(`${dir}/${name}`);
  }
}
if (!shipped.length) {
  console.error('size: nothing built yet; run `npm run build` first');
  process.exit(1);
}

console.log(`${'file'.padEnd(44)} ${'raw'.padStart(9)} ${'gzip'.padStart(9)} ${'brotli'.padStart(9)}`);
for (const file of shipped) console.log(row(file, sizes(read(file))));

const { budgets } = JSON.parse(read('size-budget.json'));
let failed = false;
console.log('\nbudgets (gzip, sum of each file compressed on its own, as a browser downloads them):');
for (const budget of budgets) {
  const total = budget.files.map((f) => sizes(read(f))).reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip, brotli: a.brotli + s.brotli }), { raw: 0, gzip: 0, brotli: 0 });
  const ok = total.gzip <= budget.gzip;
  failed ||= !ok;
  console.log(row(budget.name.slice(0, 44), total) + `  limit ${budget.gzip}  ${ok ? 'ok' : 'OVER BUDGET'}`);
}
if (failed && process.argv.includes('--check')) {
  console.error('\nsize: over budget (see size-budget.json)');
  process.exit(1);
}
