// What the README's first command promises, checked against a running
// `npm start`: the demo shop, the map page, and simulated visitors' journeys
// on the map. Usage: node scripts/check-start.mjs http://127.0.0.1:8787
const base = process.argv[2];
const get = async (path) => {
  const response = await fetch(base + path);
  if (!response.ok) throw new Error(`npm start: ${base}${path} answered ${response.status}`);
  return response.text();
};
if (!(await get('/demo/')).includes('snippet.min.js')) throw new Error('npm start: no demo shop at /demo/');
if (!(await get('/map')).includes('Customer journey map')) throw new Error('npm start: no map page at /map');
const map = JSON.parse(await get('/v1/map'));
console.log(`npm start: the map shows ${map.sessions} sessions of ${map.visitors} simulated visitors`);
if (!(map.sessions > 100)) throw new Error('npm start: the map has no simulated journeys');
