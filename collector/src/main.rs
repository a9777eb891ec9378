//! Command line of the collector. `parcours-collector --help` lists the flags.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use parcours_collector::app::{router, Settings};
use parcours_collector::flags;
use parcours_collector::store::Store;

const HELP: &str = "parcours-collector: receives Parcours batches into SQLite or ClickHouse

USAGE: parcours-collector [FLAGS]
       parcours-collector seed [--events N] [--days N] [--if-empty] [--db PATH | --store URL]

  --db PATH             SQLite file (default: parcours.db in the working directory)
  --store URL           store events in ClickHouse instead, over its HTTP interface:
                        clickhouse://[user[:password]@]host[:port][/database]
                        (port 8123 and database parcours by default; created
                        when missing)
  --host ADDR           address to listen on (default: 127.0.0.1)
  --port N              port (default: 8787; 0 picks a free one)
  --allow-origin URL    origin allowed to send from a browser (https://shop.example;
                        a trailing slash is dropped); repeat for several
                        (default: any origin)
  --max-body BYTES      largest accepted request body (default: 1000000)
  --www DIR             folder served at / (default: www/ when it exists)
  --no-www              serve no static files
  --write-key KEY       a key batches must carry (init({ writeKey })); repeat for
                        several (default: none, any batch is accepted)
  --admin-key KEY       key for reading events and pages and for erasure (at least
                        16 characters)
                        (Authorization: Bearer KEY; the pages take Basic auth
                        with KEY as the password); without it reads are open
                        and DELETE /v1/visitors/{id} is off
  --rate-ip N           batches a minute from one IP address, bursts of ten
                        seconds' worth (default: 1200; 0: unlimited)
  --rate-key N          batches a minute under one write key (default: 60000)
  --trust-proxy         behind one reverse proxy: per-IP limits count the address
                        it appends to X-Forwarded-For, not the proxy's own
  --surveys FILE        serves the survey definitions in FILE ({ \"surveys\": [ … ] },
                        as init({ surveys }) takes them) at GET /v1/surveys, for
                        init({ surveysUrl }); FILE is re-read when it changes
  --stages A,B,C        the site's stage model, in order: the journey map's columns
                        (default: awareness,consideration,decision,purchase,
                        retention,advocacy, as the SDK's)
  --server-key KEY      key (16+ characters) the site's servers send offline touchpoints with
                        (POST /v1/touchpoints, Authorization: Bearer KEY);
                        repeat for several (default: none, the route is off)
  --fault-injection     enables POST /v1/faults, which makes the batch route
                        fail on purpose (for delivery tests; never in production)
  --help                this text

seed: stores simulated visitors of the demo shop (their events, journeys,
survey answers and some offline touchpoints), then exits:
  --events N            at least N events (default: 1000000)
  --days N              visits spread over the last N days (default: 30, at least 17)
  --if-empty            only when the store holds no event yet
";

struct Cli {
    store: StoreAddress,
    addr: SocketAddr,
    settings: Settings,
}

/// Where events go: a SQLite file or a ClickHouse server.
#[derive(Debug, Clone)]
pub enum StoreAddress {
    Sqlite(PathBuf),
    ClickHouse(String),
}

impl StoreAddress {
    fn open(&self) -> Result<Store, String> {
        match self {
            StoreAddress::Sqlite(path) => {
                Store::open(path).map_err(|e| format!("cannot open database {}: {e}", path.display()))
            }
            StoreAddress::ClickHouse(url) => Store::clickhouse(url).map_err(|e| format!("cannot use the store: {e}")),
        }
    }
}

fn store_flag(value: String) -> Result<StoreAddress, String> {
    if value.starts_with("clickhouse://") {
        Ok(StoreAddress::ClickHouse(value))
    } else {
        Err(format!(
            "--store: expected clickhouse://host:8123/database, got {value:?} (a SQLite file is --db PATH)"
        ))
    }
}

fn parse_args(args: &[String]) -> Result<Option<Cli>, String> {
    let mut store = StoreAddress::Sqlite(PathBuf::from("parcours.db"));
    let mut host = "127.0.0.1".to_string();
    let mut port: u16 = 8787;
    let mut settings = Settings::default();
    let mut www: Option<PathBuf> = Some(PathBuf::from("www")).filter(|p| p.is_dir());
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--help" | "-h" => return Ok(None),
            "--db" => store = StoreAddress::Sqlite(PathBuf::from(value("--db")?)),
            "--store" => store = store_flag(value("--store")?)?,
            "--host" => host = value("--host")?,
            "--port" => {
                let v = value("--port")?;
                port = v
                    .parse()
                    .map_err(|_| format!("--port: expected a number from 0 to 65535, got {v:?}"))?;
            }
            "--allow-origin" => settings.allowed_origins.push(flags::origin(&value("--allow-origin")?)?),
            "--max-body" => {
                let v = value("--max-body")?;
                settings.max_body_bytes = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1_000)
                    .ok_or_else(|| format!("--max-body: expected a number of bytes >= 1000, got {v:?}"))?;
            }
            "--www" => {
                let dir = PathBuf::from(value("--www")?);
                if !dir.is_dir() {
                    return Err(format!("--www: {} is not a folder", dir.display()));
                }
                www = Some(dir);
            }
            "--no-www" => www = None,
            "--admin-key" => settings.admin_key = Some(flags::secret_key("--admin-key", &value("--admin-key")?)?),
            "--write-key" => settings.write_keys.push(flags::write_key(&value("--write-key")?)?),
            "--fault-injection" => settings.fault_injection = true,
            "--surveys" => settings.surveys_file = Some(PathBuf::from(value("--surveys")?)),
            "--trust-proxy" => settings.trust_proxy = true,
            "--server-key" => settings
                .server_keys
                .push(flags::secret_key("--server-key", &value("--server-key")?)?),
            "--stages" => settings.stages = stage_list(&value("--stages")?)?,
            "--rate-ip" => settings.ip_rate_per_minute = count("--rate-ip", &value("--rate-ip")?)?,
            "--rate-key" => settings.key_rate_per_minute = count("--rate-key", &value("--rate-key")?)?,
            other => return Err(format!("unknown flag {other:?} (see --help)")),
        }
    }
    let addr = format!("{host}:{port}")
        .parse()
        .map_err(|_| format!("--host: {host:?} is not an IP address"))?;
    settings.www_dir = www;
    Ok(Some(Cli { store, addr, settings }))
}

/// Refuses a definitions file that is not JSON; prints what the SDK would skip.
fn check_surveys(path: &std::path::Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let checked = parcours_collector::surveys::check(&text)?;
    println!(
        "  surveys:  {} definitions load from {}",
        checked.surveys,
        path.display()
    );
    for error in checked.errors {
        println!("  warning:  {error} (this survey is skipped by the SDK)");
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
        return Err(format!(
            "--stages: expected stage names separated by commas, got {list:?}"
        ));
    }
    Ok(stages)
}

fn count(flag: &str, v: &str) -> Result<u32, String> {
    v.parse()
        .map_err(|_| format!("{flag}: expected a whole number of batches a minute (0 for no limit), got {v:?}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("seed") {
        return seed_command(&args[1..]);
    }
    let cli = match parse_args(&args) {
        Ok(Some(cli)) => cli,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
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
    println!("parcours-collector listening on http://{addr}");
    println!("  store:    {}", store.describe());
    println!("  batches:  POST http://{addr}/v1/batch");
    println!("  sessions: http://{addr}/sessions");
    println!("  map:      http://{addr}/map");
    if cli.settings.write_keys.is_empty() {
        println!("  note:     no --write-key given, so batches from anyone are accepted");
    }
    if has_www {
        println!("  demo:     http://{addr}/demo/");
    }
    if let Some(path) = &cli.settings.surveys_file {
        println!("  surveys:  http://{addr}/v1/surveys (from {})", path.display());
    }
    let app = router(store, cli.settings);
    parcours_collector::serve::serve(listener, app, stop_signal()).await;
    // Every request in progress has finished; the store closes as it drops.
    println!("parcours-collector: stopped");
    ExitCode::SUCCESS
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
    println!("parcours-collector: stopping (finishing the requests in progress)");
}

/// `parcours-collector seed …`: simulated visitors into the store.
fn seed_command(args: &[String]) -> ExitCode {
    let mut store = StoreAddress::Sqlite(PathBuf::from("parcours.db"));
    let mut options = parcours_collector::seed::SeedOptions {
        events: 1_000_000,
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
        days: 30,
    };
    let mut if_empty = false;
    let mut it = args.iter();
    let parsed: Result<(), String> = (|| {
        while let Some(flag) = it.next() {
            let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
            let number = |name: &str, v: String| -> Result<u64, String> {
                v.parse()
                    .map_err(|_| format!("{name}: expected a whole number, got {v:?}"))
            };
            match flag.as_str() {
                "--events" => options.events = number("--events", value("--events")?)? as usize,
                "--days" => options.days = number("--days", value("--days")?)?.max(1),
                "--db" => store = StoreAddress::Sqlite(PathBuf::from(value("--db")?)),
                "--store" => store = store_flag(value("--store")?)?,
                "--if-empty" => if_empty = true,
                other => return Err(format!("seed: unknown flag {other:?} (see --help)")),
            }
        }
        Ok(())
    })();
    if let Err(message) = parsed {
        eprintln!("parcours-collector: {message}");
        return ExitCode::from(2);
    }
    let store = match store.open() {
        Ok(store) => store,
        Err(message) => {
            eprintln!("parcours-collector: {message}");
            return ExitCode::FAILURE;
        }
    };
    if if_empty && store.count_events().is_ok_and(|n| n > 0) {
        println!("seed: {} already holds events; nothing added", store.describe());
        return ExitCode::SUCCESS;
    }
    let started = std::time::Instant::now();
    let mut next_report = 100_000;
    let result = parcours_collector::seed::seed(&store, &options, |stored| {
        if stored >= next_report {
            println!("seed: {stored} events stored");
            next_report += 100_000;
        }
    });
    match result {
        Ok(seeded) => {
            let seconds = started.elapsed().as_secs_f64();
            println!(
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
