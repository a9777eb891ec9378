// The feedback widget of the npm package (pkg/widget.js), imported
// dynamically by the SDK when a survey is about to be shown, so bundlers put
// it in a chunk of its own that a page without surveys never downloads.

import initWidget, { Widget } from './widget-core.js';
import { createPresenter } from './widget-host.js';

export function loadWidget(wasmUrl) {
  const wasm = wasmUrl || new URL('parcours_widget_bg.wasm', import.meta.url);
  return initWidget({ module_or_path: wasm }).then(() => createPresenter(Widget));
}
