// Entry point of the script-tag build (www/dist/parcours.js): installs
// window.parcours, replays the calls the snippet queued before this file
// arrived, and loads the WebAssembly from beside this script.
//
// Two builds of the WebAssembly sit beside it: parcours_bg.wasm, which
// pages without surveys load, and parcours_surveys_bg.wasm, with survey
// definitions, targeting and prompts, loaded when init() defines surveys,
// together with the survey kit's script (parcours-surveys.js). The build
// defines PARCOURS_WASM_SRI, PARCOURS_SURVEYS_WASM_SRI, PARCOURS_SURVEYS_SRI
// and PARCOURS_WIDGET_SRI as their sha384, so the integrity chain runs
// snippet -> this file -> the wasm, the kit and the widget (-> its wasm): a
// tampered copy of any on a CDN is refused by the browser.

import initWasm, * as core from '../../target/bindgen/parcours.js';
import { createParcours } from './facade.js';

(function install() {
  const existing = window.parcours;
  if (existing && existing.__parcours) return; // loaded twice: keep the first
  const script = document.currentScript;
  const base = script && script.src ? script.src : location.href;
  const { api, replay } = createParcours(
    (jsOptions, surveys) => {
      const wasm = jsOptions.wasmUrl
        ? jsOptions.wasmUrl
        : surveys
          ? fetch(new URL('parcours_surveys_bg.wasm', base), { integrity: PARCOURS_SURVEYS_WASM_SRI })
          : fetch(new URL('parcours_bg.wasm', base), { integrity: PARCOURS_WASM_SRI });
      return initWasm({ module_or_path: wasm }).then(() => core);
    },
    (jsOptions) => loadScript(new URL('parcours-surveys.js', base), PARCOURS_SURVEYS_SRI, jsOptions.nonce),
    (jsOptions) => loadScript(jsOptions.widgetUrl || new URL('parcours-widget.js', base), jsOptions.widgetUrl ? '' : PARCOURS_WIDGET_SRI, jsOptions.nonce),
  );
  Object.defineProperty(api, '__parcours', { value: true });
  window.parcours = api;
  const queued = existing && Array.isArray(existing._q) ? existing._q : [];
  for (const [method, args, ts, resolve] of queued) replay(method, args, ts, resolve);
})();

/**
 * Inserts the script of the survey kit or of the widget (pinned by
 * `integrity` unless empty); it hands back what it offers through a
 * `parcours-module` event on its own element.
 */
function loadScript(url, integrity, nonce) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = String(url);
    if (integrity) (script.integrity = integrity), (script.crossOrigin = 'anonymous');
    if (nonce) script.nonce = nonce;
    script.addEventListener('parcours-module', (event) => resolve(event.detail));
    script.onerror = () => reject(new Error(script.src + ' did not load'));
    document.head.appendChild(script);
  });
}
