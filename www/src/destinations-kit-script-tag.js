// Entry point of www/dist/parcours-destinations.js, the destinations kit of
// the script-tag build. parcours.js inserts it (with its integrity hash) when
// init() defines destinations and receives the kit through an event on its
// own script element: no global. The kit also brings `encode`, the call into
// the WebAssembly that only the builds with destinations have, from that
// build's glue: `attach(exports)` binds it to the instance parcours.js
// created and returns it (see scripts/attach-glue.mjs).

import * as kit from './destinations-kit.js';
import { __attach, encode } from '../../target/bindgen-destinations/parcours.js';

(function announce() {
  const script = document.currentScript;
  const attach = (exports) => (__attach(exports), { encode });
  if (script) script.dispatchEvent(new CustomEvent('parcours-module', { detail: Object.assign({ attach }, kit) }));
})();
