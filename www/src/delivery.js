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

import { send, sendAtHide } from './transport.js';
import { openDurableStore, eraseDurable, memoryStore, WEB_STORAGE_LIMIT } from './durable.js';
import { electSender } from './sender.js';
import { LIMIT_OUTBOX, SET_SENDER, CONFIRM, ADOPT, TAKE_WRITES, TAKE_DELETES, NEXT_BATCH, SETTLE, NEXT_WAKE, PENDING, HIDE_BATCH, SETTLE_HIDE } from './codes.js';

/** What the core's SETTLE answer means (see core/src/port.rs). */
const SETTLED = ['delivered', 'retry', 'rejected'];
const CHANNEL = 'parcours.outbox';
const OFFLINE_RECHECK_MS = 30000;
/** How often the sender looks in storage for what a closed tab left without announcing it. */
const RESCAN_MS = 5000;
/** How long a tab that only writes waits for the sender to answer its flush(). */
const REMOTE_FLUSH_MS = 20000;
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
  let stopWatching = null; // the sender's watch on other tabs' spills
  let rescanTimer = 0;
  let scanning = null; // the sender's read of storage in progress
  // Tabs that only write and called flush(): their tokens, answered once all is delivered.
  const remoteFlushes = [];
  // This tab's flush() calls waiting on the sender, by token.
  const askedSender = new Map();

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
        guarded((c) => c.call(LIMIT_OUTBOX, '', '', WEB_STORAGE_LIMIT.events, WEB_STORAGE_LIMIT.bytes));
      }
      if (store.shared) {
        // Until the election says otherwise this tab only writes: two tabs
        // must never both send.
        guarded((c) => c.call(SET_SENDER, '', '', 0));
        if (typeof BroadcastChannel === 'function') {
          channel = new BroadcastChannel(CHANNEL);
          channel.onmessage = ({ data }) => onMessage(data || {});
        }
        election = electSender(webStorage('localStorage'), setRole);
      } else {
        setRole(true);
      }
    });
  }

  /**
   * Messages between tabs: a writer's records (the sender adopts them), the
   * ids the sender delivered (writers forget their copies), and a writer's
   * flush() (the sender answers once everything stored is delivered).
   */
  function onMessage(data) {
    if (sender && Array.isArray(data.records)) {
      if (store.learn) store.learn(data.receipt, data.records);
      adoptAll(data.records);
    }
    if (!sender && typeof data.delivered === 'string') guarded((c) => c.call(CONFIRM, data.delivered));
    if (sender && data.flush) {
      remoteFlushes.push(data.flush);
      rescan().then(() => pump(true));
    }
    if (!sender && data.flushed && askedSender.has(data.flushed)) {
      askedSender.get(data.flushed)({ ok: data.ok, pending: data.pending });
    }
  }

  /** The sender takes in what other tabs stored without announcing it (closed first). */
  function rescan() {
    if (!sender || !store) return Promise.resolve();
    if (!scanning) {
      scanning = store.readNew().then((records) => {
        scanning = null;
        if (sender) adoptAll(records);
      });
    }
    return scanning;
  }

  /** Stops delivering; `erase` also removes the stored outbox (consent denied). */
  function end(erase) {
    active = false;
    clearTimeout(wakeTimer);
    stopSending();
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
    guarded((c) => c.call(SET_SENDER, '', '', isSender ? 1 : 0));
    stopSending();
    if (!store) return (roleKnown = true);
    if (debug) console.debug('[parcours] outbox in ' + store.kind + (isSender ? ', sent from this tab' : ', sent by another tab'));
    if (!isSender) return persist();
    // flush() calls that were waiting on the previous sender are this tab's now.
    for (const answer of [...askedSender.values()]) flushWaiters.push(answer);
    askedSender.clear();
    if (store.shared) {
      // What a closing tab spills reaches the sender at once; what it wrote
      // without saying so, at the next look (and at every flush()).
      stopWatching = store.watch(adoptAll);
      rescanTimer = setInterval(() => rescan().then(() => pump(false)), RESCAN_MS);
    }
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

  function stopSending() {
    if (stopWatching) stopWatching();
    clearInterval(rescanTimer);
    stopWatching = null;
  }

  function adoptAll(records) {
    if (!Array.isArray(records)) return;
    guarded((c) => {
      for (const r of records) {
        if (r && typeof r.id === 'string' && typeof r.body === 'string') c.call(ADOPT, r.id, r.body, +r.at || 0, r.seq >>> 0, r.keep | 0);
      }
    });
  }

  /** Writes new events to storage (a piece at a time) and removes settled ones. */
  function persist(all) {
    if (!store) return;
    let writes;
    do {
      writes = guarded((c) => c.call(TAKE_WRITES, '', '', WRITE_PIECE_BYTES), '');
      if (writes) for (const record of JSON.parse(writes)) toWrite.push(record);
    } while (all && writes);
    if (toWrite.length && !writing) writeNext();
    const deletes = guarded((c) => c.call(TAKE_DELETES), '');
    if (deletes) {
      store.remove(JSON.parse(deletes));
      if (channel && sender) channel.postMessage({ delivered: deletes });
    }
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
    force = force || ((flushWaiters.length > 0 || remoteFlushes.length > 0) && !lastFailure && !callsWaiting());
    persist(); // written before it can be sent
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    for (let p = 0; p < partitions && !offline; p++) {
      if (busy.has(p)) continue;
      // Also in a tab that only writes: this is where an idle session ends and leaves its summary.
      const body = guarded((c) => c.call(NEXT_BATCH, '', '', p, Date.now(), force ? 1 : 0), '');
      if (!body) continue;
      busy.add(p);
      (p === 0 ? sendToEndpoint(body) : sendTo(p - 1, body)).then(({ status, retryAfter, notes, refused, kept }) => {
        busy.delete(p);
        settle(p, status, retryAfter, notes, refused, kept);
        pump(false);
      });
    }
    persist();
    armWake(offline ? OFFLINE_RECHECK_MS : undefined);
  }

  function sendToEndpoint(body) {
    return send(endpoint, body, compress).then((answer) => {
      const { status, compressed } = answer;
      if (compressed && status >= 400 && status < 500 && status !== 408 && status !== 429) {
        // An endpoint that does not inflate gzip refuses it: send plain from now on.
        compress = false;
      }
      return answer;
    });
  }

  /** Applies a backend's answer to partition `p`'s batch in the core, and says what happened. */
  function settle(p, status, retryAfter, notes, refused, kept) {
    // Text, as every answer of the core: "" when it has no batch in flight for `p` either.
    const outcome = +(guarded((c) => c.call(SETTLE, kept ? JSON.stringify(kept) : '', '', p, status, retryAfter, Date.now(), refused >>> 0)) || -1);
    if (outcome < 0) return;
    const info = { result: SETTLED[outcome % 4], events: Math.floor(outcome / 4) };
    const to = p === 0 ? 'endpoint' : hooks.destinationId(p - 1);
    lastFailure = info.result !== 'delivered';
    if (debug) console.debug('[parcours] batch ' + info.result + ' (' + to + ', ' + info.events + ' events, HTTP ' + status + ')');
    const detail = { status, result: info.result, events: info.events, refused: refused >>> 0 };
    // A destination's flush also says what its encoder cut for the backend's limits.
    emit('flush', p === 0 ? detail : Object.assign(detail, { destination: to, notes: notes || [] }));
    if (info.result === 'rejected') {
      const field = p === 0 ? 'endpoint' : 'destinations["' + to + '"]';
      reportError({ code: 'batch_rejected', field, message: field + ' refused ' + info.events + ' events twice, with HTTP ' + status + '; they were dropped' });
    }
    if (refused > 0 && debug) console.debug('[parcours] ' + to + ' stored the batch without ' + refused + ' refused events');
  }

  function armWake(ms) {
    clearTimeout(wakeTimer);
    const wait = ms !== undefined ? ms : +(guarded((c) => c.call(NEXT_WAKE, '', '', Date.now())) || -1);
    if (wait >= 0) wakeTimer = setTimeout(() => pump(false), Math.max(wait, 10));
    settleWaitersIfIdle();
  }

  function onOnline() {
    pump(false);
  }

  /**
   * flush() resolves once everything is delivered: in the sender, all that
   * waits (what other tabs stored included, read again first); in a tab
   * that only writes, once its events are written and the sender says all
   * is delivered (or, if no sender answers, with what this tab still holds).
   */
  function settleWaitersIfIdle() {
    if (busy.size || writing || scanning || callsWaiting() || !roleKnown) return;
    if (!flushWaiters.length && !remoteFlushes.length) return;
    const pending = +guarded((c) => c.call(PENDING), 0);
    if (sender || !channel) {
      if (pending > 0 && !lastFailure) return;
      const answer = { ok: pending === 0, pending };
      for (const resolve of flushWaiters.splice(0)) resolve(answer);
      for (const token of remoteFlushes.splice(0)) channel.postMessage(Object.assign({ flushed: token }, answer));
      return;
    }
    for (const resolve of flushWaiters.splice(0)) askSender(resolve);
  }

  /** A writer's flush(): the sender answers once all is delivered. */
  function askSender(resolve) {
    const token = Math.random().toString(36).slice(2);
    const timer = setTimeout(() => answer({ ok: false, pending: +guarded((c) => c.call(PENDING), 0) }), REMOTE_FLUSH_MS);
    const answer = (result) => {
      clearTimeout(timer);
      askedSender.delete(token);
      resolve(result);
    };
    askedSender.set(token, answer);
    channel.postMessage({ flush: token });
  }

  function flush(resolve) {
    flushWaiters.push(resolve);
    lastFailure = false;
    // What a closed tab left in storage counts too: read it before answering.
    if (sender) rescan().then(() => pump(true));
  }

  /**
   * The page is hidden or closing: what waits is written, and everything
   * this tab has not seen delivered goes now with keepalive, whatever its
   * role and whether a batch is in flight (the core picks the requests and
   * keeps them within the browser's keepalive budget; the collector drops
   * what arrives twice by id). Destinations' batches wait, stored, for the
   * next visit.
   */
  function hide() {
    if (!active) return;
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
    // where a synchronous write lands at once (the sender and the next visit read both).
    if (store && store.spill && writing) store.spill(writing);
    if (typeof navigator !== 'undefined' && navigator.onLine === false) return;
    let body;
    while ((body = guarded((c) => c.call(HIDE_BATCH, '', '', Date.now()), ''))) {
      const sent = body;
      sendAtHide(endpoint, sent).then((status) => {
        guarded((c) => c.call(SETTLE_HIDE, sent, '', status));
        persist();
      });
    }
  }

  /** Answers every waiting flush() with `answer` (nothing can be sent now). */
  function answerWaiters(answer) {
    for (const resolve of flushWaiters.splice(0)) resolve(answer);
  }

  /** Gives up: waiters learn nothing more will be sent from here. */
  function abandon() {
    end(false);
    answerWaiters({ ok: false, pending: 0 });
  }

  return { begin, end, pump, persist, flush, hide, abandon, answerWaiters, settleWaitersIfIdle };
}
