// Entry point of www/dist/parcours-surveys.js, the survey kit of the
// script-tag build. parcours.js inserts it (with its integrity hash) when
// init() defines surveys and receives the kit through an event on its own
// script element: no global. The kit also brings the calls into the
// WebAssembly that only the build with surveys has, from that build's glue:
// `attach(exports)` binds them to the instance parcours.js created and
// returns them (see scripts/attach-glue.mjs).

import * as kit from './survey-kit.js';
import {
  __attach,
  survey_answer,
  survey_claim,
  survey_close,
  survey_explain,
  survey_open,
  survey_signal,
  surveys_cached,
  surveys_received,
} from '../../target/bindgen-surveys/parcours.js';

const calls = { survey_answer, survey_claim, survey_close, survey_explain, survey_open, survey_signal, surveys_cached, surveys_received };

(function announce() {
  const script = document.currentScript;
  const attach = (exports) => (__attach(exports), calls);
  if (script) script.dispatchEvent(new CustomEvent('parcours-module', { detail: Object.assign({ attach }, kit) }));
})();
