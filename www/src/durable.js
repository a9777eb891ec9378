// Where the outbox lasts: IndexedDB where the browser allows it, else
// localStorage (capped small: that space belongs to the site), else memory.
// Every store has the same promise-based shape and never rejects:
//
//   write(records) -> Promise<boolean>  records: [{ id, at, seq, keep, body }]
//   remove(ids)    -> Promise<void>
//   readAll()      -> Promise<records>  (any order; the core orders them)
//   clear()        -> Promise<void>
//   close()        lets go of the storage (before erasing it)
//   kind           'indexeddb' | 'localStorage' | 'sessionStorage' | 'memory'
//   shared         true when other tabs of the site see the same records

const DB_NAME = 'parcours';
const STORE = 'outbox';
const KEY_PREFIX = 'parcours.outbox.';
/** What the Web Storage fallback may hold: a small share of the site's ~5 MB. */
export const WEB_STORAGE_LIMIT = { events: 1000, bytes: 1000000 };

const done = (request) =>
  new Promise((resolve) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(undefined);
  });

const committed = (tx) =>
  new Promise((resolve) => {
    tx.oncomplete = () => resolve(true);
    tx.onerror = tx.onabort = () => resolve(false);
  });

function openIndexedDb() {
  let request;
  try {
    request = indexedDB.open(DB_NAME, 1);
  } catch (e) {
    return Promise.resolve(null); // blocked (some private modes, sandboxed frames)
  }
  request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
  return new Promise((resolve) => {
    request.onsuccess = () => {
      // Another tab erasing the outbox (consent denied there) must not wait for this one.
      request.result.onversionchange = () => request.result.close();
      resolve(request.result);
    };
    request.onerror = request.onblocked = () => resolve(null);
  });
}

function indexedDbStore(db) {
  // Resolves to whether the transaction committed; one that cannot even
  // start (a closed connection) counts as failed.
  const run = (mode, fn) => {
    try {
      const tx = db.transaction(STORE, mode);
      fn(tx.objectStore(STORE));
      return committed(tx);
    } catch (e) {
      return Promise.resolve(false);
    }
  };
  return {
    kind: 'indexeddb',
    shared: true,
    write: (records) => run('readwrite', (store) => records.forEach((r) => store.put(r))),
    remove: (ids) => run('readwrite', (store) => ids.forEach((id) => store.delete(id))),
    readAll() {
      let all = [];
      return run('readonly', (store) => done(store.getAll()).then((r) => (all = r || []))).then(() => all);
    },
    clear: () => run('readwrite', (store) => store.clear()),
    close: () => db.close(),
  };
}

function webStorageStore(storage, kind) {
  const keys = () => {
    const found = [];
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key && key.startsWith(KEY_PREFIX)) found.push(key);
    }
    return found;
  };
  return {
    kind,
    shared: kind === 'localStorage',
    write(records) {
      try {
        for (const r of records) storage.setItem(KEY_PREFIX + r.id, JSON.stringify(r));
        return Promise.resolve(true);
      } catch (e) {
        return Promise.resolve(false); // quota: the caller falls back to memory
      }
    },
    remove(ids) {
      for (const id of ids) storage.removeItem(KEY_PREFIX + id);
      return Promise.resolve();
    },
    readAll() {
      const records = [];
      for (const key of keys()) {
        try {
          records.push(JSON.parse(storage.getItem(key)));
        } catch (e) {
          storage.removeItem(key); // unreadable: written by something else
        }
      }
      return Promise.resolve(records);
    },
    clear() {
      for (const key of keys()) storage.removeItem(key);
      return Promise.resolve();
    },
    close() {},
  };
}

export function memoryStore() {
  const ok = () => Promise.resolve(true);
  return { kind: 'memory', shared: false, write: ok, remove: ok, readAll: () => Promise.resolve([]), clear: ok, close() {} };
}

/**
 * Opens the outbox storage for `persistence` ('local', 'session', 'none').
 * `local` and `session` are the Web Storage objects (or null where blocked).
 */
export function openDurableStore(persistence, local, session) {
  if (persistence === 'none') return Promise.resolve(memoryStore());
  if (persistence === 'session') return Promise.resolve(session ? webStorageStore(session, 'sessionStorage') : memoryStore());
  const fallback = () => (local ? webStorageStore(local, 'localStorage') : memoryStore());
  if (typeof indexedDB === 'undefined') return Promise.resolve(fallback());
  return openIndexedDb().then((db) => (db ? indexedDbStore(db) : fallback()));
}

/** Removes the outbox from every storage (consent denied, opt-out). */
export function eraseDurable(local, session) {
  for (const storage of [local, session]) if (storage) webStorageStore(storage, '').clear();
  try {
    if (typeof indexedDB !== 'undefined') indexedDB.deleteDatabase(DB_NAME);
  } catch (e) {
    // blocked storage: nothing was stored there either
  }
}
