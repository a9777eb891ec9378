// Generated from core/src/config/table.rs by core/tests/options_docs.rs: do not edit.
/** The options of init() the JavaScript shell keeps for itself. */
export const SHELL_OPTIONS = ['wasmUrl', 'widgetUrl', 'nonce', 'beforeSend'];
