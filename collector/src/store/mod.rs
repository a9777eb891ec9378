//! Where the collector keeps events: SQLite, one embedded file (the
//! default), or ClickHouse over its HTTP interface (`--store
//! clickhouse://…`) for sites that outgrow one machine. Both answer the same
//! calls with the same results; the journey map's figures come from
//! `parcours_server::aggregate` fed by [`Store::each_summary`] either way.

mod clickhouse;
mod sqlite;

use std::fmt;
use std::path::Path;

use parcours_core::batch::{ReceivedBatch, ReceivedEvent};

pub use clickhouse::ClickHouseStore;
pub use sqlite::SqliteStore;

/// A store that failed: the database's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(format!("SQLite: {e}"))
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub enum Store {
    Sqlite(SqliteStore),
    ClickHouse(ClickHouseStore),
}

/// Runs the same call on whichever store this is.
macro_rules! either {
    ($store:expr, $s:ident => $call:expr) => {
        match $store {
            Store::Sqlite($s) => Ok($call?),
            Store::ClickHouse($s) => $call,
        }
    };
}

impl Store {
    /// The SQLite file at `path` (created when missing).
    pub fn open(path: &Path) -> Result<Store> {
        Ok(Store::Sqlite(SqliteStore::open(path)?))
    }

    pub fn open_in_memory() -> Result<Store> {
        Ok(Store::Sqlite(SqliteStore::open_in_memory()?))
    }

    /// ClickHouse at `clickhouse://[user[:password]@]host[:port][/database]`
    /// (HTTP port, 8123 by default) or `clickhouses://…` (HTTPS, 8443 by
    /// default; `ca`: a PEM file of the CA to trust instead of the web's
    /// roots); creates the tables when missing.
    pub fn clickhouse(url: &str, ca: Option<&Path>) -> Result<Store> {
        Ok(Store::ClickHouse(ClickHouseStore::open(url, ca)?))
    }

    /// Which store, for the start-up lines.
    pub fn describe(&self) -> String {
        match self {
            Store::Sqlite(s) => s.describe(),
            Store::ClickHouse(s) => s.describe(),
        }
    }

    /// Stores every event of the batch; an event whose id is already
    /// stored is counted as a duplicate and not stored again.
    pub fn insert_batch(&self, batch: &ReceivedBatch, received_at: i64) -> Result<Stored> {
        self.insert_batches(std::slice::from_ref(batch), received_at, &mut |_| {})
    }

    /// Several batches at once (the seeding command, offline touchpoints):
    /// one transaction in SQLite, one insert in ClickHouse. `new_journey`
    /// hears the facts line of each journey summary stored (not of those
    /// already there), once the batches are stored.
    pub fn insert_batches(
        &self,
        batches: &[ReceivedBatch],
        received_at: i64,
        new_journey: &mut dyn FnMut(&str),
    ) -> Result<Stored> {
        either!(self, s => s.insert_batches(batches, received_at, new_journey))
    }

    /// A number that changes when journeys are stored, by any process; none
    /// for a store that several collectors share (ClickHouse), whose
    /// figures are always computed afresh.
    pub fn journeys_version(&self) -> Result<Option<i64>> {
        match self {
            Store::Sqlite(s) => Ok(Some(s.journeys_version()?)),
            Store::ClickHouse(_) => Ok(None),
        }
    }

    /// Totals since the store was created, as JSON.
    pub fn stats_json(&self) -> Result<String> {
        either!(self, s => s.stats_json())
    }

    pub fn events(&self, query: &EventQuery) -> Result<Vec<EventRow>> {
        either!(self, s => s.events(query))
    }

    /// Calls `each` with the facts line of every stored journey summary
    /// (`parcours_server::aggregate::Facts`), each once, without holding them
    /// all in memory: what the journey map reads.
    pub fn each_journey(&self, each: impl FnMut(&str)) -> Result<()> {
        either!(self, s => s.each_journey(each))
    }

    /// Stored events (as received) by id; ids not stored are skipped.
    pub fn raw_by_ids(&self, ids: &[String]) -> Result<Vec<String>> {
        either!(self, s => s.raw_by_ids(ids))
    }

    /// The visitor id a user id was last seen with, and how many sessions
    /// that visitor has had (offline touchpoints join that journey).
    pub fn visitor_of_user(&self, user_id: &str) -> Result<Option<(String, u64)>> {
        either!(self, s => s.visitor_of_user(user_id))
    }

    /// Deletes every event of a visitor id or user id; returns how many.
    pub fn erase_visitor(&self, id: &str) -> Result<usize> {
        either!(self, s => s.erase_visitor(id))
    }

    pub fn count_events(&self) -> Result<i64> {
        either!(self, s => s.count_events())
    }

    /// Whether the store answers a query at all (`GET /ready`).
    pub fn ping(&self) -> Result<()> {
        either!(self, s => s.ping())
    }

    /// The most recently active sessions, newest first.
    pub fn recent_sessions(&self, limit: usize) -> Result<Vec<SessionRow>> {
        either!(self, s => s.recent_sessions(limit))
    }
}

/// What storing a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub accepted: usize,
    pub duplicates: usize,
}

/// One stored event, as returned by queries.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub ts: i64,
    pub session_id: String,
    pub visitor_id: String,
    pub path: String,
    /// Whole, or its first `EventQuery::preview` characters.
    pub properties: String,
    /// Characters in the whole `properties`.
    pub properties_chars: i64,
    /// The event as received; empty in a preview.
    pub raw: String,
    pub received_at: i64,
}

/// A session as listed on the sessions page.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub session_id: String,
    pub visitor_id: String,
    pub user_id: Option<String>,
    pub first_ts: i64,
    pub last_ts: i64,
    pub events: i64,
    pub pages: i64,
    pub landing_path: String,
    /// From the session's journey summary, once it has arrived.
    pub channel: Option<String>,
    pub furthest_stage: Option<String>,
}

/// Filters of `GET /v1/events`.
#[derive(Debug, Default, Clone)]
pub struct EventQuery {
    pub session_id: Option<String>,
    pub visitor_id: Option<String>,
    pub name: Option<String>,
    pub limit: usize,
    /// Events skipped first (a page of them).
    pub offset: usize,
    /// When set, only this many characters of each event's properties and
    /// not the raw event are read (a page that shows them cut never loads
    /// megabytes it will not show).
    pub preview: Option<usize>,
}

/// The facts line of a journey summary event, stored beside it; none for
/// other events.
fn facts_of(event: &ReceivedEvent) -> Option<String> {
    if event.name != parcours_core::journey::SUMMARY_EVENT {
        return None;
    }
    let value = parcours_core::json::parse(&event.raw).ok()?;
    let facts = parcours_server::aggregate::Facts::from_summary(&value)?;
    let mut line = String::with_capacity(256);
    facts.encode(&mut line);
    Some(line)
}

fn library(event: &ReceivedEvent) -> String {
    if event.library_name.is_empty() {
        String::new()
    } else {
        format!("{}/{}", event.library_name, event.library_version)
    }
}
