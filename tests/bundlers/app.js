// One front-end app, bundled by each bundler the README lists
// (tests/e2e/bundlers.test.mjs): it imports the npm package as an app
// would and leaves what happened on window.result. The page's query says
// which bundler built it (`via`) and, where a bundle needs it, `wasmUrl`.
import parcours, { init, track, identify, flush, on } from 'parcours';

const query = new URLSearchParams(location.search);
const errors = [];
on('error', (error) => errors.push({ code: error.code, field: error.field, message: error.message }));
init({ endpoint: '/v1/batch', writeKey: 'bundled_app', flushInterval: 200, wasmUrl: query.get('wasmUrl') || undefined });
track('bundled', { via: query.get('via') });
identify('npm-user', { source: 'bundle' });

// flush() settles whether the wasm loaded or not.
window.result = flush().then((flushed) => ({ flushed, state: parcours.debug(), errors }));
