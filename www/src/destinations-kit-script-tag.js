// Entry point of www/dist/parcours-destinations.js, the destinations kit of
// the script-tag build. parcours.js inserts it (with its integrity hash) when
// init() defines destinations and receives the kit through an event on its
// own script element: no global. Encoding is an operation of the port every
// build has (`call(ENCODE, …)`), so the kit brings no glue of its own.

import * as kit from './destinations-kit.js';

(function announce() {
  const script = document.currentScript;
  if (script) script.dispatchEvent(new CustomEvent('parcours-module', { detail: kit }));
})();
