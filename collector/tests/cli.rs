//! The collector's command line, run as an operator runs it: values that
//! would start an open or unusable collector are refused before it listens.

use std::process::Command;

fn refused(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_parcours-collector"))
        .args(args)
        .args(["--port", "0", "--no-www", "--db", ":memory:"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "refused at start: {args:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_empty_or_short_admin_key_is_refused_with_the_minimum() {
    assert!(refused(&["--admin-key", ""]).contains("at least 16 characters"));
    assert!(refused(&["--admin-key", "a"]).contains("at least 16 characters"));
    assert!(refused(&["--server-key", "srv"]).contains("--server-key: a key needs at least 16"));
}

#[test]
fn an_origin_with_a_path_is_refused_with_the_reason() {
    let message = refused(&["--allow-origin", "https://shop.example/checkout"]);
    assert!(message.contains("is not an origin"), "{message}");
}

/// Starts the collector on a free port; the child and its address.
fn start() -> (std::process::Child, String) {
    let (child, addr, _) = start_with(&["--port", "0", "--no-www", "--db", ":memory:"], &[]);
    (child, addr)
}

/// Starts the collector with `args` and `env`; the child, its address and
/// its start banner (the lines after the first, as they come).
fn start_with(args: &[&str], env: &[(&str, &str)]) -> (std::process::Child, String, std::sync::mpsc::Receiver<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_parcours-collector"));
    command.args(args).envs(env.iter().copied());
    spawn(&mut command)
}

/// Runs `command` (the collector) with its stdout piped: the child, the
/// address its first line names, and the lines after it, as they come.
fn spawn(command: &mut Command) -> (std::process::Child, String, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    let mut child = command.stdout(std::process::Stdio::piped()).spawn().expect("runs");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first.rsplit("http://").next().unwrap().to_string();
    let (send, banner) = std::sync::mpsc::channel();
    // Keeps its stdout drained.
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(|line| drop(send.send(line))));
    (child, addr, banner)
}

/// The status line and body of `GET path` (with `Authorization: Bearer key` when given).
fn get(addr: &str, path: &str, key: Option<&str>) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let auth = key.map_or(String::new(), |k| format!("authorization: Bearer {k}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: x\r\n{auth}connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (head.lines().next().unwrap_or("").to_string(), body.to_string())
}

#[test]
fn version_flag_value_syntax_and_environment_variables_configure_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_parcours-collector"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("parcours-collector {}", env!("CARGO_PKG_VERSION"))
    );
    // A key from the environment (not on the command line, where `ps` shows it), --flag=value.
    let key = "0123456789abcdef-env";
    // A flag given twice takes its last value, as scripts that add to a base command line expect.
    let (mut child, addr, _) = start_with(
        &[
            "--port",
            "1",
            "--port=0",
            "--no-www",
            "--db=/nonexistent/dir/x.db",
            "--db=:memory:",
        ],
        &[("PARCOURS_ADMIN_KEY", key), ("PARCOURS_RATE_IP", "0")],
    );
    assert!(get(&addr, "/v1/events", None).0.contains(" 401"), "reads need the key");
    assert!(get(&addr, "/v1/events", Some(key)).0.contains(" 200"));
    child.kill().unwrap();
    // A bad value from the environment is refused like one on the command
    // line, and the refusal never repeats the key.
    let out = Command::new(env!("CARGO_BIN_EXE_parcours-collector"))
        .args(["--port", "0", "--no-www", "--db", ":memory:"])
        .env("PARCOURS_ADMIN_KEY", "tooShortKey")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("--admin-key: a key needs at least 16 characters"),
        "{message}"
    );
    assert!(!message.contains("tooShortKey"), "the key is not printed: {message}");
}

#[test]
fn keys_are_read_from_a_file_and_an_empty_file_is_refused() {
    let dir = std::env::temp_dir().join(format!("parcours-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("admin.key");
    std::fs::write(&file, "0123456789abcdef-file\n").unwrap();
    let path = file.to_str().unwrap();
    let (mut child, addr, _) = start_with(
        &["--port", "0", "--no-www", "--db", ":memory:", "--admin-key-file", path],
        &[],
    );
    assert!(get(&addr, "/v1/events", Some("0123456789abcdef-file"))
        .0
        .contains(" 200"));
    assert!(get(&addr, "/v1/events", None).0.contains(" 401"));
    child.kill().unwrap();
    std::fs::write(&file, "\n").unwrap();
    assert!(refused(&["--admin-key-file", path]).contains("holds no key"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ready_says_whether_the_store_answers_and_open_reads_are_warned_about() {
    let (mut child, addr, banner) = start_with(&["--port", "0", "--no-www", "--db", ":memory:"], &[]);
    assert_eq!(
        get(&addr, "/ready", None),
        ("HTTP/1.1 200 OK".to_string(), "ready".to_string())
    );
    let warned = std::iter::from_fn(|| banner.recv_timeout(std::time::Duration::from_secs(2)).ok())
        .any(|line| line.starts_with("  warning:  no --admin-key: every event"));
    assert!(warned, "the start banner warns that reads are open");
    child.kill().unwrap();
}

/// Whether the server closes `stream` within `wait` (a read answers 0 bytes).
fn closed_within(stream: &mut std::net::TcpStream, wait: std::time::Duration) -> bool {
    use std::io::Read;
    stream.set_read_timeout(Some(wait)).unwrap();
    matches!(stream.read(&mut [0u8; 64]), Ok(0) | Err(_)) && {
        // A timeout is an error too: tell it apart from a close.
        let mut probe = [0u8; 1];
        stream
            .set_read_timeout(Some(std::time::Duration::from_millis(10)))
            .unwrap();
        matches!(stream.read(&mut probe), Ok(0))
    }
}

fn health(addr: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(2)))
        .unwrap();
    let _ = stream.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

#[test]
fn idle_connections_are_closed_and_can_never_use_up_the_server() {
    use parcours_collector::serve::{HEADER_TIMEOUT, MAX_CONNECTIONS};
    let (mut child, addr) = start();
    assert!(health(&addr));
    // As many idle connections as the server takes: one more is closed at once.
    let mut idle: Vec<std::net::TcpStream> = (0..MAX_CONNECTIONS)
        .map(|_| std::net::TcpStream::connect(&addr).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut extra = std::net::TcpStream::connect(&addr).unwrap();
    assert!(
        closed_within(&mut extra, std::time::Duration::from_secs(2)),
        "one past the limit is closed, not left hanging"
    );
    // The idle ones are closed once the header timeout passes, and new clients are served again.
    let started = std::time::Instant::now();
    for stream in &mut idle {
        let left = (HEADER_TIMEOUT + std::time::Duration::from_secs(3)).saturating_sub(started.elapsed());
        assert!(
            closed_within(stream, left.max(std::time::Duration::from_millis(100))),
            "an idle connection is closed"
        );
    }
    assert!(health(&addr), "answers again");
    child.kill().unwrap();
}

/// Sends SIGTERM to `child` and waits for it to exit (failing after `limit`):
/// its exit status and how long it took.
fn stop_with_sigterm(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> (std::process::ExitStatus, std::time::Duration) {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, started.elapsed());
        }
        assert!(started.elapsed() < limit, "still running {limit:?} after SIGTERM");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn sigterm_stops_the_collector_cleanly_with_exit_0() {
    let (mut child, addr) = start();
    assert!(health(&addr));
    let (status, _) = stop_with_sigterm(&mut child, std::time::Duration::from_secs(15));
    assert_eq!(status.code(), Some(0), "exit 0, not killed by the signal (143)");
}

#[test]
fn at_sigterm_idle_connections_close_at_once_and_the_collector_exits() {
    let (mut child, addr) = start();
    // A browser's kept-alive connection, idle: it must not hold the stop up.
    let idle = std::net::TcpStream::connect(&addr).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let (status, took) = stop_with_sigterm(&mut child, std::time::Duration::from_secs(15));
    assert_eq!(status.code(), Some(0));
    assert!(took < std::time::Duration::from_secs(3), "took {took:?}");
    drop(idle);
}

#[test]
fn a_refused_request_is_one_log_line_with_its_reason_and_no_secret() {
    use std::io::{BufRead, Write};
    let (mut child, addr, _) = spawn(
        Command::new(env!("CARGO_BIN_EXE_parcours-collector"))
            .args([
                "--port",
                "0",
                "--no-www",
                "--db",
                ":memory:",
                "--log-format=json",
                "--write-key",
                "site_key_1",
            ])
            .stderr(std::process::Stdio::piped()),
    );
    // A batch with a wrong write key.
    let body = r#"{"v":1,"batchId":"b","sentAt":1,"writeKey":"wrong_secret_key","events":[]}"#;
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "POST /v1/batch HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    let _ = std::io::Read::read_to_string(&mut stream, &mut answer);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let mut errors = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let line = errors.next().unwrap().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let entry = parcours_core::json::parse(&line).unwrap_or_else(|_| panic!("not one JSON object: {line}"));
    assert_eq!(entry.get("msg").unwrap().as_str(), Some("refused"));
    assert_eq!(entry.get("status").unwrap().as_u64(), Some(401));
    assert_eq!(entry.get("code").unwrap().as_str(), Some("unauthorized"));
    assert!(!line.contains("wrong_secret_key"), "no key in the log: {line}");
}

/// The `PARCOURS_*` settings a deployment file gives: the systemd unit's
/// `Environment=` lines, or the Dockerfile's `ENV` (continued lines joined).
fn deploy_settings(file: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(format!("{}/../deploy/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let joined = text.replace("\\\n", " ");
    joined
        .lines()
        .filter_map(|line| line.strip_prefix("Environment=").or_else(|| line.strip_prefix("ENV ")))
        .flat_map(|line| line.split_whitespace())
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

/// Starts the collector with a deployment file's settings (the port made
/// free, the SQLite file and the admin key in `dir`) and checks that it
/// serves, reads its key and stops on SIGTERM within the unit's 15 s.
fn starts_as_deployed(file: &str, dir: &std::path::Path) {
    let settings = deploy_settings(file);
    assert!(
        settings.iter().any(|(k, _)| k == "PARCOURS_DB"),
        "{file} names the SQLite file"
    );
    let db = dir.join("parcours.db");
    let key_file = dir.join("admin-key");
    std::fs::write(&key_file, "deploy-test-admin-key-0123\n").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_parcours-collector"));
    for (key, value) in &settings {
        let value = match key.as_str() {
            "PARCOURS_DB" => db.to_str().unwrap().to_string(),
            "PARCOURS_PORT" => "0".to_string(),
            // The unit's credential (%d/admin-key), or the container's secret.
            "PARCOURS_ADMIN_KEY_FILE" => key_file.to_str().unwrap().to_string(),
            _ => value.clone(),
        };
        command.env(key, value);
    }
    let (mut child, addr, _) = spawn(&mut command);
    let addr = addr.replace("0.0.0.0", "127.0.0.1");
    assert!(health(&addr), "{file}: /health");
    assert_eq!(get(&addr, "/ready", None).0, "HTTP/1.1 200 OK", "{file}: /ready");
    if settings.iter().any(|(k, _)| k == "PARCOURS_ADMIN_KEY_FILE") {
        assert!(
            get(&addr, "/v1/events", None).0.contains(" 401"),
            "{file}: reads need the key"
        );
        let read = get(&addr, "/v1/events", Some("deploy-test-admin-key-0123")).0;
        assert!(read.contains(" 200"), "{file}: the key file was read: {read}");
    }
    assert!(db.exists(), "{file}: the SQLite file is where the settings say");
    let (status, _) = stop_with_sigterm(&mut child, std::time::Duration::from_secs(15));
    assert_eq!(status.code(), Some(0), "{file}: SIGTERM stops it cleanly");
}

#[test]
fn the_systemd_unit_and_the_dockerfile_start_the_collector_with_their_settings() {
    for file in ["parcours-collector.service", "Dockerfile"] {
        let dir = std::env::temp_dir().join(format!("parcours-deploy-{}-{file}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        starts_as_deployed(file, &dir);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn every_variable_the_deployment_files_set_is_one_the_collector_reads() {
    let help = Command::new(env!("CARGO_BIN_EXE_parcours-collector"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for file in ["parcours-collector.service", "Dockerfile", "README.md"] {
        let text = std::fs::read_to_string(format!("{}/../deploy/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let names = text.split("PARCOURS_").skip(1).map(|rest| {
            let end = rest
                .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
                .unwrap_or(rest.len());
            format!("PARCOURS_{}", &rest[..end])
        });
        for name in names {
            assert!(
                help.contains(&format!("[env: {name}")),
                "{file} sets {name}, which the collector does not read"
            );
        }
    }
}

/// systemd's own checks of the unit, where systemd-analyze is installed
/// (Debian's systemd package): it parses without a warning, and its
/// exposure score (`systemd-analyze security`) stays at 2.0 or below.
#[test]
fn the_systemd_unit_parses_and_is_hardened() {
    if Command::new("systemd-analyze").arg("--version").output().is_err() {
        eprintln!("systemd-analyze is not installed here: the unit's own checks are skipped");
        return;
    }
    let unit = std::fs::read_to_string(format!(
        "{}/../deploy/parcours-collector.service",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    // The unit as installed, with ExecStart pointing at this build.
    let dir = std::env::temp_dir().join(format!("parcours-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("parcours-collector.service");
    std::fs::write(
        &path,
        unit.replace(
            "/usr/local/bin/parcours-collector",
            env!("CARGO_BIN_EXE_parcours-collector"),
        ),
    )
    .unwrap();
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&verify.stderr),
        "",
        "systemd-analyze verify warns"
    );
    assert!(verify.status.success());
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--threshold=20"])
        .arg(&path)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&security.stdout);
    assert!(
        security.status.success(),
        "exposure above 2.0: {}",
        report.lines().last().unwrap_or("")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `POST path` with `body`: the status code, or `None` when the connection
/// failed or closed before an answer (the collector stopping or not up yet).
fn post(addr: &str, path: &str, body: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).ok()?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.get(9..12)?.parse().ok()
}

#[test]
fn batches_sent_through_a_sigterm_and_a_restart_are_all_stored_exactly_once() {
    const BATCHES: usize = 400;
    const PER_BATCH: usize = 25;
    let dir = std::env::temp_dir().join(format!("parcours-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("parcours.db");
    let db = db.to_str().unwrap().to_string();
    let args = ["--port", "0", "--no-www", "--db", db.as_str(), "--rate-ip", "0"];
    let (mut child, addr) = {
        let (child, addr, _) = start_with(&args, &[]);
        (child, addr)
    };
    let current = std::sync::Arc::new(std::sync::Mutex::new(addr));
    let delivered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));

    // A site's sender: every batch until the collector answers 200, as the SDK does.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let sender = {
        let current = current.clone();
        let delivered = delivered.clone();
        std::thread::spawn(move || {
            let mut retries = 0;
            for b in 0..BATCHES {
                let events: Vec<String> = (0..PER_BATCH)
                    .map(|e| {
                        format!(
                            r#"{{"id":"restart-{b}-{e}","type":"track","name":"n","ts":{},"visitorId":"v1","sessionId":"s1","context":{{"page":{{"url":"https://shop.example/","path":"/","title":"","referrer":""}},"library":{{"name":"parcours","version":"0.1.0"}}}}}}"#,
                            now + (b * PER_BATCH + e) as u64
                        )
                    })
                    .collect();
                let body = format!(
                    r#"{{"v":1,"batchId":"batch-{b}","sentAt":{now},"events":[{}]}}"#,
                    events.join(",")
                );
                loop {
                    let addr = current.lock().unwrap().clone();
                    if post(&addr, "/v1/batch", &body) == Some(200) {
                        delivered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        break;
                    }
                    retries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            }
            retries
        })
    };

    // SIGTERM once a part has arrived, while batches are still coming; then a restart on the same file.
    while delivered.load(std::sync::atomic::Ordering::SeqCst) < 40 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let (status, took) = stop_with_sigterm(&mut child, std::time::Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "exit 0 at SIGTERM");
    assert!(took < std::time::Duration::from_secs(5), "stopped within 5 s: {took:?}");
    let before_restart = delivered.load(std::sync::atomic::Ordering::SeqCst);
    assert!(before_restart < BATCHES, "batches were still coming when it stopped");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (mut child, addr, _) = start_with(&args, &[]);
    *current.lock().unwrap() = addr.clone();
    let retries = sender.join().unwrap();

    let (status, body) = get(&addr, "/v1/events?limit=100000", None);
    assert!(status.contains(" 200"), "{status}");
    let events = parcours_core::json::parse(&body).unwrap();
    let Some(parcours_core::json::Value::Array(events)) = events.get("events").cloned() else {
        panic!("no events in {}", &body[..body.len().min(200)]);
    };
    let ids: std::collections::HashSet<String> = events
        .iter()
        .filter_map(|e| e.get("id")?.as_str().map(str::to_string))
        .collect();
    assert_eq!(
        events.len(),
        BATCHES * PER_BATCH,
        "every event once ({retries} batches sent again)"
    );
    assert_eq!(ids.len(), BATCHES * PER_BATCH, "no event twice");
    assert!(retries > 0, "the restart happened while batches were being sent");
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
