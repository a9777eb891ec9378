// Entry point of www/dist/parcours-widget.js, the feedback widget of the
// script-tag build. parcours.js inserts it (with its integrity hash) when a
// survey is about to be shown; it loads its WebAssembly from beside itself
// (pinned by PARCOURS_WIDGET_WASM_SRI, defined by the build) and hands the
// presenter back through an event on its own script element: no global.

import initWidget, { Widget } from '../../target/bindgen-widget/parcours_widget.js';
import { createPresenter } from './widget-host.js';

(function announce() {
  const script = document.currentScript;
  if (!script) return;
  const wasm = fetch(new URL('parcours_widget_bg.wasm', script.src), { integrity: PARCOURS_WIDGET_WASM_SRI });
  const ready = initWidget({ module_or_path: wasm }).then(() => createPresenter(Widget));
  script.dispatchEvent(new CustomEvent('parcours-module', { detail: ready }));
})();
