//! The numbers of the port between the JavaScript shell and the core: what
//! `record` records (call codes) and what `call` does (operations), and the
//! result bits. The shell's constants (`www/src/codes.js`) are generated
//! from `CODES` by core/tests/options_docs.rs, so each number is written once.

/// Call codes: the first argument of `record`.
pub const TRACK: u8 = 0;
pub const PAGE: u8 = 1;
pub const IDENTIFY: u8 = 2;
pub const RESET: u8 = 3;
pub const GROUP: u8 = 4;
pub const ALIAS: u8 = 5;
/// `register(properties)`; `register_once` with the name "once".
pub const REGISTER: u8 = 6;
/// `unregister(name)`.
pub const UNREGISTER: u8 = 7;

/// `record`'s result bits: the call was refused (see `TAKE_ERROR`).
pub const RECORD_ERROR: u32 = 1;
/// `record`'s and `SIGNAL`'s result bits: notices wait (see `TAKE_NOTICES`).
pub const NOTICES: u32 = 2;

/// Operations: the first argument of `call(op, s1, s2, a, b, c, d, e)`.
/// Each says which arguments it reads; every answer is text.
pub mod op {
    /// Before a run of `record`s: s1 the document's title. Picks up the
    /// session other tabs may have advanced.
    pub const BEGIN: u8 = 1;
    /// After a run of `record`s: saves the session for other tabs.
    pub const END: u8 = 2;
    /// A friction signal: a its kind (see `SIGNAL_*`), b and c its numbers,
    /// d its time, s1 and s2 its texts. Answers the `record` bits.
    pub const SIGNAL: u8 = 3;
    /// The notices since the last call: a JSON array.
    pub const TAKE_NOTICES: u8 = 4;
    /// The last refusal of `record`: `{"code","field","message"}`.
    pub const TAKE_ERROR: u8 = 5;
    /// The journey of `parcours.journey()`, as JSON.
    pub const JOURNEY: u8 = 6;
    /// Identity and queue state, as JSON.
    pub const STATE: u8 = 7;
    /// The next batch of partition a (0: the endpoint) at time b, c 1 to
    /// force it; "" when none is due.
    pub const NEXT_BATCH: u8 = 8;
    /// The answer to partition a's batch in flight: b the status (0 for a
    /// network error), c Retry-After in ms or -1, d the time, e the events
    /// the collector refused, s1 the ids a destination kept (a JSON array)
    /// or "". Answers `disposition + 4 * events` (0 delivered, 1 retry,
    /// 2 rejected), or -1 when no batch was in flight.
    pub const SETTLE: u8 = 9;
    /// Page hide at time a: the next request body for the endpoint, or "".
    pub const HIDE_BATCH: u8 = 10;
    /// The answer (status a, 0 for none) to the page-hide request s1.
    pub const SETTLE_HIDE: u8 = 11;
    /// The sender delivered these events (s1: a JSON array of ids).
    pub const CONFIRM: u8 = 12;
    /// Events to write to durable storage, about a bytes at most: a JSON
    /// array of `{"id","at","seq","keep","body"}`, or "".
    pub const TAKE_WRITES: u8 = 13;
    /// Ids to remove from durable storage (a JSON array), or "".
    pub const TAKE_DELETES: u8 = 14;
    /// An event found in durable storage or sent by another tab: s1 its id,
    /// s2 its body, a its time, b its sequence, c its retention. Answers "1"
    /// when it is new.
    pub const ADOPT: u8 = 15;
    /// a 1 when this tab sends (the elected sender), 0 when it only writes.
    pub const SET_SENDER: u8 = 16;
    /// Lowers the outbox caps to a events and b bytes (a small storage).
    pub const LIMIT_OUTBOX: u8 = 17;
    /// Milliseconds from time a until a batch may be due, or -1.
    pub const NEXT_WAKE: u8 = 18;
    /// Events not yet delivered (waiting or in flight).
    pub const PENDING: u8 = 19;
    /// Destination a's request(s) for batch s1 at time b (builds with
    /// destinations): `{"requests":[…],"notes":[…]}` or `{"error":{…}}`.
    pub const ENCODE: u8 = 20;
    /// Survey operations (builds with surveys). Where one reads several
    /// texts, s2 is a JSON array of them.
    /// A browser signal for survey triggers: a its kind (0 time on page, 1
    /// scroll depth, 2 exit intent, 3 a click), b its number (ms, percent),
    /// s1 the selector clicked, s2 the page's URL, c the time. Answers the
    /// `record` bits.
    pub const SURVEY_SIGNAL: u8 = 21;
    /// Claims survey s1 for display: s2 [URL, languages, trigger path], a 1
    /// when forced (`survey.show`), b the time. `{"ok":true,"variant"}` or
    /// `{"ok":false,"checks"}`.
    pub const SURVEY_CLAIM: u8 = 22;
    /// Why survey s1 would or would not show now: s2 [URL, languages], a the time.
    pub const SURVEY_EXPLAIN: u8 = 23;
    /// Opens survey s1: s2 [variant, languages], a the time.
    /// `{"frame","step","shown","submission"}` or `{"error"}`.
    pub const SURVEY_OPEN: u8 = 24;
    /// Answers the question on screen of showing s1: a the value (negative:
    /// none) or s2 the text. `{"step","answered","completed"}` or `{"refused"}`.
    pub const SURVEY_ANSWER: u8 = 25;
    /// Closes showing s1 at time a: the `survey_dismissed` properties, or "".
    pub const SURVEY_CLOSE: u8 = 26;
    /// The cached definitions of `surveysUrl` s1 at time a:
    /// `{"fresh","etag","loaded","errors","warnings","watch"}`.
    pub const SURVEYS_CACHED: u8 = 27;
    /// The answer to the fetch of s1: a the status (200 or 304), s2 [ETag,
    /// body], b the time. Answers as `SURVEYS_CACHED`.
    pub const SURVEYS_RECEIVED: u8 = 28;
}

/// `SIGNAL` kinds (its a).
pub const SIGNAL_CLICK: u8 = 0;
pub const SIGNAL_ACTIVITY: u8 = 1;
pub const SIGNAL_ERROR: u8 = 2;
pub const SIGNAL_TIMING: u8 = 3;
/// A largest-contentful-paint entry: a its start (ms).
pub const SIGNAL_LCP: u8 = 4;
/// An event-timing entry: a its duration (ms), b its interaction id, text its target.
pub const SIGNAL_INTERACTION: u8 = 5;
/// A layout shift without recent input: a its value (ten-thousandths), b its start (ms).
pub const SIGNAL_SHIFT: u8 = 6;
/// The page scrolled: a to (px from the top), b the screen's height (px).
pub const SIGNAL_SCROLL: u8 = 7;

/// Every number, by the name of its JavaScript constant.
pub const CODES: [(&str, u32); 46] = [
    ("TRACK", TRACK as u32),
    ("PAGE", PAGE as u32),
    ("IDENTIFY", IDENTIFY as u32),
    ("RESET", RESET as u32),
    ("GROUP", GROUP as u32),
    ("ALIAS", ALIAS as u32),
    ("REGISTER", REGISTER as u32),
    ("UNREGISTER", UNREGISTER as u32),
    ("RECORD_ERROR", RECORD_ERROR),
    ("NOTICES", NOTICES),
    ("BEGIN", op::BEGIN as u32),
    ("END", op::END as u32),
    ("SIGNAL", op::SIGNAL as u32),
    ("TAKE_NOTICES", op::TAKE_NOTICES as u32),
    ("TAKE_ERROR", op::TAKE_ERROR as u32),
    ("JOURNEY", op::JOURNEY as u32),
    ("STATE", op::STATE as u32),
    ("NEXT_BATCH", op::NEXT_BATCH as u32),
    ("SETTLE", op::SETTLE as u32),
    ("HIDE_BATCH", op::HIDE_BATCH as u32),
    ("SETTLE_HIDE", op::SETTLE_HIDE as u32),
    ("CONFIRM", op::CONFIRM as u32),
    ("TAKE_WRITES", op::TAKE_WRITES as u32),
    ("TAKE_DELETES", op::TAKE_DELETES as u32),
    ("ADOPT", op::ADOPT as u32),
    ("SET_SENDER", op::SET_SENDER as u32),
    ("LIMIT_OUTBOX", op::LIMIT_OUTBOX as u32),
    ("NEXT_WAKE", op::NEXT_WAKE as u32),
    ("PENDING", op::PENDING as u32),
    ("ENCODE", op::ENCODE as u32),
    ("SURVEY_SIGNAL", op::SURVEY_SIGNAL as u32),
    ("SURVEY_CLAIM", op::SURVEY_CLAIM as u32),
    ("SURVEY_EXPLAIN", op::SURVEY_EXPLAIN as u32),
    ("SURVEY_OPEN", op::SURVEY_OPEN as u32),
    ("SURVEY_ANSWER", op::SURVEY_ANSWER as u32),
    ("SURVEY_CLOSE", op::SURVEY_CLOSE as u32),
    ("SURVEYS_CACHED", op::SURVEYS_CACHED as u32),
    ("SURVEYS_RECEIVED", op::SURVEYS_RECEIVED as u32),
    ("SIGNAL_CLICK", SIGNAL_CLICK as u32),
    ("SIGNAL_ACTIVITY", SIGNAL_ACTIVITY as u32),
    ("SIGNAL_ERROR", SIGNAL_ERROR as u32),
    ("SIGNAL_TIMING", SIGNAL_TIMING as u32),
    ("SIGNAL_LCP", SIGNAL_LCP as u32),
    ("SIGNAL_INTERACTION", SIGNAL_INTERACTION as u32),
    ("SIGNAL_SHIFT", SIGNAL_SHIFT as u32),
    ("SIGNAL_SCROLL", SIGNAL_SCROLL as u32),
];
