// Entry point of the npm package (pkg/index.js). The WebAssembly is found
// beside this file through import.meta.url, which Vite, webpack 5, Rollup
// and Parcel understand; with other bundlers pass init({ wasmUrl }). Pages
// whose init() defines surveys load the build with them
// (parcours_surveys_bg.wasm); the others the lighter parcours_bg.wasm.

import initWasm, * as core from './core.js';
import { createParcours, ParcoursError } from './facade.js';

const { api } = createParcours(
  (jsOptions, surveys) => {
    const wasm = jsOptions.wasmUrl || (surveys ? new URL('parcours_surveys_bg.wasm', import.meta.url) : new URL('parcours_bg.wasm', import.meta.url));
    return initWasm({ module_or_path: wasm }).then(() => core);
  },
  // Chunks of their own for bundlers: the survey kit with the build with
  // surveys, the widget the first time a survey is shown.
  () => import('./survey-kit.js'),
  () => import('./widget.js').then((widget) => widget.loadWidget()),
);

export const { init, track, page, identify, touchpoint, consent, optOut, shutdown, reset, flush, on, journey, debug, survey } = api;
export { ParcoursError };
export default api;
