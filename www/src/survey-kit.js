// The survey kit: the JavaScript only pages with surveys need (showing
// surveys, watching the page for their triggers, loading definitions from
// surveysUrl). It is loaded with the build of the wasm with surveys, so a
// page without surveys downloads none of it.

export { connectSurveys } from './survey-wiring.js';
