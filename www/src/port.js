// The only caller of the core's WebAssembly: loads a build (any of the
// four: every build exports the same five functions and imports the same
// functions) and calls it.
//
// It speaks the calling convention wasm-bindgen gives the core's exports
// (src/lib.rs: `start`, `record`, `call`, `erase`, `opt_out`) and imports
// (Storage's getItem, setItem and removeItem, crypto.getRandomValues, the
// beforeSend wrapper's `call`), written by hand instead of shipping
// wasm-bindgen's generated module: that one carries every case the
// convention has (initSync, deprecated call forms, a TextEncoder
// polyfill, a DataView cache), 0.95 KB gzip more on every page (see
// HACKING.md, The port). Strings go in as UTF-8 in memory the core
// allocates and frees; strings come back as (pointer, length) this side
// frees; page objects go in through the core's externref table.
// scripts/check-port.mjs runs every build through this file (a start, a
// few calls, the answers read back), so a wasm-bindgen update that changes
// the convention fails the build, not a page.

const encoder = new TextEncoder();
const newDecoder = () => new TextDecoder('utf-8', { ignoreBOM: true });
let decoder = newDecoder();
let decoded = 0;

let wasm = null;
let bytes = null; // a view of the memory, made again when the memory grows
let passedLength = 0;

const memory = () => (bytes && bytes.byteLength ? bytes : (bytes = new Uint8Array(wasm.memory.buffer)));

/** The text at (ptr, len) of the memory. */
function text(ptr, len) {
  ptr >>>= 0;
  // WebKit's TextDecoder fails after 2 GB decoded: a long-lived page starts a new one.
  if ((decoded += len) > 2e9) (decoder = newDecoder()), (decoded = len);
  return decoder.decode(memory().subarray(ptr, ptr + len));
}

/** Copies `s` into memory the core allocates (and frees); its length in passedLength. */
function pass(s) {
  let len = s.length;
  let ptr = wasm.__wbindgen_malloc(len, 1) >>> 0;
  const m = memory();
  let i = 0;
  for (; i < len; i++) {
    const code = s.charCodeAt(i);
    if (code > 127) break;
    m[ptr + i] = code;
  }
  if (i < len) {
    // Past ASCII: room for 3 bytes per UTF-16 unit left, then the exact length.
    const rest = s.slice(i);
    ptr = wasm.__wbindgen_realloc(ptr, len, (len = i + rest.length * 3), 1) >>> 0;
    i += encoder.encodeInto(rest, memory().subarray(ptr + i, ptr + len)).written;
    ptr = wasm.__wbindgen_realloc(ptr, len, i, 1) >>> 0;
  }
  passedLength = i;
  return ptr;
}

/** A page object (or null) as the core takes it: its slot in the externref table, 0 for none. */
function ref(object) {
  if (object == null) return 0;
  const slot = wasm.__externref_table_alloc();
  wasm.__wbindgen_externrefs.set(slot, object);
  return slot;
}

/** An answer's text; its memory is freed. */
function answer([ptr, len]) {
  try {
    return text(ptr, len);
  } finally {
    wasm.__wbindgen_free(ptr, len, 1);
  }
}

/** Writes an optional string where the core waits for it (pointer, then length). */
function give(at, s) {
  const ptr = s == null ? 0 : pass(s);
  const view = new DataView(wasm.memory.buffer);
  view.setInt32(at, ptr, true);
  view.setInt32(at + 4, ptr ? passedLength : 0, true);
}

/** An import that may throw (blocked storage, a full quota): the core gets the exception. */
const catching =
  (f) =>
  (...args) => {
    try {
      return f(...args);
    } catch (e) {
      wasm.__wbindgen_exn_store(ref(e));
    }
  };

/** What the core imports, by name without wasm-bindgen's hash. */
const IMPORTS = {
  __wbg_getItem: catching((at, storage, ptr, len) => give(at, storage.getItem(text(ptr, len)))),
  __wbg_setItem: catching((storage, kp, kl, vp, vl) => storage.setItem(text(kp, kl), text(vp, vl))),
  __wbg_removeItem: catching((storage, ptr, len) => storage.removeItem(text(ptr, len))),
  __wbg_getRandomValues: catching((crypto, ptr, len) => crypto.getRandomValues(memory().subarray(ptr >>> 0, (ptr >>> 0) + len))),
  // The facade's beforeSend wrapper (it never throws).
  __wbg_call: (at, fn, self, ptr, len) => give(at, fn.call(self, text(ptr, len))),
  __wbg___wbindgen_throw: (ptr, len) => {
    throw new Error(text(ptr, len));
  },
  __wbindgen_init_externref_table: () => {
    const table = wasm.__wbindgen_externrefs;
    table.set(0, undefined);
    table.set(1024, undefined);
    table.set(1025, null);
    table.set(1026, true);
    table.set(1027, false);
  },
};
/** The names the core's builds import, for scripts/check-port.mjs. */
export const importName = (name) => name.replace(/_[0-9a-f]{16}$/, '');
export const IMPORTED = Object.keys(IMPORTS);

// Any module name, any hashed import name: the import object answers by name.
const imports = new Proxy({}, { get: () => new Proxy({}, { get: (_, name) => IMPORTS[importName(String(name))] }) });

/**
 * Loads a build: `source` is its URL (string or URL), or a fetch's
 * Response or promise of one (the script tag's, pinned by integrity).
 * Resolves to the core's calls.
 */
export async function loadCore(source) {
  if (wasm) return core;
  const response = await (typeof source === 'string' || source instanceof URL ? fetch(source) : source);
  if (!response.ok) throw new Error('fetching ' + response.url + ' answered ' + response.status);
  // A server that does not say application/wasm gets the slower path rather than an error.
  const { instance } =
    (response.headers.get('Content-Type') || '').startsWith('application/wasm')
      ? await WebAssembly.instantiateStreaming(response, imports)
      : await WebAssembly.instantiate(await response.arrayBuffer(), imports);
  return start(instance);
}

/** Starts an instance (loadCore's, or one made from bytes by scripts/check-port.mjs). */
export function start(instance) {
  wasm = instance.exports;
  bytes = null;
  wasm.__wbindgen_start();
  return core;
}

/** The core's calls (see src/lib.rs for each). */
export const core = {
  call(op, s1, s2, a, b, c, d, e) {
    const p1 = s1 == null ? 0 : pass(s1);
    const l1 = p1 ? passedLength : 0;
    const p2 = s2 == null ? 0 : pass(s2);
    return answer(wasm.call(op, p1, l1, p2, p2 ? passedLength : 0, a, b, c, d, e));
  },
  record(kind, name, payload, ts, href) {
    const p1 = pass(name);
    const l1 = passedLength;
    const p2 = pass(payload);
    const l2 = passedLength;
    return wasm.record(kind, p1, l1, p2, l2, ts, pass(href), passedLength) >>> 0;
  },
  start(options, now, local, session, crypto, environment, referrer, beforeSend) {
    const p1 = pass(options);
    const l1 = passedLength;
    const p2 = pass(environment);
    const l2 = passedLength;
    const p3 = pass(referrer);
    return answer(wasm.start(p1, l1, now, ref(local), ref(session), ref(crypto), p2, l2, p3, passedLength, ref(beforeSend)));
  },
  erase: (storage) => wasm.erase(ref(storage)),
  opt_out: (local, session) => wasm.opt_out(ref(local), ref(session)),
};
