// A front-end app that installed the package from npm and bundles it with esbuild.
import parcours, { track, identify, flush, on } from 'parcours';

const ready = new Promise((resolve) => on('ready', resolve));
parcours.init({ endpoint: '/v1/batch', writeKey: 'npm_app', flushInterval: 200 });
track('bundled', { via: 'esbuild' });
identify('npm-user', { source: 'bundle' });

window.result = ready.then(() => flush()).then((flushed) => ({ flushed, state: parcours.debug() }));
