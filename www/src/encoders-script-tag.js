// Entry point of www/dist/parcours-destinations.js, the encoder module of
// the script-tag build, with the code that sends destinations' batches. parcours.js inserts it (with its integrity hash)
// when init() defines destinations; it loads its WebAssembly from beside
// itself (pinned by PARCOURS_ENCODERS_WASM_SRI, defined by the build) and
// hands the module back through an event on its own script element.

import initEncoders, { routes, encode } from '../../target/bindgen-encoders/parcours_encoders.js';
import { createDestinations } from './destinations.js';

(function announce() {
  const script = document.currentScript;
  if (!script) return;
  const wasm = fetch(new URL('parcours_encoders_bg.wasm', script.src), { integrity: PARCOURS_ENCODERS_WASM_SRI });
  const ready = initEncoders({ module_or_path: wasm }).then(() => ({ routes, encode, createDestinations }));
  script.dispatchEvent(new CustomEvent('parcours-module', { detail: ready }));
})();
