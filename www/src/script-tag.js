// Entry point of the script-tag build (www/dist/parcours.js): installs
// window.parcours, replays the calls the snippet queued before this file
// arrived, and loads the WebAssembly from beside this script.
//
// Two builds of the WebAssembly sit beside it: parcours_bg.wasm, which
// pages without surveys load, and parcours_surveys_bg.wasm, with survey
// definitions, targeting and prompts, loaded when init() defines surveys.
// The build defines PARCOURS_WASM_SRI and PARCOURS_SURVEYS_WASM_SRI as
// their sha384 and PARCOURS_WIDGET_SRI as the widget script's, so the
// integrity chain runs snippet -> this file -> the wasm and the widget
// (-> its wasm): a tampered copy of any on a CDN is refused by the browser.

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
    (jsOptions) => loadWidgetScript(jsOptions.widgetUrl || new URL('parcours-widget.js', base), !jsOptions.widgetUrl, jsOptions.nonce),
  );
  Object.defineProperty(api, '__parcours', { value: true });
  window.parcours = api;
  const queued = existing && Array.isArray(existing._q) ? existing._q : [];
  for (const [method, args, ts, resolve] of queued) replay(method, args, ts, resolve);
})();

/**
 * Inserts the widget's script (the first time a survey is shown); it hands
 * back its presenter through a `parcours-widget` event on its own element.
 */
function loadWidgetScript(url, pinned, nonce) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = String(url);
    if (pinned) (script.integrity = PARCOURS_WIDGET_SRI), (script.crossOrigin = 'anonymous');
    if (nonce) script.nonce = nonce;
    script.addEventListener('parcours-widget', (event) => resolve(event.detail));
    script.onerror = () => reject(new Error(script.src + ' did not load'));
    document.head.appendChild(script);
  });
}
