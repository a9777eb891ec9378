//! Command line of the collector. `parcours-collector --help` lists the flags.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `println!` that never panics: a closed stdout (a log pipe that went
/// away) must not bring the collector down, least of all while it stops.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

use parcours_collector::app::{router, Settings};
use parcours_collector::flags;
use parcours_collector::store::Store;

/// Receives Parcours batches into SQLite or ClickHouse, and serves the
/// journey map, the session pages and the demo shop.
///
/// Every flag can also be set by an environment variable, PARCOURS_ and its
/// name in capitals (PARCOURS_ADMIN_KEY, PARCOURS_PORT, …); a repeatable
/// flag takes a comma-separated list there. A flag on the command line wins.
/// Keys are best given by file (--admin-key-file, --server-key-file) or by
/// environment: what is on the command line shows in `ps`.
#[derive(Parser)]
#[command(
    name = "parcours-collector",
    version,
    args_conflicts_with_subcommands = true,
    args_override_self = true
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Stores simulated visitors of the demo shop (their events, journeys,
    /// survey answers and some offline touchpoints), then exits.
    Seed(SeedArgs),
}

#[derive(clap::Args)]
struct StoreArgs {
    /// SQLite file.
    #[arg(long, env = "PARCOURS_DB", value_name = "PATH", default_value = "parcours.db")]
    db: PathBuf,
    /// Store events in ClickHouse instead, over its HTTP interface:
    /// clickhouse://[user[:password]@]host[:port][/database] (port 8123 and
    /// database parcours by default; created when missing), or
    /// clickhouses://… over HTTPS (port 8443 by default; ClickHouse Cloud).
    #[arg(long, env = "PARCOURS_STORE", value_name = "URL", value_parser = store_url, hide_env_values = true)]
    store: Option<String>,
    /// With clickhouses://: trust the CA certificates in this PEM file
    /// instead of the web's roots (a private CA or a self-signed server).
    #[arg(long, env = "PARCOURS_STORE_CA", value_name = "PATH")]
    store_ca: Option<PathBuf>,
}

impl StoreArgs {
    fn address(&self) -> StoreAddress {
        match &self.store {
            Some(url) => StoreAddress::ClickHouse(url.clone(), self.store_ca.clone()),
            None => StoreAddress::Sqlite(self.db.clone()),
        }
    }
}

#[derive(clap::Args)]
struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Address to listen on.
    #[arg(long, env = "PARCOURS_HOST", value_name = "ADDR", default_value = "127.0.0.1")]
    host: String,
    /// Port (0 picks a free one).
    #[arg(long, env = "PARCOURS_PORT", default_value_t = 8787)]
    port: u16,
    /// Origin allowed to send from a browser (https://shop.example; a trailing
    /// slash is dropped); repeat for several. Default: any origin.
    #[arg(long, env = "PARCOURS_ALLOW_ORIGIN", value_name = "URL", value_delimiter = ',', value_parser = flags::origin)]
    allow_origin: Vec<String>,
    /// Largest accepted request body, in bytes (1000 or more).
    #[arg(long, env = "PARCOURS_MAX_BODY", value_name = "BYTES", default_value_t = 1_000_000, value_parser = max_body)]
    max_body: usize,
    /// Folder served at / (default: www/ when it exists).
    #[arg(long, env = "PARCOURS_WWW", value_name = "DIR", value_parser = folder)]
    www: Option<PathBuf>,
    /// Serve no static files.
    #[arg(long, env = "PARCOURS_NO_WWW")]
    no_www: bool,
    /// A key batches must carry (init({ writeKey })); repeat for several.
    /// Default: none, any batch is accepted.
    #[arg(long, env = "PARCOURS_WRITE_KEY", value_name = "KEY", value_delimiter = ',', value_parser = flags::write_key)]
    write_key: Vec<String>,
    /// Key (16+ characters) for reading events and pages and for erasure
    /// (Authorization: Bearer KEY; the pages take Basic auth with KEY as the
    /// password). Without it reads are open and erasure is off.
    #[arg(
        long,
        env = "PARCOURS_ADMIN_KEY",
        value_name = "KEY",
        hide_env_values = true,
        conflicts_with = "admin_key_file"
    )]
    admin_key: Option<String>,
    /// Reads --admin-key from this file (its first line).
    #[arg(long, env = "PARCOURS_ADMIN_KEY_FILE", value_name = "PATH")]
    admin_key_file: Option<PathBuf>,
    /// Batches a minute from one IP address, bursts of ten seconds' worth (0: unlimited).
    #[arg(long, env = "PARCOURS_RATE_IP", value_name = "N", default_value_t = 1_200)]
    rate_ip: u32,
    /// Batches a minute under one write key (0: unlimited).
    #[arg(long, env = "PARCOURS_RATE_KEY", value_name = "N", default_value_t = 60_000)]
    rate_key: u32,
    /// Behind one reverse proxy: per-IP limits count the address it appends
    /// to X-Forwarded-For, not the proxy's own.
    #[arg(long, env = "PARCOURS_TRUST_PROXY")]
    trust_proxy: bool,
    /// Serves the survey definitions in FILE ({ "surveys": [ … ] }) at GET
    /// /v1/surveys, for init({ surveysUrl }); re-read when it changes.
    #[arg(long, env = "PARCOURS_SURVEYS", value_name = "FILE")]
    surveys: Option<PathBuf>,
    /// The site's stage model, in order: the journey map's columns (default:
    /// the SDK's awareness,consideration,decision,purchase,retention,advocacy).
    #[arg(long, env = "PARCOURS_STAGES", value_name = "A,B,C", value_parser = stage_list)]
    stages: Option<Vec<String>>,
    /// Key (16+ characters) the site's servers send offline touchpoints with
    /// (POST /v1/touchpoints, Authorization: Bearer KEY); repeat for several.
    /// Default: none, the route is off.
    #[arg(
        long,
        env = "PARCOURS_SERVER_KEY",
        value_name = "KEY",
        value_delimiter = ',',
        hide_env_values = true
    )]
    server_key: Vec<String>,
    /// Reads --server-key values from this file (one a line).
    #[arg(long, env = "PARCOURS_SERVER_KEY_FILE", value_name = "PATH")]
    server_key_file: Option<PathBuf>,
    /// Enables POST /v1/faults, which makes the batch route fail on purpose
    /// (for delivery tests; never in production).
    #[arg(long, env = "PARCOURS_FAULT_INJECTION")]
    fault_injection: bool,
    /// Log lines (refused requests, storage errors) on stderr as text or as
    /// one JSON object each. Never a key, a body or a client address.
    #[arg(long, env = "PARCOURS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(clap::Args)]
struct SeedArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// At least N events.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    events: usize,
    /// Visits spread over the last N days (at least 17 are used).
    #[arg(long, value_name = "N", default_value_t = 30)]
    days: u64,
    /// Only when the store holds no event yet.
    #[arg(long)]
    if_empty: bool,
    /// The time the visits lead up to, in ms since 1970 (default: now). The
    /// same value seeds the same visits on the same days into any store.
    #[arg(long, value_name = "MS")]
    now: Option<u64>,
}

struct Cli {
    store: StoreAddress,
    addr: SocketAddr,
    settings: Settings,
}

/// Where events go: a SQLite file or a ClickHouse server.
#[derive(Debug, Clone)]
pub enum StoreAddress {
    Sqlite(PathBuf),
    /// The URL, and the CA file to trust over HTTPS.
    ClickHouse(String, Option<PathBuf>),
}

impl StoreAddress {
    fn open(&self) -> Result<Store, String> {
        match self {
            StoreAddress::Sqlite(path) => {
                Store::open(path).map_err(|e| format!("cannot open database {}: {e}", path.display()))
            }
            StoreAddress::ClickHouse(url, ca) => {
                Store::clickhouse(url, ca.as_deref()).map_err(|e| format!("cannot use the store: {e}"))
            }
        }
    }
}

fn store_url(value: &str) -> Result<String, String> {
    if value.starts_with("clickhouse://") || value.starts_with("clickhouses://") {
        Ok(value.to_string())
    } else {
        Err(format!(
            "expected clickhouse://host:8123/database or clickhouses://host:8443/database, got {value:?} (a SQLite file is --db PATH)"
        ))
    }
}

fn max_body(value: &str) -> Result<usize, String> {
    value
        .parse()
        .ok()
        .filter(|n| *n >= 1_000)
        .ok_or_else(|| format!("expected a number of bytes >= 1000, got {value:?}"))
}

fn folder(value: &str) -> Result<PathBuf, String> {
    let dir = PathBuf::from(value);
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!("{value} is not a folder"))
    }
}

/// The lines of a key file (`--admin-key-file`, `--server-key-file`), each checked as `flag` checks it.
fn keys_from_file(flag: &str, path: &std::path::Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{flag}-file {}: {e}", path.display()))?;
    let keys: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if keys.is_empty() {
        return Err(format!("{flag}-file {}: the file holds no key", path.display()));
    }
    keys.iter().map(|key| flags::secret_key(flag, key)).collect()
}

fn parse_args(args: ServeArgs) -> Result<Cli, String> {
    parcours_collector::log::set_json(args.log_format == LogFormat::Json);
    // Keys are checked here rather than by clap, whose errors quote the value.
    let admin_key = args
        .admin_key
        .map(|key| flags::secret_key("--admin-key", &key))
        .transpose()?;
    let server_keys = args
        .server_key
        .iter()
        .map(|key| flags::secret_key("--server-key", key))
        .collect::<Result<Vec<_>, _>>()?;
    let mut settings = Settings {
        allowed_origins: args.allow_origin,
        max_body_bytes: args.max_body,
        write_keys: args.write_key,
        admin_key,
        ip_rate_per_minute: args.rate_ip,
        key_rate_per_minute: args.rate_key,
        trust_proxy: args.trust_proxy,
        surveys_file: args.surveys,
        server_keys,
        fault_injection: args.fault_injection,
        ..Settings::default()
    };
    if let Some(stages) = args.stages {
        settings.stages = stages;
    }
    if let Some(path) = &args.admin_key_file {
        settings.admin_key = keys_from_file("--admin-key", path)?.into_iter().next();
    }
    if let Some(path) = &args.server_key_file {
        settings.server_keys.extend(keys_from_file("--server-key", path)?);
    }
    settings.www_dir = match (args.no_www, args.www) {
        (true, _) => None,
        (false, Some(dir)) => Some(dir),
        (false, None) => Some(PathBuf::from("www")).filter(|p| p.is_dir()),
    };
    let addr = format!("{}:{}", args.host, args.port)
        .parse()
        .map_err(|_| format!("--host: {:?} is not an IP address", args.host))?;
    Ok(Cli {
        store: args.store.address(),
        addr,
        settings,
    })
}

/// Refuses a definitions file that is not JSON; prints what the SDK would skip.
fn check_surveys(path: &std::path::Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let checked = parcours_collector::surveys::check(&text)?;
    say!(
        "  surveys:  {} definitions load from {}",
        checked.surveys,
        path.display()
    );
    for error in checked.errors {
        say!("  warning:  {error} (this survey is skipped by the SDK)");
    }
    Ok(())
}

fn stage_list(list: &str) -> Result<Vec<String>, String> {
    let stages: Vec<String> = list
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if stages.is_empty() {
        return Err(format!("expected stage names separated by commas, got {list:?}"));
    }
    Ok(stages)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(Command::Seed(seed)) = args.command {
        return seed_command(seed);
    }
    let cli = match parse_args(args.serve) {
        Ok(cli) => cli,
        Err(message) => {
            eprintln!("parcours-collector: {message}");
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &cli.settings.surveys_file {
        if let Err(message) = check_surveys(path) {
            eprintln!("parcours-collector: --surveys {}: {message}", path.display());
            return ExitCode::from(2);
        }
    }
    let store = match cli.store.open() {
        Ok(store) => store,
        Err(message) => {
            eprintln!("parcours-collector: {message}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(cli.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("parcours-collector: cannot listen on {}: {e}", cli.addr);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(cli.addr);
    let has_www = cli.settings.www_dir.is_some();
    // Tests read this line to learn the port.
    say!("parcours-collector listening on http://{addr}");
    say!("  store:    {}", store.describe());
    say!("  batches:  POST http://{addr}/v1/batch");
    say!("  sessions: http://{addr}/sessions");
    say!("  map:      http://{addr}/map");
    for warning in start_warnings(&cli.settings) {
        say!("  warning:  {warning}");
    }
    if has_www {
        say!("  demo:     http://{addr}/demo/");
    }
    if let Some(path) = &cli.settings.surveys_file {
        say!("  surveys:  http://{addr}/v1/surveys (from {})", path.display());
    }
    let app = router(store, cli.settings);
    parcours_collector::serve::serve(listener, app, stop_signal()).await;
    // Every request in progress has finished; the store closes as it drops.
    say!("parcours-collector: stopped");
    ExitCode::SUCCESS
}

/// What an operator should know before exposing this collector.
fn start_warnings(settings: &Settings) -> Vec<&'static str> {
    let mut warnings = Vec::new();
    if settings.admin_key.is_none() {
        warnings.push(
            "no --admin-key: every event, session page and the journey map can be read by anyone who reaches this address, and erasure is off",
        );
    }
    if settings.write_keys.is_empty() {
        warnings.push("no --write-key: batches from anyone are accepted");
    }
    if settings.fault_injection {
        warnings.push("--fault-injection: POST /v1/faults makes the batch route fail on purpose; never in production");
    }
    warnings
}

/// Ctrl-C or SIGTERM (what `docker stop`, systemd and Kubernetes send):
/// the server stops accepting and finishes what is in progress, then exits 0.
async fn stop_signal() {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    say!("parcours-collector: stopping (finishing the requests in progress)");
}

/// `parcours-collector seed …`: simulated visitors into the store.
fn seed_command(args: SeedArgs) -> ExitCode {
    let store = args.store.address();
    let options = parcours_collector::seed::SeedOptions {
        events: args.events,
        now: args.now.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64)
        }),
        days: args.days.max(1),
    };
    let if_empty = args.if_empty;
    let store = match store.open() {
        Ok(store) => store,
        Err(message) => {
            eprintln!("parcours-collector: {message}");
            return ExitCode::FAILURE;
        }
    };
    if if_empty && store.count_events().is_ok_and(|n| n > 0) {
        say!("seed: {} already holds events; nothing added", store.describe());
        return ExitCode::SUCCESS;
    }
    let started = std::time::Instant::now();
    let mut next_report = 100_000;
    let result = parcours_collector::seed::seed(&store, &options, |stored| {
        if stored >= next_report {
            say!("seed: {stored} events stored");
            next_report += 100_000;
        }
    });
    match result {
        Ok(seeded) => {
            let seconds = started.elapsed().as_secs_f64();
            say!(
                "seed: {} events of {} simulated visitors ({} sessions, {} offline touchpoints) into {} in {seconds:.1} s ({:.0} events/s)",
                seeded.events,
                seeded.visitors,
                seeded.sessions,
                seeded.offline,
                store.describe(),
                seeded.events as f64 / seconds.max(0.001)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("parcours-collector: seed: {e}");
            ExitCode::FAILURE
        }
    }
}
