//! `roundup worker`: several worker processes share one store's fetching. A worker killed
//! mid-job loses nothing (its jobs come back when their leases run out), no job is finished
//! twice, and the draft covers every stored article. Runs on PostgreSQL (the scale-out
//! backend) and on an SQLite file.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const FEEDS: usize = 40;

/// A loopback server of `FEEDS` RSS feeds, each with two items, answering after `delay`.
fn feed_server(
    delay: Duration,
) -> (
    String,
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
) {
    raw_server(move |path| {
        let Some(n) = path
            .strip_prefix("/feed/")
            .and_then(|s| s.strip_suffix(".xml"))
        else {
            return Raw::Bytes(head("404 Not Found", &[("Content-Length", "0")]));
        };
        std::thread::sleep(delay);
        let body = format!(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet {n}</title><link>https://outlet{n}.example/</link>
<item><title>Outlet {n} reports Meituan expands instant retail in city {n}</title><link>https://outlet{n}.example/a</link><guid>{n}-a</guid><pubDate>{date}</pubDate><description>Meituan said on Tuesday it would expand instant retail to city {n}, adding warehouses.</description></item>
<item><title>Outlet {n} notes JD.com opens store number {n}</title><link>https://outlet{n}.example/b</link><guid>{n}-b</guid><pubDate>{date}</pubDate><description>JD.com opened another store, its {n}th, in a new mall.</description></item>
</channel></rss>"#,
            date = chrono::Utc::now().to_rfc2822()
        );
        let mut out = head(
            "200 OK",
            &[
                ("Content-Type", "application/rss+xml"),
                ("Content-Length", &body.len().to_string()),
            ],
        );
        out.extend_from_slice(body.as_bytes());
        Raw::Bytes(out)
    })
}

fn config(base: &str, beat: &str, feeds: std::ops::Range<usize>) -> String {
    let mut c = format!(
        "[beat]\nid = \"{beat}\"\nname = \"Workers\"\n\n[fetch]\nallow_hosts = [\"127.0.0.1\"]\nfetch_articles = false\nper_host_interval_ms = 0\nper_host_concurrency = 64\nrespect_robots = false\n\n"
    );
    for i in feeds {
        c.push_str(&format!(
            "[[source]]\nname = \"Outlet {i}\"\nurl = \"{base}/feed/{i}.xml\"\n\n"
        ));
    }
    c
}

fn worker(dir: &std::path::Path, config: &str, db: Option<&str>, name: &str) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roundup"));
    cmd.args([
        "--config",
        config,
        "worker",
        "--once",
        "--lease-secs",
        "3",
        "--slots",
        "4",
        "--name",
        name,
    ])
    .current_dir(dir)
    .env("NO_COLOR", "1")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    match db {
        Some(url) => cmd.env("ROUNDUP_DATABASE_URL", url),
        None => cmd.env_remove("ROUNDUP_DATABASE_URL"),
    };
    cmd.spawn().expect("start a worker")
}

/// Waits for a worker to exit (60 s at most) and returns its JSON report.
fn finish(child: Child) -> serde_json::Value {
    let out = child.wait_with_output().unwrap();
    let stdout = stdout_ok(&out);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

struct Seen {
    articles: i64,
    sources_ok: usize,
    counts: roundup::store::JobCounts,
    draft_current: bool,
    draft_articles: usize,
}

fn seen(loc: roundup::store::Location, beat: &str) -> Seen {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = roundup::store::Store::connect(&loc, beat).await.unwrap();
        let sources = store.sources().await.unwrap();
        let mark = store.watermark().await.unwrap();
        let draft = store.latest_draft().await.unwrap();
        let s = Seen {
            articles: store.article_count().await.unwrap(),
            sources_ok: sources
                .iter()
                .filter(|s| s.last_status.as_deref() == Some("ok") && s.articles == 2)
                .count(),
            counts: store.job_counts().await.unwrap(),
            draft_current: store.draft_watermark().await.unwrap() == Some(mark),
            draft_articles: draft
                .map(|d| {
                    d.stories
                        .iter()
                        .chain(&d.bench)
                        .map(|s| s.articles.len() + s.also_carried_by.len())
                        .sum()
                })
                .unwrap_or(0),
        };
        store.close().await;
        s
    })
}

#[test]
fn postgres_workers_share_a_round_and_survive_a_kill() {
    let Some(db) = pg_database_blocking() else {
        return;
    };
    let (base, hits) = feed_server(Duration::from_millis(700));
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "roundup.toml",
        &config(&base, "default", 0..FEEDS),
    );

    // The victim starts alone and is killed while its first jobs wait on the server.
    let mut victim = worker(dir.path(), "roundup.toml", Some(&db), "victim");
    let started = Instant::now();
    while hits.lock().unwrap().values().sum::<usize>() < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the victim never fetched"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    victim.kill().unwrap(); // SIGKILL: no chance to give its jobs back
    let _ = victim.wait();
    let in_flight = hits.lock().unwrap().values().sum::<usize>();

    let workers: Vec<Child> = (0..3)
        .map(|i| worker(dir.path(), "roundup.toml", Some(&db), &format!("w{i}")))
        .collect();
    let reports: Vec<serde_json::Value> = workers.into_iter().map(finish).collect();

    let s = seen(roundup::store::Location::Postgres(db), "default");
    assert_eq!(s.sources_ok, FEEDS, "every source fetched and stored");
    assert_eq!(s.articles, 2 * FEEDS as i64, "no article lost or doubled");
    assert_eq!(s.counts.done, FEEDS as i64, "one finished job per source");
    assert_eq!((s.counts.queued, s.counts.running), (0, 0));
    assert!(
        s.counts.retried >= 1 && s.counts.retried <= 4,
        "the victim's jobs (at most its 4 slots) were redone: {:?}",
        s.counts
    );
    let planned: u64 = reports.iter().map(|r| r["planned"].as_u64().unwrap()).sum();
    assert_eq!(
        planned, 0,
        "the victim planned the round; nobody planned another"
    );
    let done: u64 = reports.iter().map(|r| r["done"].as_u64().unwrap()).sum();
    assert_eq!(done, FEEDS as u64, "{reports:?}");
    assert!(
        reports
            .iter()
            .filter(|r| r["done"].as_u64().unwrap() > 0)
            .count()
            >= 2,
        "the work was shared: {reports:?}"
    );
    // Requests beyond one per feed come only from the victim's unfinished jobs.
    let hits = hits.lock().unwrap();
    assert_eq!(hits.len(), FEEDS, "only the feeds were requested: {hits:?}");
    let extra: usize = hits.values().map(|n| n - 1).sum();
    assert!(
        extra <= in_flight && extra as i64 <= s.counts.retried,
        "extra {extra}, in flight at the kill {in_flight}"
    );
    assert!(s.draft_current, "the draft covers every article");
    assert_eq!(
        reports
            .iter()
            .map(|r| r["drafts"].as_u64().unwrap())
            .sum::<u64>(),
        1
    );
    assert!(s.draft_articles > 0);
}

#[test]
fn postgres_beats_share_one_database() {
    let Some(db) = pg_database_blocking() else {
        return;
    };
    let (base, hits) = feed_server(Duration::from_millis(10));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.toml", &config(&base, "beat-a", 0..6));
    write(dir.path(), "b.toml", &config(&base, "beat-b", 4..8));
    let a = worker(dir.path(), "a.toml", Some(&db), "a");
    let b = worker(dir.path(), "b.toml", Some(&db), "b");
    let (ra, rb) = (finish(a), finish(b));
    assert_eq!(ra["done"], 6);
    assert_eq!(rb["done"], 4);
    let sa = seen(roundup::store::Location::Postgres(db.clone()), "beat-a");
    let sb = seen(roundup::store::Location::Postgres(db), "beat-b");
    assert_eq!((sa.articles, sa.sources_ok), (12, 6));
    assert_eq!(
        (sb.articles, sb.sources_ok),
        (8, 4),
        "feeds 4 and 5 belong to both beats, stored once in each"
    );
    assert!(sa.draft_current && sb.draft_current);
    assert_eq!(hits.lock().unwrap().values().sum::<usize>(), 10);
}

#[test]
fn sqlite_workers_share_a_file() {
    let (base, hits) = feed_server(Duration::from_millis(50));
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "roundup.toml",
        &config(&base, "default", 0..FEEDS),
    );
    let workers: Vec<Child> = (0..2)
        .map(|i| worker(dir.path(), "roundup.toml", None, &format!("w{i}")))
        .collect();
    let reports: Vec<serde_json::Value> = workers.into_iter().map(finish).collect();
    let s = seen(
        roundup::store::Location::Sqlite(dir.path().join("roundup.db")),
        "default",
    );
    assert_eq!((s.articles, s.sources_ok), (2 * FEEDS as i64, FEEDS));
    assert_eq!((s.counts.done, s.counts.retried), (FEEDS as i64, 0));
    let hits = hits.lock().unwrap();
    assert!(hits.values().all(|n| *n == 1), "no feed fetched twice");
    assert_eq!(
        reports
            .iter()
            .map(|r| r["planned"].as_u64().unwrap())
            .sum::<u64>(),
        FEEDS as u64
    );
    assert!(s.draft_current);
}

#[test]
fn migrate_names_the_store_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "roundup.toml",
        "[beat]\nid = \"china-digital\"\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_roundup"))
        .arg("migrate")
        .current_dir(dir.path())
        .env_remove("ROUNDUP_DATABASE_URL")
        .output()
        .unwrap();
    let text = stdout_ok(&out);
    assert!(text.starts_with("sqlite store at "), "{text}");
    assert!(
        text.contains("schema version 8; beat \"china-digital\" has 0 articles"),
        "{text}"
    );

    let bad = Command::new(env!("CARGO_BIN_EXE_roundup"))
        .arg("migrate")
        .current_dir(dir.path())
        .env("ROUNDUP_DATABASE_URL", "mysql://x")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("must start with postgres://"));

    let Some(db) = pg_database_blocking() else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_roundup"))
        .arg("migrate")
        .current_dir(dir.path())
        .env("ROUNDUP_DATABASE_URL", &db)
        .output()
        .unwrap();
    let text = stdout_ok(&out);
    assert!(text.starts_with("postgres store at postgres://"), "{text}");
    assert!(text.contains("schema version 4;"), "{text}");
    // An unreachable server is named in the error, without its password.
    let down = Command::new(env!("CARGO_BIN_EXE_roundup"))
        .arg("migrate")
        .current_dir(dir.path())
        .env(
            "ROUNDUP_DATABASE_URL",
            "postgres://u:secret@127.0.0.1:9/nowhere?connect_timeout=2",
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&down.stderr);
    assert!(!down.status.success());
    assert!(
        err.contains("cannot open postgres://u:***@127.0.0.1:9/nowhere"),
        "{err}"
    );
    assert!(!err.contains("secret"), "{err}");
}
