// Writes pkg/package.json and pkg/README.md from the workspace's metadata.
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';

const cargo = readFileSync(new URL('../Cargo.toml', import.meta.url), 'utf8');
const version = cargo.match(/\[workspace\.package\][^[]*?version = "([^"]+)"/)[1];
const pkg = {
  name: 'parcours',
  version,
  description: 'Customer-journey SDK: touchpoint tracking, client-side journeys and feedback prompts, in Rust + WebAssembly.',
  license: 'MIT',
  type: 'module',
  main: './index.js',
  module: './index.js',
  types: './index.d.ts',
  exports: {
    '.': { types: './index.d.ts', import: './index.js', default: './index.js' },
    './parcours_bg.wasm': './parcours_bg.wasm',
    './parcours_surveys_bg.wasm': './parcours_surveys_bg.wasm',
    './parcours_destinations_bg.wasm': './parcours_destinations_bg.wasm',
    './parcours_full_bg.wasm': './parcours_full_bg.wasm',
    './parcours_widget_bg.wasm': './parcours_widget_bg.wasm',
    './parcours_explain_bg.wasm': './parcours_explain_bg.wasm',
    './package.json': './package.json',
  },
  files: [...readdirSync(new URL('../pkg/', import.meta.url)).filter((f) => /\.(js|d\.ts|wasm)$/.test(f)).sort(), 'README.md'],
  // Importing the package defines nothing global, so unused parts can be dropped.
  sideEffects: false,
  keywords: ['analytics', 'customer-journey', 'nps', 'csat', 'webassembly'],
};
writeFileSync(new URL('../pkg/package.json', import.meta.url), JSON.stringify(pkg, null, 2) + '\n');
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
writeFileSync(new URL('../pkg/README.md', import.meta.url), readme);
