//! Scale-out benchmark: `roundup worker` processes sharing one PostgreSQL store.
//!
//! Serves SOURCES feeds from a loopback server spread over HOSTS loopback addresses
//! (127.0.1.1, 127.0.1.2, ...), each answering after a per-feed latency (log-uniform, 20 to
//! 800 ms) with a per-feed size (10 to 40 items, about 5 to 60 KB). For 1, 2 and 4 workers, on a
//! fresh database each time, it runs `roundup worker --once` in every worker at once and
//! reports jobs per second (sources fetched, parsed and stored per wall-clock second), and
//! duplicated work: feeds requested more than once and jobs claimed more than once (both must
//! be 0).
//!
//! Run: `export ROUNDUP_TEST_DATABASE_URL=$(.ci/postgres.sh); cargo bench --bench workers`
//! (`-- --sources N --workers 1,2,4` to change the sizes). The PostgreSQL server, the loopback
//! server and the workers share this machine's cores, as they would not in production.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use sqlx::Connection;

#[path = "common/args.rs"]
mod args;

use args::arg;

const HOSTS: usize = 100;

struct Feeds {
    hits: Vec<AtomicU32>,
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// Latency of feed `n`: log-uniform between 20 and 800 ms.
fn latency(n: usize) -> Duration {
    let u = (mix(n as u64) % 10_000) as f64 / 10_000.0;
    Duration::from_millis((20.0 * (40f64).powf(u)) as u64)
}

fn feed_body(n: usize) -> String {
    let items = 10 + (mix(n as u64 ^ 0xabc) % 31) as usize;
    let words = [
        "Alibaba",
        "JD.com",
        "Meituan",
        "Pinduoduo",
        "Temu",
        "Shein",
        "ByteDance",
        "Douyin",
        "instant",
        "retail",
        "discount",
        "festival",
        "regulator",
        "store",
        "opening",
        "tariff",
        "cross-border",
        "luxury",
        "prices",
        "platform",
        "merchants",
        "delivery",
        "subsidy",
        "users",
        "growth",
        "quarter",
        "revenue",
        "launch",
        "partnership",
        "expansion",
    ];
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Outlet {n}</title><link>https://outlet{n}.example/</link><description>Bench outlet {n}</description>\n"
    );
    for k in 0..items {
        let h = mix((n * 1000 + k) as u64);
        let len = 40 + (h % 160) as usize;
        let text: Vec<&str> = (0..len)
            .map(|i| words[(mix(h ^ i as u64) % words.len() as u64) as usize])
            .collect();
        let day = 1 + (h % 28);
        s.push_str(&format!(
            "<item><title>Outlet {n} story {k}: {} {} {}</title><link>https://outlet{n}.example/{k}</link><guid>o{n}-{k}</guid><pubDate>Tue, {day:02} Nov 2026 08:00:00 +0000</pubDate><description>{}.</description></item>\n",
            text[0], text[1], text[2], text.join(" ")
        ));
    }
    s.push_str("</channel></rss>\n");
    s
}

async fn feed(State(feeds): State<Arc<Feeds>>, Path(file): Path<String>) -> impl IntoResponse {
    let Some(n) = file
        .strip_suffix(".xml")
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|n| *n < feeds.hits.len())
    else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain")],
            String::new(),
        );
    };
    feeds.hits[n].fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(latency(n)).await;
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/rss+xml")],
        feed_body(n),
    )
}

fn host(i: usize) -> String {
    format!("127.0.1.{}", i + 1)
}

async fn fresh_database(admin: &str, name: &str) -> String {
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("reach PostgreSQL");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name}"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let mut url = url::Url::parse(admin).unwrap();
    url.set_path(&format!("/{name}"));
    url.to_string()
}

async fn claimed_twice(db: &str) -> (i64, i64) {
    let mut conn = sqlx::PgConnection::connect(db).await.unwrap();
    let row: (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*) FILTER (WHERE attempts > 1), COUNT(*) FILTER (WHERE done_at IS NOT NULL) FROM jobs",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    row
}

fn main() {
    let Ok(admin) = std::env::var("ROUNDUP_TEST_DATABASE_URL") else {
        eprintln!(
            "set ROUNDUP_TEST_DATABASE_URL first: export ROUNDUP_TEST_DATABASE_URL=$(.ci/postgres.sh)"
        );
        std::process::exit(2);
    };
    let sources: usize = arg("--sources", 10_000);
    let slots: usize = arg("--slots", 32);
    let workers: Vec<usize> = arg("--workers", "1,2,4".to_string())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    println!(
        "{sources} sources on {HOSTS} loopback hosts; latency 20-800 ms log-uniform; {slots} slots per worker"
    );
    println!(
        "| workers | wall s | jobs/s | articles | feeds requested twice | jobs claimed twice | worker CPU s |"
    );
    println!("|---|---|---|---|---|---|---|");
    for &n_workers in &workers {
        let feeds = Arc::new(Feeds {
            hits: (0..sources).map(|_| AtomicU32::new(0)).collect(),
        });
        let mut bases = Vec::new();
        for h in 0..HOSTS {
            let listener = rt
                .block_on(tokio::net::TcpListener::bind((host(h).as_str(), 0)))
                .expect("bind a loopback address");
            bases.push(format!("http://{}", listener.local_addr().unwrap()));
            let app = Router::new()
                .route("/feed/{file}", axum::routing::get(feed))
                .with_state(feeds.clone());
            rt.spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
        }
        let db = rt.block_on(fresh_database(
            &admin,
            &format!("bench_workers_{n_workers}"),
        ));
        let mut config = format!(
            "[beat]\nid = \"bench\"\nname = \"Bench\"\n\n[edition]\nwindow_days = 30\n\n[fetch]\nallow_private = true\nfetch_articles = false\nper_host_interval_ms = 0\nconcurrency = {slots}\nper_host_concurrency = 8\nrespect_robots = false\nmax_requests_per_host = 1000000\n\n",
        );
        for i in 0..sources {
            config.push_str(&format!(
                "[[source]]\nname = \"Outlet {i}\"\nurl = \"{}/feed/{i}.xml\"\n\n",
                bases[i % HOSTS]
            ));
        }
        let path = dir.path().join(format!("bench-{n_workers}.toml"));
        std::fs::write(&path, config).unwrap();
        // Migrate once, as an operator would before starting workers.
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_roundup"))
            .args(["--config", path.to_str().unwrap(), "migrate"])
            .env("ROUNDUP_DATABASE_URL", &db)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let start = Instant::now();
        let children: Vec<std::process::Child> = (0..n_workers)
            .map(|i| {
                std::process::Command::new(env!("CARGO_BIN_EXE_roundup"))
                    .args([
                        "--config",
                        path.to_str().unwrap(),
                        "worker",
                        "--once",
                        "--no-draft",
                        "--slots",
                        &slots.to_string(),
                        "--name",
                        &format!("bench-{i}"),
                    ])
                    .env("ROUNDUP_DATABASE_URL", &db)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut cpu = 0.0;
        let mut articles = 0u64;
        for child in children {
            let pid = child.id();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "worker {pid} failed");
            let report: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("worker report");
            articles += report["new_articles"].as_u64().unwrap_or(0);
            let _ = pid;
        }
        let wall = start.elapsed().as_secs_f64();
        // CPU of the children just reaped (user + system), from getrusage.
        let usage = rusage_children();
        cpu += usage;
        let twice = feeds
            .hits
            .iter()
            .filter(|h| h.load(Ordering::Relaxed) > 1)
            .count();
        let missed = feeds
            .hits
            .iter()
            .filter(|h| h.load(Ordering::Relaxed) == 0)
            .count();
        let (claimed_twice, done) = rt.block_on(claimed_twice(&db));
        assert_eq!(missed, 0, "every feed fetched");
        assert_eq!(done as usize, sources, "every job done");
        println!(
            "| {n_workers} | {wall:.1} | {:.0} | {articles} | {twice} | {claimed_twice} | {cpu:.1} |",
            sources as f64 / wall
        );
    }
}

/// User plus system CPU seconds of reaped children since the last call.
fn rusage_children() -> f64 {
    static LAST: std::sync::Mutex<f64> = std::sync::Mutex::new(0.0);
    let out = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name: cutime is field 16, cstime 17 (1-based), in clock ticks.
    let rest = out.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let total = (ticks(13) + ticks(14)) / 100.0;
    let mut last = LAST.lock().unwrap();
    let d = total - *last;
    *last = total;
    d
}
