// Entry point of the script-tag build (www/dist/parcours.js): installs
// window.parcours, replays the calls the snippet queued before this file
// arrived, and loads the WebAssembly from beside this script.
//
// Four builds of the WebAssembly sit beside it, one per combination of
// what a page uses: parcours_bg.wasm (neither surveys nor destinations),
// parcours_surveys_bg.wasm, parcours_destinations_bg.wasm and
// parcours_full_bg.wasm (both). A page with surveys also loads the survey
// kit's script (parcours-surveys.js); one with destinations the
// destinations kit's (parcours-destinations.js). The build defines
// PARCOURS_SDK_SRI (the four builds' sha256, by name), PARCOURS_SURVEYS_SRI,
// PARCOURS_DESTINATIONS_SRI, PARCOURS_WIDGET_SRI and PARCOURS_EXPLAIN_SRI
// (the diagnostics build, fetched only to word an error), so the integrity
// chain runs snippet -> this file -> the wasm, the kits, the widget and the
// diagnostics (-> their wasm): a tampered copy of any on a CDN is refused.

import { loadCore } from './port.js';
import { createParcours } from './facade.js';

(function install() {
  const existing = window.parcours;
  if (existing && existing.__parcours) return; // loaded twice: keep the first
  const script = document.currentScript;
  const base = script && script.src ? script.src : location.href;
  const kits = {};
  const kit = (file, integrity, jsOptions) =>
    kits[file] ||
    (kits[file] = loadScript(new URL(file, base), integrity, jsOptions.nonce).catch((error) => {
      delete kits[file]; // a later init() tries again
      throw error;
    }));
  const surveyKit = (jsOptions) => kit('parcours-surveys.js', PARCOURS_SURVEYS_SRI, jsOptions);
  const destinationKit = (jsOptions) => kit('parcours-destinations.js', PARCOURS_DESTINATIONS_SRI, jsOptions);
  const { api, replay } = createParcours(
    (jsOptions, surveys, destinations) => {
      const build = surveys ? (destinations ? 'full' : 'surveys') : destinations ? 'destinations' : 'lite';
      const file = build === 'lite' ? 'parcours_bg.wasm' : 'parcours_' + build + '_bg.wasm';
      const wasm = jsOptions.wasmUrl || fetch(new URL(file, base), { integrity: PARCOURS_SDK_SRI[build] });
      // The kits call the wasm through the port (`call`): no glue of their own.
      return Promise.all([loadCore(wasm), surveys && surveyKit(jsOptions), destinations && destinationKit(jsOptions)]).then(([core]) => core);
    },
    surveyKit,
    destinationKit,
    (jsOptions) => loadScript(jsOptions.widgetUrl || new URL('parcours-widget.js', base), jsOptions.widgetUrl ? '' : PARCOURS_WIDGET_SRI, jsOptions.nonce),
    (jsOptions) => loadScript(new URL('parcours-explain.js', base), PARCOURS_EXPLAIN_SRI, jsOptions.nonce),
  );
  Object.defineProperty(api, '__parcours', { value: true });
  window.parcours = api;
  const queued = existing && Array.isArray(existing._q) ? existing._q : [];
  for (const [method, args, ts, resolve] of queued) replay(method, args, ts, resolve);
})();

/**
 * Inserts the script of the survey kit, the destinations kit or the widget (pinned by
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
