// Writes pkg/package.json, pkg/README.md, pkg/LICENSE and
// pkg/batch.schema.json from the workspace's metadata: the version, license
// and repository of Cargo.toml, the README's sections for users of the
// package (not the repository's developer set-up), and the JSON Schema of
// the batches a backend receives.
import { readFileSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';

const at = (path) => new URL('../' + path, import.meta.url);
const cargo = readFileSync(at('Cargo.toml'), 'utf8');
const workspace = (key) => cargo.match(new RegExp(`\\[workspace\\.package\\][^[]*?${key} = "([^"]+)"`))[1];
const repository = workspace('repository');

copyFileSync(at('LICENSE'), at('pkg/LICENSE'));
copyFileSync(at('schemas/parcours-batch-v1.schema.json'), at('pkg/batch.schema.json'));

// The package's README: what its users need, from the repository's.
const readme = readFileSync(at('README.md'), 'utf8');
const sections = readme.split(/\n(?=## )/);
const intro = sections[0].split('\n\n').find((p) => p.startsWith('**Parcours**'));
const kept = ['Install from npm', 'API', 'Feedback surveys', 'What is captured automatically', 'Privacy and consent', 'Journeys, computed in the browser', 'Destinations: any backend'];
const body = kept.map((title) => {
  const section = sections.find((s) => s.startsWith('## ' + title + '\n'));
  if (!section) throw new Error(`README.md has no section "## ${title}" for the package's README`);
  return section.trim();
});
const links = (text) => text.replace(/\]\((?!https?:|#)([^)]+)\)/g, (_, path) => `](${repository}/blob/main/${path})`);
writeFileSync(
  at('pkg/README.md'),
  links(
    ['# Parcours', intro, ...body, `## More\n\nThe collector, the journey map, the script-tag install and how Parcours is built: ${repository}.`].join('\n\n') + '\n',
  ),
);

const pkg = {
  name: 'parcours',
  version: workspace('version'),
  description: 'Customer-journey SDK: touchpoint tracking, client-side journeys and feedback prompts, in Rust + WebAssembly.',
  license: workspace('license'),
  repository: { type: 'git', url: repository },
  homepage: repository + '#readme',
  bugs: { url: repository + '/issues' },
  // Importing it in Node (server rendering, tests) is safe: every function is a no-op there.
  engines: { node: '>=18' },
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
    './batch.schema.json': './batch.schema.json',
    './package.json': './package.json',
  },
  files: [...readdirSync(at('pkg/')).filter((f) => /\.(js|d\.ts|wasm)$/.test(f)).sort(), 'batch.schema.json', 'LICENSE', 'README.md'],
  // Importing the package defines nothing global, so unused parts can be dropped.
  sideEffects: false,
  keywords: ['analytics', 'customer-journey', 'nps', 'csat', 'webassembly'],
};
writeFileSync(at('pkg/package.json'), JSON.stringify(pkg, null, 2) + '\n');
