// One tab at a time sends the site's outbox; the others only write to it.
// With Web Locks the browser itself hands the lock to the next tab when the
// sender closes; elsewhere a lease in localStorage, renewed while the tab
// lives, expires when it does not. A tab that is frozen or goes into the
// back/forward cache steps down, so it never holds the others up.
//
// electSender(local, onRole) calls onRole(true|false) whenever this tab's
// role changes, starting with its first role; returns { stop() }.

const LOCK = 'parcours.sender';
const LEASE_KEY = 'parcours.sender';
const LEASE_MS = 6000;
const RENEW_MS = 2000;

export function electSender(local, onRole) {
  const hasLocks = typeof navigator !== 'undefined' && navigator.locks && typeof navigator.locks.request === 'function';
  const election = hasLocks ? lockElection(onRole) : local ? leaseElection(local, onRole) : null;
  if (!election) {
    onRole(true); // nothing to coordinate with: this tab sends its own events
    return { stop() {} };
  }
  const pause = (event) => {
    if (event.type === 'freeze' || event.persisted) election.stepDown();
  };
  const resume = (event) => {
    if (event.type === 'resume' || event.persisted) election.stand();
  };
  addEventListener('freeze', pause, true);
  addEventListener('pagehide', pause, true);
  addEventListener('resume', resume, true);
  addEventListener('pageshow', resume, true);
  election.stand();
  return {
    stop() {
      removeEventListener('freeze', pause, true);
      removeEventListener('pagehide', pause, true);
      removeEventListener('resume', resume, true);
      removeEventListener('pageshow', resume, true);
      election.stepDown();
    },
  };
}

function lockElection(onRole) {
  let release = null;
  let waiting = null; // aborts the queued request
  let standing = false;
  let holding = false;
  const take = (lock) => {
    if (!standing) return undefined;
    if (!lock) {
      onRole(false);
      return undefined;
    }
    holding = true;
    onRole(true);
    return new Promise((resolve) => (release = resolve));
  };
  const refused = (error) => {
    // Aborted by stepDown: expected. Anything else (an opaque origin has no
    // locks): this tab sends alone rather than never.
    if (!error || error.name !== 'AbortError') onRole(true);
  };
  return {
    stand() {
      if (standing) return;
      standing = true;
      // First ask without waiting, so the first role is known at once;
      // then queue for the lock if another tab holds it.
      navigator.locks
        .request(LOCK, { ifAvailable: true }, take)
        .then(() => {
          if (!standing || holding) return undefined;
          waiting = typeof AbortController === 'function' ? new AbortController() : null;
          return navigator.locks.request(LOCK, waiting ? { signal: waiting.signal } : {}, take);
        })
        .catch(refused);
    },
    stepDown() {
      standing = false;
      if (waiting) waiting.abort();
      waiting = null;
      if (holding) {
        holding = false;
        onRole(false);
      }
      if (release) release();
      release = null;
    },
  };
}

function leaseElection(local, onRole) {
  const me = Math.random().toString(36).slice(2);
  let timer = 0;
  let role = null;
  const read = () => {
    try {
      return JSON.parse(local.getItem(LEASE_KEY)) || null;
    } catch (e) {
      return null;
    }
  };
  const renew = () => {
    const now = Date.now();
    let lease = read();
    try {
      if (!lease || lease.until < now || lease.tab === me) {
        local.setItem(LEASE_KEY, JSON.stringify({ tab: me, until: now + LEASE_MS }));
        lease = read(); // another tab may have written in between: the last write wins
      }
    } catch (e) {
      lease = { tab: me }; // storage refused the write: no one else can see a lease either
    }
    const sender = !!lease && lease.tab === me;
    if (sender !== role) onRole((role = sender));
  };
  return {
    stand() {
      clearInterval(timer);
      timer = setInterval(renew, RENEW_MS);
      renew();
    },
    stepDown() {
      clearInterval(timer);
      const lease = read();
      try {
        if (lease && lease.tab === me) local.removeItem(LEASE_KEY);
      } catch (e) {
        // nothing to release
      }
      if (role) onRole(false);
      role = null;
    },
  };
}
