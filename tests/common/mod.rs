//! Shared helpers for the integration tests: a loopback fixture server and the binary.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Response, StatusCode, Uri, header};

/// A fixture served at a path.
#[derive(Clone)]
pub struct Fixture {
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub status: u16,
}

/// A loopback HTTP server on its own runtime; stops when dropped.
pub struct FixtureServer {
    pub base: String,
    _rt: tokio::runtime::Runtime,
}

/// Reads a file under tests/fixtures.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Serves `routes` (path → fixture) with ETag / If-None-Match support. `{BASE}` in bodies is
/// replaced by the server's base URL.
pub fn serve(routes: Vec<(&str, Fixture)>) -> FixtureServer {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let map: HashMap<String, Fixture> = routes
        .into_iter()
        .map(|(p, mut f)| {
            if let Ok(text) = String::from_utf8(f.body.clone()) {
                f.body = text.replace("{BASE}", &base).into_bytes();
            }
            (p.to_string(), f)
        })
        .collect();
    let app = Router::new().fallback(handler).with_state(Arc::new(map));
    rt.spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    FixtureServer { base, _rt: rt }
}

async fn handler(
    State(map): State<Arc<HashMap<String, Fixture>>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    let Some(f) = map.get(uri.path()) else {
        return Response::builder()
            .status(404)
            .body(Body::from("not found"))
            .unwrap();
    };
    let etag = format!(
        "\"{:x}\"",
        f.body.len() * 31 + f.body.first().copied().unwrap_or(0) as usize
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .body(Body::empty())
            .unwrap();
    }
    Response::builder()
        .status(f.status)
        .header(header::CONTENT_TYPE, f.content_type)
        .header(header::ETAG, etag)
        .body(Body::from(f.body.clone()))
        .unwrap()
}

/// A 200 fixture.
pub fn ok(content_type: &'static str, body: Vec<u8>) -> Fixture {
    Fixture {
        content_type,
        body,
        status: 200,
    }
}

/// The `roundup` binary, run in `dir` with `args`.
pub fn roundup(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roundup"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run roundup")
}

/// The `roundup` binary, run in `dir` with `args` and `input` on its standard input.
pub fn roundup_with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roundup"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run roundup");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("run roundup")
}

/// `roundup draft` of the sample week (17–23 November 2025) with `size` stories, as JSON.
pub fn draft_week_json(dir: &Path, size: usize) -> Output {
    let size = size.to_string();
    roundup(
        dir,
        &[
            "draft",
            "--from",
            "2025-11-17",
            "--to",
            "2025-11-23",
            "--size",
            &size,
            "--format",
            "json",
        ],
    )
}

/// A loopback port free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

/// Stdout of a successful run; panics with stderr otherwise.
pub fn stdout_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "roundup failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A plain HTTP/1.1 GET over loopback: (status, body).
pub fn http_get(addr: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// Polls until `addr` answers /healthz, or panics after `limit`.
pub fn wait_for(addr: &str, limit: Duration) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok((200, _)) = http_get(addr, "/healthz") {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server on {addr} did not come up within {limit:?}");
}

/// What the misbehaving server sends for a path.
pub enum Raw {
    /// These exact bytes (status line, headers and body), then close.
    Bytes(Vec<u8>),
    /// The head, then the body one byte per `interval`.
    Trickle(Vec<u8>, Duration),
    /// The head, then `n` zero bytes in chunks, without holding them in memory.
    Zeros(Vec<u8>, u64),
    /// Nothing for this long, then close.
    Stall(Duration),
}

/// A raw HTTP/1.1 response head.
pub fn head(status: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut h = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    h.into_bytes()
}

/// A loopback server that answers each request by `respond(path)`, one thread per
/// connection; it counts the requests it saw per path. Runs until the test process ends.
pub fn raw_server(
    respond: impl Fn(&str) -> Raw + Send + Sync + 'static,
) -> (String, Arc<std::sync::Mutex<HashMap<String, usize>>>) {
    use std::io::BufRead;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(std::sync::Mutex::new(HashMap::new()));
    let respond = Arc::new(respond);
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let respond = respond.clone();
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                // A client that connects and closes (or is killed) before sending a request
                // line made no request: nothing to count or answer.
                if reader.read_line(&mut line).is_err() || line.trim().is_empty() {
                    return;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                        break;
                    }
                }
                *counter.lock().unwrap().entry(path.clone()).or_insert(0) += 1;
                let mut out = stream;
                match respond(&path) {
                    Raw::Bytes(b) => {
                        let _ = out.write_all(&b);
                    }
                    Raw::Trickle(h, every) => {
                        let _ = out.write_all(&h);
                        for _ in 0..600 {
                            if out.write_all(b"x").and_then(|_| out.flush()).is_err() {
                                break;
                            }
                            std::thread::sleep(every);
                        }
                    }
                    Raw::Zeros(h, n) => {
                        let _ = out.write_all(&h);
                        let chunk = vec![0u8; 64 * 1024];
                        let mut left = n;
                        while left > 0 {
                            let k = left.min(chunk.len() as u64) as usize;
                            if out.write_all(&chunk[..k]).is_err() {
                                break;
                            }
                            left -= k as u64;
                        }
                    }
                    Raw::Stall(d) => std::thread::sleep(d),
                }
            });
        }
    });
    (base, hits)
}

/// A fresh, empty PostgreSQL database for one test, created on the server named by
/// `ROUNDUP_TEST_DATABASE_URL` (`.ci/postgres.sh` starts one and prints its URL). Without the
/// variable the PostgreSQL half of a test is skipped with a note, except under CI, where it
/// fails: CI must run every store test on both backends.
pub async fn pg_database() -> Option<String> {
    use sqlx::Connection;
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let admin = match std::env::var("ROUNDUP_TEST_DATABASE_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "CI must run the PostgreSQL tests: set ROUNDUP_TEST_DATABASE_URL (see .ci/postgres.sh)"
                );
            }
            eprintln!(
                "note: PostgreSQL half skipped; run `export ROUNDUP_TEST_DATABASE_URL=$(.ci/postgres.sh)` to include it"
            );
            return None;
        }
    };
    let name = format!(
        "rt_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {admin}: {e}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

/// [`pg_database`] for tests that are not async.
pub fn pg_database_blocking() -> Option<String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(pg_database())
}
pub mod site;
