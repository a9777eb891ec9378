// The encoder module of the npm package (pkg/encoders.js), imported
// dynamically by the SDK when init() defines destinations, so bundlers put
// it in a chunk of its own that other pages never download.

import initEncoders, { routes, encode } from './encoders-core.js';
import { createDestinations } from './destinations.js';

export function loadEncoders() {
  return initEncoders({ module_or_path: new URL('parcours_encoders_bg.wasm', import.meta.url) }).then(() => ({ routes, encode, createDestinations }));
}
