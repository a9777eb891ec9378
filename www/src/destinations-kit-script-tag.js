// Entry point of www/dist/parcours-destinations.js, the destinations kit of
// the script-tag build. parcours.js inserts it (with its integrity hash) when
// init() defines destinations and receives the kit through an event on its
// own script element: no global.

import * as kit from './destinations-kit.js';

(function announce() {
  const script = document.currentScript;
  if (script) script.dispatchEvent(new CustomEvent('parcours-module', { detail: kit }));
})();
