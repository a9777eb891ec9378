// The destinations kit: the JavaScript only pages with destinations need
// (the site's transform and transport callbacks, and sending each encoded
// request). It is loaded with a build of the wasm with destinations (which
// checks the option and encodes for each backend), so other pages download
// none of it.

export { createDestinations } from './destinations.js';
