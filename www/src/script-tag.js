// Entry point of the script-tag build (www/dist/parcours.js): installs
// window.parcours, replays the calls the snippet queued before this file
// arrived, and loads the WebAssembly from beside this script.
//
// The build defines PARCOURS_WASM_SRI as the wasm file's sha384, so the
// integrity chain runs snippet -> this file -> the wasm: a tampered copy of
// either on a CDN is refused by the browser.

import initWasm, * as core from '../../target/bindgen/parcours.js';
import { createParcours } from './facade.js';

(function install() {
  const existing = window.parcours;
  if (existing && existing.__parcours) return; // loaded twice: keep the first
  const script = document.currentScript;
  const base = script && script.src ? script.src : location.href;
  const { api, replay } = createParcours((jsOptions) => {
    const wasm = jsOptions.wasmUrl
      ? jsOptions.wasmUrl
      : fetch(new URL('parcours_bg.wasm', base), { integrity: PARCOURS_WASM_SRI });
    return initWasm({ module_or_path: wasm }).then(() => core);
  });
  Object.defineProperty(api, '__parcours', { value: true });
  window.parcours = api;
  const queued = existing && Array.isArray(existing._q) ? existing._q : [];
  for (const [method, args, ts, resolve] of queued) replay(method, args, ts, resolve);
})();
