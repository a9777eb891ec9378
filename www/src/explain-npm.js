// The diagnostics build of the npm package (pkg/explain.js), imported
// dynamically by the SDK only when the core reported an error by code and
// field (the shipped builds carry no words), so bundlers put it in a chunk
// of its own that a page with valid options never downloads.

import initExplain, { explain, explain_surveys, explain_refusal } from './explain-core.js';

export function loadExplain() {
  const wasm = new URL('parcours_explain_bg.wasm', import.meta.url);
  return initExplain({ module_or_path: wasm }).then(() => ({ explain, explainSurveys: explain_surveys, explainRefusal: explain_refusal }));
}
