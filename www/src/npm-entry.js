// Entry point of the npm package (pkg/index.js). The WebAssembly is found
// beside this file through import.meta.url, which Vite, webpack 5, Rollup
// and Parcel understand; with other bundlers pass init({ wasmUrl }). Each
// page loads the build for what its init() defines: surveys, destinations,
// both (parcours_full_bg.wasm) or neither (parcours_bg.wasm).

import { loadCore } from './port.js';
import { createParcours, ParcoursError } from './facade.js';
import { inertApi, inBrowser } from './inert.js';

const WHERE = "Serve the package's .wasm files beside the bundle, or pass init({ wasmUrl }) with the URL of the one this page needs; with Vite's dev server, set optimizeDeps: { exclude: ['parcours'] } (see the package README, Bundlers)";
const NO_BASE = 'this bundle has no import.meta.url to find parcours_bg.wasm by (an IIFE or CommonJS bundle). ' + WHERE;

// Imported where there is no page (server rendering, Node), every function
// does nothing: nothing throws, nothing is created, the process can exit.
const { api } = !inBrowser() ? { api: inertApi() } : createParcours(
  async (jsOptions, surveys, destinations) => {
    // An IIFE or CommonJS bundle has no import.meta.url to find the wasm by.
    if (!jsOptions.wasmUrl && !import.meta.url) throw new Error(NO_BASE);
    // One build per combination of surveys and destinations; each is listed
    // literally, so that bundlers see every file.
    const wasm =
      jsOptions.wasmUrl ||
      (surveys
        ? destinations
          ? new URL('parcours_full_bg.wasm', import.meta.url)
          : new URL('parcours_surveys_bg.wasm', import.meta.url)
        : destinations
          ? new URL('parcours_destinations_bg.wasm', import.meta.url)
          : new URL('parcours_bg.wasm', import.meta.url));
    try {
      return await loadCore(wasm);
    } catch (error) {
      throw new Error(wasm + ' is not WebAssembly Parcours can load (' + (error && error.message) + '). ' + WHERE);
    }
  },
  // Chunks of their own for bundlers: the survey kit with the build with
  // surveys, the destinations kit with the build with destinations, the
  // widget the first time a survey is shown.
  () => import('./survey-kit.js'),
  () => import('./destinations-kit.js'),
  () => import('./widget.js').then((widget) => widget.loadWidget()),
  () => import('./explain.js').then((explain) => explain.loadExplain()),
);

export const { init, track, page, identify, group, alias, register, register_once, unregister, anonymousId, ready, touchpoint, consent, optOut, shutdown, reset, flush, on, journey, debug, survey } = api;
export { ParcoursError };
export default api;
