// Entry point of www/dist/parcours-surveys.js, the survey kit of the
// script-tag build. parcours.js inserts it (with its integrity hash) when
// init() defines surveys and receives the kit through an event on its own
// script element: no global. The kit calls the WebAssembly through the
// port's one `call` (operations SURVEY_*), which every build's glue has:
// it brings no glue of its own.

import * as kit from './survey-kit.js';

(function announce() {
  const script = document.currentScript;
  if (script) script.dispatchEvent(new CustomEvent('parcours-module', { detail: kit }));
})();
