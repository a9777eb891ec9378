// Delivery: every event is written to durable storage as soon as the core
// has it, one tab (the elected sender) sends the site's outbox, answers
// settle batches in the core, and what was delivered is removed from
// storage. The core decides what is due, what goes in a batch, and what a
// status means; this file does the I/O around those decisions.
//
// The outbox has a partition per backend: 0 for the endpoint, then one per
// destination. Each has its own batch in flight, so a slow or failing
// backend never holds up another.
//
// hooks: guarded(fn, fallback), emit(name, detail), reportError(info),
//        callsWaiting() -> bool (captured calls not yet in the core),
//        sendTo(i, body) -> Promise<{ status, retryAfter }> (destination i's batch)

import { send } from './transport.js';
import { openDurableStore, eraseDurable, memoryStore, WEB_STORAGE_LIMIT } from './durable.js';
import { electSender } from './sender.js';

/** What the core's settle() number means (see src/lib.rs). */
const SETTLED = ['delivered', 'retry', 'rejected'];
const CHANNEL = 'parcours.outbox';
const OFFLINE_RECHECK_MS = 30000;
/** A backlog is written in pieces of about this size, each its own short task. */
const WRITE_PIECE_BYTES = 200000;

export function createDelivery(hooks, webStorage) {
  const { guarded, emit, reportError, callsWaiting, sendTo } = hooks;
  const flushWaiters = [];
  let endpoint = '';
  let compress = false;
  let debug = false;
  let store = null; // set once open; until then nothing is sent
  let election = null;
  let channel = null;
  let sender = false;
  let roleKnown = false; // flush() waits for it: a tab about to send must not answer as a writer
  let active = false;
  let partitions = 1;
  const busy = new Set(); // partitions with a batch in flight
  let lastFailure = false;
  let wakeTimer = 0;
  let warnedStorage = false;
  // Records handed over by the core, waiting for their write (one write at
  // a time, so a burst becomes a few large transactions, not hundreds).
  let toWrite = [];
  let writing = null; // the records of the write in progress

  /** Starts delivering for a core started with `report` (analytics granted). */
  function begin(report) {
    endpoint = report.endpoint;
    partitions = report.partitions;
    compress = report.compress;
    debug = report.debug;
    if (active) {
      // The core was restarted (a consent change): it starts with an empty outbox.
      if (store) setRole(sender);
      return;
    }
    active = true;
    addEventListener('online', onOnline);
    openDurableStore(report.persistence, webStorage('localStorage'), webStorage('sessionStorage')).then((opened) => {
      if (!active) return opened.close();
      store = opened;
      if (store.kind === 'localStorage' || store.kind === 'sessionStorage') {
        guarded((c) => c.limit_outbox(WEB_STORAGE_LIMIT.events, WEB_STORAGE_LIMIT.bytes));
      }
      if (store.shared) {
        // Until the election says otherwise this tab only writes: two tabs
        // must never both send.
        guarded((c) => c.set_sender(false));
        if (typeof BroadcastChannel === 'function') {
          channel = new BroadcastChannel(CHANNEL);
          channel.onmessage = ({ data }) => {
            if (!sender || !data || !Array.isArray(data.records)) return;
            if (store.learn) store.learn(data.receipt, data.records);
            adoptAll(data.records);
          };
        }
        election = electSender(webStorage('localStorage'), setRole);
      } else {
        setRole(true);
      }
    });
  }

  /** Stops delivering; `erase` also removes the stored outbox (consent denied). */
  function end(erase) {
    active = false;
    clearTimeout(wakeTimer);
    removeEventListener('online', onOnline);
    if (election) election.stop();
    if (channel) channel.close();
    if (store) store.close();
    election = channel = store = null;
    sender = roleKnown = false;
    if (erase) eraseDurable(webStorage('localStorage'), webStorage('sessionStorage'));
  }

  function setRole(isSender) {
    sender = isSender;
    roleKnown = !isSender; // a sender knows what waits once storage is read
    guarded((c) => c.set_sender(isSender));
    if (!store) return (roleKnown = true);
    if (debug) console.debug('[parcours] outbox in ' + store.kind + (isSender ? ', sent from this tab' : ', sent by another tab'));
    if (!isSender) return persist();
    // Its own events on their way to storage may land after the read below.
    adoptAll((writing || []).concat(toWrite));
    // The new sender takes over whatever waits in storage, its own included.
    store.readAll().then((records) => {
      if (!sender) return;
      adoptAll(records);
      roleKnown = true;
      pump(false);
    });
  }

  function adoptAll(records) {
    if (!Array.isArray(records)) return;
    guarded((c) => {
      for (const r of records) {
        if (r && typeof r.id === 'string' && typeof r.body === 'string') c.adopt(r.id, +r.at || 0, r.seq >>> 0, r.keep | 0, r.body);
      }
    });
  }

  /** Writes new events to storage (a piece at a time) and removes settled ones. */
  function persist(all) {
    if (!store) return;
    let writes;
    do {
      writes = guarded((c) => c.take_writes(WRITE_PIECE_BYTES), '');
      if (writes) for (const record of JSON.parse(writes)) toWrite.push(record);
    } while (all && writes);
    if (toWrite.length && !writing) writeNext();
    const deletes = guarded((c) => c.take_deletes(), '');
    if (deletes) store.remove(JSON.parse(deletes));
    settleWaitersIfIdle();
  }

  function writeNext() {
    const records = (writing = toWrite);
    toWrite = [];
    const writingTo = store;
    writingTo.write(records).then((receipt) => {
      writing = null;
      if (writingTo !== store) return;
      if (!receipt) return degrade(records.concat(toWrite.splice(0)));
      if (channel && !sender) channel.postMessage({ receipt, records });
      persist(); // the next piece of a backlog, if any
      settleWaitersIfIdle();
    });
  }

  /** Storage refused a write (quota, private mode): keep events in memory for this page. */
  function degrade(records) {
    if (!warnedStorage) {
      warnedStorage = true;
      console.warn('[parcours] storage refused the outbox (full or disabled): events stay in memory for this page');
    }
    if (election) election.stop();
    if (channel) channel.close();
    election = channel = null;
    store = memoryStore();
    setRole(true);
    adoptAll(records);
    pump(false);
  }

  /** Sends the next batch of every partition that has one due and none in flight; arms a timer for the next check. */
  function pump(force) {
    if (!active || !store) return;
    // A waiting flush() sends what waits once every captured call is in the core.
    force = force || (flushWaiters.length > 0 && !lastFailure && !callsWaiting());
    persist(); // written before it can be sent
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    for (let p = 0; p < partitions && !offline; p++) {
      if (busy.has(p)) continue;
      // Also in a tab that only writes: this is where an idle session ends and leaves its summary.
      const body = guarded((c) => c.next_batch(p, Date.now(), force), '');
      if (!body) continue;
      busy.add(p);
      (p === 0 ? sendToEndpoint(body) : sendTo(p - 1, body)).then(({ status, retryAfter, notes }) => {
        busy.delete(p);
        settle(p, status, retryAfter, notes);
        pump(false);
      });
    }
    persist();
    armWake(offline ? OFFLINE_RECHECK_MS : undefined);
  }

  function sendToEndpoint(body) {
    return send(endpoint, body, false, compress).then((answer) => {
      const { status, compressed } = answer;
      if (compressed && status >= 400 && status < 500 && status !== 408 && status !== 429) {
        // An endpoint that does not inflate gzip refuses it: send plain from now on.
        compress = false;
      }
      return answer;
    });
  }

  /** Applies a backend's answer to partition `p`'s batch in the core, and says what happened. */
  function settle(p, status, retryAfter, notes) {
    const outcome = guarded((c) => c.settle(p, status, retryAfter, Date.now()), -1);
    if (outcome < 0) return;
    const info = { result: SETTLED[outcome % 4], events: Math.floor(outcome / 4) };
    const to = p === 0 ? 'endpoint' : hooks.destinationId(p - 1);
    lastFailure = info.result !== 'delivered';
    if (debug) console.debug('[parcours] batch ' + info.result + ' (' + to + ', ' + info.events + ' events, HTTP ' + status + ')');
    const detail = { status, result: info.result, events: info.events };
    // A destination's flush also says what its encoder cut for the backend's limits.
    emit('flush', p === 0 ? detail : Object.assign(detail, { destination: to, notes: notes || [] }));
    if (info.result === 'rejected') {
      const field = p === 0 ? 'endpoint' : 'destinations["' + to + '"]';
      reportError({ code: 'batch_rejected', field, message: field + ' refused a batch of ' + info.events + ' events twice, with HTTP ' + status + '; they were dropped' });
    }
  }

  function armWake(ms) {
    clearTimeout(wakeTimer);
    const wait = ms !== undefined ? ms : guarded((c) => c.next_wake(Date.now()), -1);
    if (wait >= 0) wakeTimer = setTimeout(() => pump(false), Math.max(wait, 10));
    settleWaitersIfIdle();
  }

  function onOnline() {
    pump(false);
  }

  /**
   * flush() resolves once nothing of this tab waits: delivered by the
   * sender, or, in another tab, safely written for the sender to deliver.
   */
  function settleWaitersIfIdle() {
    if (busy.size || writing || !flushWaiters.length || callsWaiting() || !roleKnown) return;
    const pending = guarded((c) => c.pending(), 0);
    if (pending === 0 || lastFailure) {
      for (const resolve of flushWaiters.splice(0)) resolve({ ok: pending === 0, pending });
    }
  }

  function flush(resolve) {
    flushWaiters.push(resolve);
    lastFailure = false;
  }

  /** The page is hidden or closing: what waits is written, and sent with keepalive. */
  function hide() {
    persist(true);
    if (store && toWrite.length && writing) {
      // The page may be going: everything not yet written goes in one more
      // chunk now, not after the write in progress.
      const records = toWrite;
      const writingTo = store;
      toWrite = [];
      writingTo.write(records).then((receipt) => {
        if (receipt && channel && !sender && writingTo === store) channel.postMessage({ receipt, records });
      });
      writing = writing.concat(records);
    }
    // A write still in progress may not outlive the page: also keep a copy
    // where a synchronous write lands at once (the next visit reads both).
    if (store && store.spill && writing) store.spill(writing);
    // The endpoint's batch goes with keepalive; destinations' wait, stored, for the next visit.
    if (!sender || busy.has(0) || !store) return;
    const body = guarded((c) => c.next_batch(0, Date.now(), true), '');
    if (!body) return;
    busy.add(0);
    // Plain (compressing is asynchronous and the page may be gone first);
    // the events stay stored until an answer arrives, on this visit or the next.
    send(endpoint, body, true, false).then(({ status, retryAfter }) => {
      busy.delete(0);
      guarded((c) => c.settle(0, status, retryAfter, Date.now()));
      persist();
    });
  }

  /** Gives up: waiters learn nothing more will be sent from here. */
  function abandon() {
    end(false);
    for (const resolve of flushWaiters.splice(0)) resolve({ ok: false, pending: 0 });
  }

  return { begin, end, pump, persist, flush, hide, abandon, settleWaitersIfIdle };
}
