//! The SQLite event store: one file, one transaction per batch, event ids as
//! primary keys so that a resent event is skipped rather than duplicated.

use std::path::Path;
use std::sync::Mutex;

use parcours_core::batch::{ReceivedBatch, ReceivedEvent};
use rusqlite::{params, Connection};

use super::{facts_of, library, EventQuery, EventRow, SessionRow, Stored};

pub struct SqliteStore {
    conn: Mutex<Connection>,
    file: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    name        TEXT NOT NULL,
    ts          INTEGER NOT NULL,
    visitor_id  TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    user_id     TEXT,
    url         TEXT NOT NULL,
    path        TEXT NOT NULL,
    title       TEXT NOT NULL,
    referrer    TEXT NOT NULL,
    library     TEXT NOT NULL,
    properties  TEXT NOT NULL,
    raw         TEXT NOT NULL,
    write_key   TEXT,
    batch_id    TEXT,
    received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_session ON events(session_id, ts);
CREATE INDEX IF NOT EXISTS events_by_visitor ON events(visitor_id, ts);
CREATE INDEX IF NOT EXISTS events_by_received ON events(received_at);
CREATE INDEX IF NOT EXISTS events_by_name ON events(name, ts);
CREATE INDEX IF NOT EXISTS events_by_user ON events(user_id, ts) WHERE user_id IS NOT NULL;
-- One line per journey summary: what the journey map reads (see
-- parcours_server::aggregate::Facts), a sixth of the summary's size.
CREATE TABLE IF NOT EXISTS journeys (
    id          TEXT PRIMARY KEY,
    visitor_id  TEXT NOT NULL,
    user_id     TEXT,
    started_at  INTEGER NOT NULL,
    facts       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    batch_id    TEXT,
    received_at INTEGER NOT NULL,
    accepted    INTEGER NOT NULL,
    duplicates  INTEGER NOT NULL,
    dropped     INTEGER NOT NULL,
    write_key   TEXT
);
";

impl SqliteStore {
    pub fn open(path: &Path) -> rusqlite::Result<SqliteStore> {
        let conn = Connection::open(path)?;
        // WAL lets the pages read while a batch is being written.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        let store = SqliteStore {
            conn: Mutex::new(conn),
            file: path.display().to_string(),
        };
        store.fill_journeys()?;
        Ok(store)
    }

    pub fn open_in_memory() -> rusqlite::Result<SqliteStore> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            file: ":memory:".to_string(),
        })
    }

    /// A database from before the journeys table: its facts, once.
    fn fill_journeys(&self) -> rusqlite::Result<()> {
        let mut conn = self.conn();
        let empty: bool = conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM journeys)", [], |r| r.get(0))?;
        if !empty {
            return Ok(());
        }
        let tx = conn.transaction()?;
        {
            let mut read = tx.prepare("SELECT raw FROM events WHERE name = 'journey_summary'")?;
            let mut write = tx.prepare(INSERT_JOURNEY)?;
            let mut rows = read.query([])?;
            while let Some(row) = rows.next()? {
                let raw: String = row.get(0)?;
                let Ok(batch) = parcours_core::batch::decode(&format!("{{\"v\":1,\"events\":[{raw}]}}")) else {
                    continue;
                };
                for event in &batch.events {
                    store_facts(&mut write, event)?;
                }
            }
        }
        tx.commit()
    }

    pub fn describe(&self) -> String {
        format!("SQLite {}", self.file)
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written
        // (the transaction rolls back), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores every event of the batches in one transaction: all or nothing.
    /// An event whose id is already stored is counted as a duplicate.
    pub fn insert_batches(
        &self,
        batches: &[ReceivedBatch],
        received_at: i64,
        new_journey: &mut dyn FnMut(&str),
    ) -> rusqlite::Result<Stored> {
        let mut journeys: Vec<String> = Vec::new();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut stored = Stored {
            accepted: 0,
            duplicates: 0,
        };
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO events (id, type, name, ts, visitor_id, session_id, user_id, url, path, title,
                 referrer, library, properties, raw, write_key, batch_id, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )?;
            let mut journey = tx.prepare_cached(INSERT_JOURNEY)?;
            for batch in batches {
                let before = stored;
                for event in &batch.events {
                    let inserted = insert.execute(params![
                        event.id,
                        event.kind.as_str(),
                        event.name,
                        event.ts as i64,
                        event.visitor_id,
                        event.session_id,
                        event.user_id,
                        event.url,
                        event.path,
                        event.title,
                        event.referrer,
                        library(event),
                        event.properties,
                        event.raw,
                        batch.write_key,
                        batch.batch_id,
                        received_at,
                    ])?;
                    if inserted == 1 {
                        journeys.extend(store_facts(&mut journey, event)?);
                        stored.accepted += 1;
                    } else {
                        stored.duplicates += 1;
                    }
                }
                tx.execute(
                    "INSERT INTO batches (batch_id, received_at, accepted, duplicates, dropped, write_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        batch.batch_id,
                        received_at,
                        (stored.accepted - before.accepted) as i64,
                        (stored.duplicates - before.duplicates) as i64,
                        batch.dropped as i64,
                        batch.write_key
                    ],
                )?;
            }
        }
        tx.commit()?;
        journeys.iter().for_each(|facts| new_journey(facts));
        Ok(stored)
    }

    /// Totals since the database was created, as JSON: batches received,
    /// events stored, copies of stored events received again (a retry whose
    /// first attempt did arrive), and events senders reported dropping.
    pub fn stats_json(&self) -> rusqlite::Result<String> {
        let conn = self.conn();
        conn.query_row(
            "SELECT count(*), coalesce(sum(accepted), 0), coalesce(sum(duplicates), 0), coalesce(sum(dropped), 0),
                    (SELECT count(*) FROM events) FROM batches",
            [],
            |row| {
                let n = |i| row.get::<_, i64>(i);
                Ok(format!(
                    "{{\"batches\":{},\"accepted\":{},\"duplicatesReceived\":{},\"droppedBySenders\":{},\"events\":{}}}",
                    n(0)?,
                    n(1)?,
                    n(2)?,
                    n(3)?,
                    n(4)?
                ))
            },
        )
    }

    pub fn events(&self, query: &EventQuery) -> rusqlite::Result<Vec<EventRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, type, name, ts, session_id, visitor_id, path,
                    CASE WHEN ?6 > 0 THEN substr(properties, 1, ?6) ELSE properties END,
                    CASE WHEN ?6 > 0 THEN '' ELSE raw END, received_at, length(properties) FROM events
             WHERE (?1 IS NULL OR session_id = ?1) AND (?2 IS NULL OR visitor_id = ?2) AND (?3 IS NULL OR name = ?3)
             ORDER BY ts, rowid LIMIT ?4 OFFSET ?5",
        )?;
        let rows = stmt.query_map(
            params![
                query.session_id,
                query.visitor_id,
                query.name,
                query.limit as i64,
                query.offset as i64,
                query.preview.unwrap_or(0) as i64
            ],
            |row| {
                Ok(EventRow {
                    id: row.get(0)?,
                    kind: row.get(1)?,
                    name: row.get(2)?,
                    ts: row.get(3)?,
                    session_id: row.get(4)?,
                    visitor_id: row.get(5)?,
                    path: row.get(6)?,
                    properties: row.get(7)?,
                    properties_chars: row.get(10)?,
                    raw: row.get(8)?,
                    received_at: row.get(9)?,
                })
            },
        )?;
        rows.collect()
    }

    pub fn each_journey(&self, mut each: impl FnMut(&str)) -> rusqlite::Result<()> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT facts FROM journeys")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            each(row.get_ref(0)?.as_str().unwrap_or(""));
        }
        Ok(())
    }

    /// The newest journey's row number: it grows with every journey stored.
    pub fn journeys_version(&self) -> rusqlite::Result<i64> {
        self.conn()
            .query_row("SELECT coalesce(max(rowid), 0) FROM journeys", [], |row| row.get(0))
    }

    pub fn raw_by_ids(&self, ids: &[String]) -> rusqlite::Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT raw FROM events WHERE id = ?1")?;
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            let mut rows = stmt.query([id])?;
            if let Some(row) = rows.next()? {
                found.push(row.get(0)?);
            }
        }
        Ok(found)
    }

    pub fn visitor_of_user(&self, user_id: &str) -> rusqlite::Result<Option<(String, u64)>> {
        let conn = self.conn();
        let visitor: Option<String> = conn
            .query_row(
                "SELECT visitor_id FROM events WHERE user_id = ?1 ORDER BY ts DESC LIMIT 1",
                [user_id],
                |row| row.get(0),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?;
        let Some(visitor) = visitor else { return Ok(None) };
        let sessions: i64 = conn.query_row(
            "SELECT count(DISTINCT session_id) FROM events WHERE visitor_id = ?1",
            [&visitor],
            |row| row.get(0),
        )?;
        Ok(Some((visitor, sessions as u64)))
    }

    /// Erases a visitor id, or a user id with every visitor id it was seen
    /// with (their events from before `identify` carry no user id).
    pub fn erase_visitor(&self, id: &str) -> rusqlite::Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        // The visitor ids go in a table of their own first: the deletes below
        // remove the rows that name them.
        tx.execute_batch("CREATE TEMP TABLE IF NOT EXISTS erased (id TEXT PRIMARY KEY); DELETE FROM temp.erased;")?;
        tx.execute(
            "INSERT OR IGNORE INTO temp.erased SELECT ?1 UNION SELECT visitor_id FROM events WHERE user_id = ?1",
            [id],
        )?;
        let matches = "visitor_id IN (SELECT id FROM temp.erased) OR user_id = ?1";
        tx.execute(&format!("DELETE FROM journeys WHERE {matches}"), [id])?;
        let deleted = tx.execute(&format!("DELETE FROM events WHERE {matches}"), [id])?;
        tx.commit()?;
        Ok(deleted)
    }

    pub fn ping(&self) -> rusqlite::Result<()> {
        self.conn().query_row("SELECT 1", [], |_| Ok(()))
    }

    pub fn count_events(&self) -> rusqlite::Result<i64> {
        self.conn()
            .query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0))
    }

    pub fn recent_sessions(&self, limit: usize) -> rusqlite::Result<Vec<SessionRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT session_id, MIN(visitor_id), MAX(user_id), MIN(ts), MAX(ts), COUNT(*),
                    SUM(type = 'page'),
                    (SELECT path FROM events e2 WHERE e2.session_id = e.session_id ORDER BY ts, rowid LIMIT 1),
                    MAX(CASE WHEN name = 'journey_summary' THEN json_extract(properties, '$.channel') END),
                    MAX(CASE WHEN name = 'journey_summary' THEN json_extract(properties, '$.furthestStage') END)
             FROM events e GROUP BY session_id ORDER BY MAX(ts) DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], |row| {
            Ok(SessionRow {
                session_id: row.get(0)?,
                visitor_id: row.get(1)?,
                user_id: row.get(2)?,
                first_ts: row.get(3)?,
                last_ts: row.get(4)?,
                events: row.get(5)?,
                pages: row.get(6)?,
                landing_path: row.get(7)?,
                channel: row.get(8)?,
                furthest_stage: row.get(9)?,
            })
        })?;
        rows.collect()
    }
}

const INSERT_JOURNEY: &str =
    "INSERT OR IGNORE INTO journeys (id, visitor_id, user_id, started_at, facts) VALUES (?1, ?2, ?3, ?4, ?5)";

/// Writes the facts of a journey summary event (with `INSERT_JOURNEY`);
/// returns them, or none for another event.
fn store_facts(insert: &mut rusqlite::Statement<'_>, event: &ReceivedEvent) -> rusqlite::Result<Option<String>> {
    let Some(facts) = facts_of(event) else { return Ok(None) };
    insert.execute(params![
        event.id,
        event.visitor_id,
        event.user_id,
        event.ts as i64,
        facts
    ])?;
    Ok(Some(facts))
}
