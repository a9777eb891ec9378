//! The ClickHouse event store, over ClickHouse's HTTP interface: events in
//! a `ReplacingMergeTree` keyed by event id, so that a resent event is
//! counted as a duplicate here and, should two collectors race, merged
//! away by ClickHouse (reads use `FINAL`). Written for ClickHouse 18.16,
//! the version Debian ships, and newer.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use parcours_core::batch::{ReceivedBatch, ReceivedEvent};
use parcours_core::json::ObjectWriter;

use super::{facts_of, library, EventQuery, EventRow, Result, SessionRow, StoreError, Stored};

pub struct ClickHouseStore {
    agent: ureq::Agent,
    /// `http://host:port/?database=…` with credentials when given.
    base: String,
    database: String,
    shown: String,
    /// Checking for duplicates and inserting is one step per collector.
    writing: Mutex<()>,
}

const EVENTS_TABLE: &str = "CREATE TABLE IF NOT EXISTS events (
    id String, type String, name String, ts Int64, visitor_id String, session_id String,
    user_id Nullable(String), url String, path String, title String, referrer String, library String,
    properties String, raw String, write_key Nullable(String), batch_id Nullable(String), received_at Int64
) ENGINE = ReplacingMergeTree() ORDER BY id";

/// One line per journey summary: what the journey map reads.
const JOURNEYS_TABLE: &str = "CREATE TABLE IF NOT EXISTS journeys (
    id String, visitor_id String, user_id Nullable(String), started_at Int64, facts String
) ENGINE = ReplacingMergeTree() ORDER BY id";

const BATCHES_TABLE: &str = "CREATE TABLE IF NOT EXISTS batches (
    batch_id Nullable(String), received_at Int64, accepted Int64, duplicates Int64, dropped Int64,
    write_key Nullable(String)
) ENGINE = MergeTree() ORDER BY received_at";

/// The parts of `clickhouse[s]://[user[:password]@]host[:port][/database]`.
#[derive(Debug, PartialEq, Eq)]
struct Address {
    /// `clickhouses://`: HTTPS, the server's certificate checked.
    secure: bool,
    user: Option<String>,
    password: Option<String>,
    host: String,
    port: u16,
    database: String,
}

/// TLS settings that trust only the CA certificates of the PEM file at `path`
/// (a private CA, or a server with a self-signed certificate).
fn trusting(path: &Path) -> Result<std::sync::Arc<rustls::ClientConfig>> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let problem = |e: String| StoreError(format!("--store-ca {}: {e}", path.display()));
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| problem(e.to_string()))? {
        roots
            .add(cert.map_err(|e| problem(e.to_string()))?)
            .map_err(|e| problem(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(problem(
            "holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    // The crypto of the one provider built in (ring, as ureq's).
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(std::sync::Arc::new(config))
}

fn parse_address(url: &str) -> std::result::Result<Address, String> {
    let (secure, rest) = match (url.strip_prefix("clickhouses://"), url.strip_prefix("clickhouse://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => {
            return Err(format!(
                "{url:?} does not start with clickhouse:// (HTTP) or clickhouses:// (HTTPS)"
            ))
        }
    };
    let (credentials, rest) = match rest.rsplit_once('@') {
        Some((credentials, rest)) => (Some(credentials), rest),
        None => (None, rest),
    };
    let (user, password) = match credentials.map(|c| c.split_once(':').unwrap_or((c, ""))) {
        Some((user, password)) => (
            Some(user.to_string()),
            Some(password.to_string()).filter(|p| !p.is_empty()),
        ),
        None => (None, None),
    };
    let (host_port, database) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse()
                .map_err(|_| format!("port {port:?} in {url:?} is not a number from 1 to 65535"))?,
        ),
        None => (host_port, if secure { 8443 } else { 8123 }),
    };
    if host.is_empty() {
        return Err(format!("{url:?} names no host (clickhouse://host:8123/database)"));
    }
    let database = if database.is_empty() { "parcours" } else { database };
    if !database.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("database {database:?} may hold only letters, digits and _"));
    }
    Ok(Address {
        secure,
        user,
        password,
        host: host.to_string(),
        port,
        database: database.to_string(),
    })
}

impl ClickHouseStore {
    /// Connects, creates the database and tables when missing. Over
    /// `clickhouses://` the server's certificate must chain to the web's
    /// roots, or to the CA certificates of the PEM file `ca` when given.
    pub fn open(url: &str, ca: Option<&Path>) -> Result<ClickHouseStore> {
        let address = parse_address(url).map_err(|e| StoreError(format!("--store: {e}")))?;
        let mut agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(5))
            .timeout(Duration::from_secs(120));
        match ca {
            Some(_) if !address.secure => {
                return Err(StoreError(
                    "--store-ca is for a clickhouses:// (HTTPS) store; this one is clickhouse:// (HTTP)".into(),
                ))
            }
            Some(path) => agent = agent.tls_config(trusting(path)?),
            None => {}
        }
        let agent = agent.build();
        let scheme = if address.secure { "https" } else { "http" };
        let mut base = format!("{scheme}://{}:{}/?", address.host, address.port);
        if let Some(user) = &address.user {
            base += &format!("user={}&", encode(user));
        }
        if let Some(password) = &address.password {
            base += &format!("password={}&", encode(password));
        }
        let shown = format!(
            "ClickHouse {}:{}/{}{}",
            address.host,
            address.port,
            address.database,
            if address.secure { " (TLS)" } else { "" }
        );
        let server = ClickHouseStore {
            agent,
            base: base.clone(),
            database: String::new(),
            shown: shown.clone(),
            writing: Mutex::new(()),
        };
        server.run(&format!("CREATE DATABASE IF NOT EXISTS {}", address.database))?;
        let store = ClickHouseStore {
            base: format!("{base}database={}&", address.database),
            database: address.database,
            ..server
        };
        store.run(EVENTS_TABLE)?;
        store.run(JOURNEYS_TABLE)?;
        store.run(BATCHES_TABLE)?;
        Ok(store)
    }

    pub fn describe(&self) -> String {
        self.shown.clone()
    }

    /// Runs one statement; returns its output.
    fn run(&self, sql: &str) -> Result<String> {
        self.send(&self.base, sql)?
            .into_string()
            .map_err(|e| self.error(e.to_string()))
    }

    fn send(&self, url: &str, body: &str) -> Result<ureq::Response> {
        match self.agent.post(url).send_string(body) {
            Ok(response) => Ok(response),
            Err(ureq::Error::Status(code, response)) => {
                let text = response.into_string().unwrap_or_default();
                Err(self.error(format!("HTTP {code}: {}", text.trim())))
            }
            Err(e) => Err(self.error(e.to_string())),
        }
    }

    fn error(&self, problem: String) -> StoreError {
        StoreError(format!("{}: {problem}", self.shown))
    }

    /// Rows of a `SELECT` (TabSeparated), each as its fields.
    fn rows(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let text = self.run(&format!("{sql} FORMAT TabSeparated"))?;
        Ok(text
            .lines()
            .map(|line| line.split('\t').map(unescape).collect())
            .collect())
    }

    fn number(&self, sql: &str) -> Result<i64> {
        let text = self.run(&format!("{sql} FORMAT TabSeparated"))?;
        text.trim()
            .parse()
            .map_err(|_| self.error(format!("expected a number, got {:?}", text.trim())))
    }

    /// Rows into `table`, one JSON object per line.
    fn insert(&self, table: &str, rows: &str) -> Result<()> {
        let url = format!(
            "{}query={}",
            self.base,
            encode(&format!("INSERT INTO {table} FORMAT JSONEachRow"))
        );
        self.send(&url, rows).map(drop)
    }

    /// One insert for all the batches: ClickHouse prefers few large inserts.
    pub fn insert_batches(
        &self,
        batches: &[ReceivedBatch],
        received_at: i64,
        new_journey: &mut dyn FnMut(&str),
    ) -> Result<Stored> {
        let mut facts_lines: Vec<String> = Vec::new();
        let _writing = self.writing.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let ids: Vec<String> = batches
            .iter()
            .flat_map(|b| b.events.iter().map(|e| quote(&e.id)))
            .collect();
        let mut known: HashSet<String> = HashSet::new();
        // In pieces: a query may hold 256 KB (max_query_size).
        for piece in ids.chunks(4_000) {
            let sql = format!("SELECT id FROM events WHERE id IN ({})", piece.join(","));
            known.extend(self.rows(&sql)?.into_iter().filter_map(|mut r| r.swap_remove(0)));
        }
        let (mut rows, mut log, mut journeys) = (String::new(), String::new(), String::new());
        let mut total = Stored {
            accepted: 0,
            duplicates: 0,
        };
        for batch in batches {
            let mut stored = Stored {
                accepted: 0,
                duplicates: 0,
            };
            for event in &batch.events {
                if known.insert(event.id.clone()) {
                    stored.accepted += 1;
                    write_event_row(&mut rows, batch, event, received_at);
                    if let Some(facts) = facts_of(event) {
                        let mut row = ObjectWriter::new(&mut journeys);
                        row.str("id", &event.id).str("visitor_id", &event.visitor_id);
                        nullable(&mut row, "user_id", event.user_id.as_deref());
                        row.num("started_at", event.ts).str("facts", &facts).finish();
                        journeys.push('\n');
                        facts_lines.push(facts);
                    }
                } else {
                    stored.duplicates += 1;
                }
            }
            write_batch_row(&mut log, batch, stored, received_at);
            total.accepted += stored.accepted;
            total.duplicates += stored.duplicates;
        }
        if !rows.is_empty() {
            self.insert("events", &rows)?;
        }
        if !journeys.is_empty() {
            self.insert("journeys", &journeys)?;
        }
        if !log.is_empty() {
            self.insert("batches", &log)?;
        }
        facts_lines.iter().for_each(|facts| new_journey(facts));
        Ok(total)
    }

    pub fn stats_json(&self) -> Result<String> {
        let totals = self.rows("SELECT count(), sum(accepted), sum(duplicates), sum(dropped) FROM batches")?;
        let n = |i: usize| {
            totals
                .first()
                .and_then(|row| row.get(i).cloned().flatten())
                .unwrap_or_else(|| "0".to_string())
        };
        let events = self.count_events()?;
        Ok(format!(
            "{{\"batches\":{},\"accepted\":{},\"duplicatesReceived\":{},\"droppedBySenders\":{},\"events\":{events}}}",
            n(0),
            n(1),
            n(2),
            n(3)
        ))
    }

    pub fn events(&self, query: &EventQuery) -> Result<Vec<EventRow>> {
        let (properties, raw) = match query.preview {
            Some(chars) => (format!("substringUTF8(properties, 1, {chars})"), "''".to_string()),
            None => ("properties".to_string(), "raw".to_string()),
        };
        let mut sql = format!(
            "SELECT id, type, name, ts, session_id, visitor_id, path, {properties}, {raw}, received_at,
                    lengthUTF8(properties) FROM events FINAL WHERE 1"
        );
        for (column, value) in [
            ("session_id", &query.session_id),
            ("visitor_id", &query.visitor_id),
            ("name", &query.name),
        ] {
            if let Some(value) = value {
                sql += &format!(" AND {column} = {}", quote(value));
            }
        }
        sql += &format!(" ORDER BY ts, id LIMIT {} OFFSET {}", query.limit, query.offset);
        self.rows(&sql)?
            .into_iter()
            .map(|row| {
                let text = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
                Ok(EventRow {
                    id: text(0),
                    kind: text(1),
                    name: text(2),
                    ts: self.parse_i64(&text(3))?,
                    session_id: text(4),
                    visitor_id: text(5),
                    path: text(6),
                    properties: text(7),
                    properties_chars: self.parse_i64(&text(10))?,
                    raw: text(8),
                    received_at: self.parse_i64(&text(9))?,
                })
            })
            .collect()
    }

    fn parse_i64(&self, text: &str) -> Result<i64> {
        text.parse()
            .map_err(|_| self.error(format!("expected a number, got {text:?}")))
    }

    /// Streams the facts line by line: they never all sit in memory. A
    /// journey two collectors both stored (until ClickHouse merges the
    /// copies) is skipped by its id here: cheaper than `FINAL`.
    pub fn each_journey(&self, mut each: impl FnMut(&str)) -> Result<()> {
        let sql = "SELECT facts FROM journeys FORMAT TabSeparated";
        let mut seen: HashSet<String> = HashSet::new();
        let response = self.send(&self.base, sql)?;
        let mut reader = BufReader::with_capacity(1 << 16, response.into_reader());
        let mut line = String::new();
        loop {
            line.clear();
            let read = reader.read_line(&mut line).map_err(|e| self.error(e.to_string()))?;
            if read == 0 {
                return Ok(());
            }
            let Some(facts) = unescape(line.trim_end_matches('\n')) else {
                continue;
            };
            let id = facts.split('\t').next().unwrap_or("");
            if !seen.contains(id) {
                seen.insert(id.to_string());
                each(&facts);
            }
        }
    }

    pub fn raw_by_ids(&self, ids: &[String]) -> Result<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = ids.iter().map(|id| quote(id)).collect();
        let rows = self.rows(&format!(
            "SELECT raw FROM events FINAL WHERE id IN ({})",
            list.join(",")
        ))?;
        Ok(rows.into_iter().filter_map(|mut r| r.swap_remove(0)).collect())
    }

    pub fn visitor_of_user(&self, user_id: &str) -> Result<Option<(String, u64)>> {
        let user = quote(user_id);
        let found = self.rows(&format!(
            "SELECT visitor_id FROM events FINAL WHERE user_id = {user} ORDER BY ts DESC LIMIT 1"
        ))?;
        let Some(visitor) = found.into_iter().next().and_then(|mut r| r.swap_remove(0)) else {
            return Ok(None);
        };
        let sessions = self.number(&format!(
            "SELECT uniqExact(session_id) FROM events FINAL WHERE visitor_id = {}",
            quote(&visitor)
        ))?;
        Ok(Some((visitor, sessions as u64)))
    }

    /// Counts, then deletes by a mutation (ClickHouse applies it in the
    /// background, within seconds).
    /// Erases a visitor id, or a user id with every visitor id it was seen
    /// with (their events from before `identify` carry no user id).
    pub fn erase_visitor(&self, id: &str) -> Result<usize> {
        let mut visitors = vec![quote(id)];
        for row in self.rows(&format!(
            "SELECT DISTINCT visitor_id FROM events FINAL WHERE user_id = {}",
            quote(id)
        ))? {
            if let Some(Some(visitor)) = row.into_iter().next() {
                visitors.push(quote(&visitor));
            }
        }
        let matches = format!("visitor_id IN ({}) OR user_id = {}", visitors.join(", "), quote(id));
        let count = self.number(&format!("SELECT count() FROM events FINAL WHERE {matches}"))?;
        if count > 0 {
            self.run(&format!("ALTER TABLE journeys DELETE WHERE {matches}"))?;
            self.run(&format!("ALTER TABLE events DELETE WHERE {matches}"))?;
        }
        Ok(count as usize)
    }

    pub fn ping(&self) -> Result<()> {
        self.number("SELECT 1").map(drop)
    }

    pub fn count_events(&self) -> Result<i64> {
        self.number("SELECT count() FROM events FINAL")
    }

    pub fn recent_sessions(&self, limit: usize) -> Result<Vec<SessionRow>> {
        let sql = format!(
            "SELECT session_id, min(visitor_id), max(user_id), min(ts), max(ts), count(), countIf(type = 'page'),
                    argMin(path, ts),
                    maxIf(visitParamExtractString(properties, 'channel'), name = 'journey_summary'),
                    maxIf(visitParamExtractString(properties, 'furthestStage'), name = 'journey_summary')
             FROM events FINAL GROUP BY session_id ORDER BY max(ts) DESC LIMIT {limit}"
        );
        self.rows(&sql)?
            .into_iter()
            .map(|row| {
                let field = |i: usize| row.get(i).cloned().flatten();
                let text = |i: usize| field(i).unwrap_or_default();
                let number = |i: usize| self.parse_i64(&text(i));
                Ok(SessionRow {
                    session_id: text(0),
                    visitor_id: text(1),
                    user_id: field(2),
                    first_ts: number(3)?,
                    last_ts: number(4)?,
                    events: number(5)?,
                    pages: number(6)?,
                    landing_path: text(7),
                    channel: field(8).filter(|c| !c.is_empty()),
                    furthest_stage: field(9).filter(|s| !s.is_empty()),
                })
            })
            .collect()
    }

    /// The database name (tests drop it).
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Removes every table's rows (tests start from an empty store).
    pub fn truncate(&self) -> Result<()> {
        self.run("TRUNCATE TABLE events")?;
        self.run("TRUNCATE TABLE journeys")?;
        self.run("TRUNCATE TABLE batches").map(drop)
    }
}

/// One line of `INSERT INTO events FORMAT JSONEachRow`.
fn write_event_row(rows: &mut String, batch: &ReceivedBatch, event: &ReceivedEvent, received_at: i64) {
    let mut row = ObjectWriter::new(rows);
    row.str("id", &event.id)
        .str("type", event.kind.as_str())
        .str("name", &event.name)
        .num("ts", event.ts)
        .str("visitor_id", &event.visitor_id)
        .str("session_id", &event.session_id);
    nullable(&mut row, "user_id", event.user_id.as_deref());
    row.str("url", &event.url)
        .str("path", &event.path)
        .str("title", &event.title)
        .str("referrer", &event.referrer)
        .str("library", &library(event))
        .str("properties", &event.properties)
        .str("raw", &event.raw);
    nullable(&mut row, "write_key", batch.write_key.as_deref());
    nullable(&mut row, "batch_id", batch.batch_id.as_deref());
    row.num("received_at", received_at.max(0) as u64).finish();
    rows.push('\n');
}

/// One line of `INSERT INTO batches FORMAT JSONEachRow`.
fn write_batch_row(log: &mut String, batch: &ReceivedBatch, stored: Stored, received_at: i64) {
    let mut row = ObjectWriter::new(log);
    nullable(&mut row, "batch_id", batch.batch_id.as_deref());
    row.num("received_at", received_at.max(0) as u64)
        .num("accepted", stored.accepted as u64)
        .num("duplicates", stored.duplicates as u64)
        .num("dropped", batch.dropped);
    nullable(&mut row, "write_key", batch.write_key.as_deref());
    row.finish();
    log.push('\n');
}

fn nullable(row: &mut ObjectWriter<'_>, key: &str, value: Option<&str>) {
    match value {
        Some(value) => {
            row.str(key, value);
        }
        None => row.key(key).push_str("null"),
    }
}

/// A ClickHouse string literal.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A TabSeparated field: `\N` is NULL; backslash escapes undone.
fn unescape(field: &str) -> Option<String> {
    if field == "\\N" {
        return None;
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Some(out)
}

/// Percent-encoding for a URL's query part.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out += &format!("%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_read_with_defaults_and_refuse_what_is_wrong() {
        assert_eq!(
            parse_address("clickhouse://app:s3cret@db.internal:9123/journeys").unwrap(),
            Address {
                secure: false,
                user: Some("app".into()),
                password: Some("s3cret".into()),
                host: "db.internal".into(),
                port: 9123,
                database: "journeys".into()
            }
        );
        let plain = parse_address("clickhouse://127.0.0.1").unwrap();
        assert_eq!(
            (plain.port, plain.database.as_str(), plain.user),
            (8123, "parcours", None)
        );
        // ClickHouse Cloud: HTTPS on 8443 by default.
        let cloud = parse_address("clickhouses://default:pw@abc123.eu-west-1.aws.clickhouse.cloud/parcours").unwrap();
        assert_eq!(
            (cloud.secure, cloud.port, cloud.host.as_str()),
            (true, 8443, "abc123.eu-west-1.aws.clickhouse.cloud")
        );
        assert!(!plain.secure);
        assert!(parse_address("http://127.0.0.1")
            .unwrap_err()
            .contains("clickhouses://"));
        assert!(parse_address("clickhouse://h:port/x").unwrap_err().contains("\"port\""));
        assert!(parse_address("clickhouse://h/drop;table")
            .unwrap_err()
            .contains("letters"));
    }

    #[test]
    fn literals_and_fields_round_trip() {
        assert_eq!(quote(r"it's a \ test"), r"'it\'s a \\ test'");
        assert_eq!(unescape(r"a\tb\\c\nd").as_deref(), Some("a\tb\\c\nd"));
        assert_eq!(unescape(r"\N"), None);
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
