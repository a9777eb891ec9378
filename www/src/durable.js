// Where the outbox lasts: IndexedDB where the browser allows it, else
// localStorage (capped small: that space belongs to the site), else memory.
// Every store has the same promise-based shape and never rejects:
//
//   write(records) -> Promise<receipt>  records: [{ id, at, seq, keep, body }];
//                  the receipt is false when the write failed
//   learn(receipt, records)  another tab wrote these (IndexedDB: which chunk)
//   remove(ids)    -> Promise<void>
//   readAll()      -> Promise<records>  (any order; the core orders them)
//   readNew()      -> Promise<records>  what other tabs stored since this tab
//                  last read (a tab that closed before it could announce it)
//   watch(onRecords) (shared stores) records other tabs leave in localStorage
//                  (a closing tab's spill) as they land; returns a stop function
//   clear()        -> Promise<void>
//   close()        lets go of the storage (before erasing it)
//   spill(records) (IndexedDB only) a synchronous copy in localStorage, for
//                  writes that may not finish before the page is gone; all
//                  tabs' spills together stay within WEB_STORAGE_LIMIT.bytes
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

// Events are stored in chunks, one per write: one record of 5,000 events
// commits some twenty times faster than 5,000 records, which is what lets a
// burst reach the disk before the page is gone. A chunk is deleted once all
// its events are delivered, and rewritten without the delivered ones once
// half of it is (so rewriting costs at most twice the data, and a crash
// resends at most half a chunk, which the collector drops). `chunkOf` knows
// where each event this tab wrote, read or learned about lives.
function indexedDbStore(db, local) {
  const spilled = local ? webStorageStore(local, 'localStorage') : null;
  let hasSpill = !!spilled && spilled.count() > 0; // keys only: nothing read at start
  const readSpill = (all) => {
    if (!hasSpill) return all;
    hasSpill = spilled.count() > 0; // until another tab spills again
    return spilled.readAll().then((more) => all.concat(more));
  };
  const spilledHere = new Set(); // ids this tab spilled, until their chunk is written
  const chunkOf = new Map();
  const chunks = new Map(); // chunk id -> { size, gone: Set of delivered ids }
  const tab = Math.random().toString(36).slice(2);
  let written = 0;
  const learn = (chunk, records) => {
    chunks.set(chunk, { size: records.length, gone: new Set() });
    records.forEach((r) => chunkOf.set(r.id, chunk));
  };
  // Resolves to whether the transaction committed; one that cannot even
  // start (a closed connection) counts as failed.
  // `commitNow`: nothing more is coming, so commit at once rather than when
  // the task ends, which matters when the page is about to go.
  const run = (mode, fn, commitNow) => {
    try {
      const tx = db.transaction(STORE, mode);
      fn(tx.objectStore(STORE));
      if (commitNow && tx.commit) tx.commit();
      return committed(tx);
    } catch (e) {
      return Promise.resolve(false);
    }
  };
  return {
    kind: 'indexeddb',
    shared: true,
    /** Resolves to the chunk's id, or false. */
    write(records) {
      const chunk = tab + '.' + ++written;
      learn(chunk, records);
      return run('readwrite', (store) => store.put({ id: chunk, records }), true).then((ok) => {
        const unspill = ok && spilledHere.size ? records.filter((r) => spilledHere.delete(r.id)).map((r) => r.id) : [];
        if (unspill.length) spilled.remove(unspill); // safe in IndexedDB now
        return ok && chunk;
      });
    },
    learn,
    remove(ids) {
      if (hasSpill) spilled.remove(ids);
      const touched = new Set();
      for (const id of ids) {
        const chunk = chunkOf.get(id);
        if (chunk === undefined) continue;
        chunkOf.delete(id);
        chunks.get(chunk).gone.add(id);
        touched.add(chunk);
      }
      const due = [...touched].filter((chunk) => chunks.get(chunk).gone.size * 2 >= chunks.get(chunk).size);
      if (!due.length) return Promise.resolve(true);
      return run('readwrite', (store) => {
        for (const chunk of due) {
          const { size, gone } = chunks.get(chunk);
          if (gone.size >= size) {
            chunks.delete(chunk);
            store.delete(chunk);
            continue;
          }
          chunks.set(chunk, { size: size - gone.size, gone: new Set() });
          const request = store.get(chunk);
          request.onsuccess = () => {
            const value = request.result;
            if (value) store.put({ id: chunk, records: (value.records || []).filter((r) => !gone.has(r.id)) });
          };
        }
      });
    },
    readAll() {
      const all = [];
      const read = (store) =>
        done(store.getAll()).then((chunks) => {
          for (const value of chunks || []) {
            const records = Array.isArray(value.records) ? value.records : [];
            learn(value.id, records);
            for (const r of records) all.push(r);
          }
        });
      return run('readonly', read).then(() => readSpill(all));
    },
    readNew() {
      // Only the chunks this tab has not seen: their keys first, then those.
      const all = [];
      const read = (store) =>
        done(store.getAllKeys()).then((keys) => {
          for (const chunk of keys || []) {
            if (chunks.has(chunk)) continue;
            done(store.get(chunk)).then((value) => {
              const records = value && Array.isArray(value.records) ? value.records : [];
              learn(chunk, records);
              for (const r of records) all.push(r);
            });
          }
        });
      return run('readonly', read).then(() => readSpill(all));
    },
    watch(onRecords) {
      if (!spilled) return () => {};
      return spilled.watch((records) => {
        hasSpill = true;
        onRecords(records);
      });
    },
    spill(records) {
      if (!spilled) return;
      hasSpill = true;
      // Within the bound for every tab's spills together (WEB_STORAGE_LIMIT.bytes
      // characters, keys and values): older copies first.
      let room = WEB_STORAGE_LIMIT.bytes - spilled.usage().bytes;
      const kept = records.filter((r) => {
        const size = recordSize(r);
        if (spilledHere.has(r.id) || size > room) return false;
        room -= size;
        return true;
      });
      kept.forEach((r) => spilledHere.add(r.id));
      spilled.write(kept);
    },
    clear() {
      if (spilled) spilled.clear();
      chunkOf.clear();
      chunks.clear();
      return run('readwrite', (store) => store.clear());
    },
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
  const store = {
    kind,
    shared: kind === 'localStorage',
    count: () => keys().length,
    /** Parcours' records in this storage: { events, bytes } (keys and values, in characters). */
    usage() {
      let bytes = 0;
      const found = keys();
      for (const key of found) bytes += key.length + (storage.getItem(key) || '').length;
      return { events: found.length, bytes };
    },
    watch(onRecords) {
      const listener = (event) => {
        if (event.storageArea !== storage || !event.key || !event.key.startsWith(KEY_PREFIX) || !event.newValue) return;
        try {
          onRecords([JSON.parse(event.newValue)]);
        } catch (e) {
          // not a record of ours
        }
      };
      addEventListener('storage', listener);
      return () => removeEventListener('storage', listener);
    },
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
  store.readNew = store.readAll; // the core takes in each record once
  return store;
}

/** What a record takes in Web Storage, in characters (its key and its JSON). */
const recordSize = (r) => KEY_PREFIX.length + r.id.length + r.body.length + 60;

export function memoryStore() {
  const ok = () => Promise.resolve(true);
  const none = () => Promise.resolve([]);
  return { kind: 'memory', shared: false, write: ok, remove: ok, readAll: none, readNew: none, watch: () => () => {}, clear: ok, close() {} };
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
  return openIndexedDb().then((db) => (db ? indexedDbStore(db, local) : fallback()));
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
