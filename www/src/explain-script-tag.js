// Entry point of www/dist/parcours-explain.js, the diagnostics build of the
// script-tag bundle. parcours.js inserts it (with its integrity hash) only
// when the core reported an error by code and field (the shipped builds
// carry no words): it loads the build with the words from beside itself
// (pinned by PARCOURS_EXPLAIN_WASM_SRI, defined by the build) and hands
// { explain, explainSurveys, explainRefusal } back through an event on its own script element.

import initExplain, { explain, explain_surveys, explain_refusal } from '../../target/bindgen-explain/parcours.js';

(function announce() {
  const script = document.currentScript;
  if (!script) return;
  const wasm = fetch(new URL('parcours_explain_bg.wasm', script.src), { integrity: PARCOURS_EXPLAIN_WASM_SRI });
  const ready = initExplain({ module_or_path: wasm }).then(() => ({ explain, explainSurveys: explain_surveys, explainRefusal: explain_refusal }));
  script.dispatchEvent(new CustomEvent('parcours-module', { detail: ready }));
})();
