// Entry point of www/dist/parcours-surveys.js, the survey kit of the
// script-tag build. parcours.js inserts it (with its integrity hash) when
// init() defines surveys and receives the kit through an event on its own
// script element: no global.

import * as kit from './survey-kit.js';

(function announce() {
  const script = document.currentScript;
  if (script) script.dispatchEvent(new CustomEvent('parcours-module', { detail: kit }));
})();
