//! Crash safety: `roundup import` and `roundup fetch` killed with SIGKILL at several points;
//! after each restart nothing committed is lost, nothing is duplicated, and the run completes.
//! Also: hostile HTML from sources never reaches a rendered page.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const N: usize = 10_000;

fn count(dir: &std::path::Path) -> i64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = roundup::store::Store::open(&dir.join("roundup.db"))
            .await
            .unwrap();
        let n = store.article_count().await.unwrap();
        store.close().await;
        n
    })
}

/// Starts `roundup args` in `dir`, kills it with SIGKILL after `after`, and reaps it.
fn run_and_kill(dir: &std::path::Path, args: &[&str], after: Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roundup"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let _ = child.kill(); // SIGKILL on Unix
    let _ = child.wait();
}

/// Kill points from a fixed seed, so the test is the same every run.
fn kill_points(seed: u64, n: usize, max_ms: u64) -> Vec<Duration> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            Duration::from_millis(150 + (x >> 33) % max_ms)
        })
        .collect()
}

#[test]
fn import_survives_sigkill_without_loss_or_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "roundup.toml", "[beat]\nname = \"Crash\"\n");
    let mut jsonl = String::new();
    for i in 0..N {
        jsonl.push_str(&format!(
            "{{\"id\": \"{i}\", \"source\": \"Wire {}\", \"title\": \"Item number {i} about retail\", \"link\": \"https://wire.example/{i}\", \"published\": \"2025-11-18T09:00:00Z\", \"summary\": \"Summary of item {i}.\"}}\n",
            i % 7
        ));
    }
    write(dir.path(), "items.jsonl", &jsonl);
    let start = Instant::now();
    let mut last = 0;
    for after in kill_points(7, 4, 1500) {
        run_and_kill(dir.path(), &["import", "items.jsonl"], after);
        let now = count(dir.path());
        assert!(now >= last, "committed articles were lost: {last} -> {now}");
        last = now;
    }
    let out = stdout_ok(&roundup(dir.path(), &["import", "items.jsonl"]));
    assert!(out.contains("bad lines"), "{out}");
    assert_eq!(count(dir.path()), N as i64, "every entry once, none twice");
    let again = stdout_ok(&roundup(dir.path(), &["import", "items.jsonl"]));
    assert!(
        again.contains(&format!("0 new, 0 updated, {N} unchanged")),
        "{again}"
    );
    assert!(start.elapsed() < Duration::from_secs(120));
}

#[test]
fn fetch_survives_sigkill_without_loss_or_duplicates() {
    let mut items = String::new();
    for i in 0..N {
        items.push_str(&format!("<item><title>Feed item {i}</title><link>http://127.0.0.1:9/{i}</link><guid>g{i}</guid></item>"));
    }
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Big</title>{items}</channel></rss>"
    );
    let server = serve(vec![(
        "/big.xml",
        ok("application/rss+xml", feed.into_bytes()),
    )]);
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "roundup.toml",
        &format!(
            "[fetch]\nfetch_articles = false\nallow_hosts = [\"127.0.0.1\"]\nmax_bytes = 10485760\n\n[[source]]\nname = \"Big\"\nurl = \"{}/big.xml\"\n",
            server.base
        ),
    );
    let mut last = 0;
    for after in kill_points(11, 4, 1500) {
        run_and_kill(dir.path(), &["fetch", "--force"], after);
        let now = count(dir.path());
        assert!(now >= last, "committed articles were lost: {last} -> {now}");
        last = now;
    }
    let out = stdout_ok(&roundup(dir.path(), &["fetch", "--force"]));
    assert!(out.contains(&format!("{N} entries")), "{out}");
    assert_eq!(count(dir.path()), N as i64, "every entry once, none twice");
}

#[test]
fn hostile_html_never_reaches_a_page() {
    let dir = tempfile::tempdir().unwrap();
    stdout_ok(&roundup(
        dir.path(),
        &["init", "--example", "china-digital"],
    ));
    write(
        dir.path(),
        "evil.jsonl",
        r#"{"source": "Evil <b onmouseover=alert(1)>Wire</b>", "title": "<script>alert('x')</script>Temu fined <img src=x onerror=alert(1)>", "link": "javascript:alert(document.cookie)", "published": "2025-11-19T10:00:00Z", "summary": "<style>body{display:none}</style><a href=\"javascript:alert(2)\" style=\"position:fixed\">Temu</a> was fined by the Dutch regulator over fake discounts."}
{"source": "Fine Wire", "title": "Temu fined 4 million euros by Dutch regulator", "link": "https://fine.example/temu", "published": "2025-11-19T11:00:00Z", "summary": "Temu was fined by the Dutch regulator over fake discounts."}
"#,
    );
    stdout_ok(&roundup(dir.path(), &["import", "evil.jsonl"]));
    let page = stdout_ok(&roundup(
        dir.path(),
        &[
            "draft",
            "--from",
            "2025-11-17",
            "--to",
            "2025-11-23",
            "--format",
            "html",
        ],
    ));
    // Look at the page's real tags, not at escaped text.
    let tags = regex::Regex::new(r"(?is)<[a-z][^>]*>").unwrap();
    let handler = regex::Regex::new(r"(?i)\son[a-z]+\s*=").unwrap();
    for tag in tags.find_iter(&page).map(|m| m.as_str()) {
        let lower = tag.to_lowercase();
        assert!(
            !lower.starts_with("<script") && !lower.starts_with("<img"),
            "{tag}"
        );
        assert!(!handler.is_match(tag), "event handler in {tag}");
        assert!(!lower.contains("javascript:"), "{tag}");
        assert!(
            lower.starts_with("<style") || lower.starts_with("<meta") || !lower.contains("style="),
            "{tag}"
        );
    }
    assert!(
        !page.contains("&lt;script"),
        "tag soup shown as text:\n{page}"
    );
    assert!(page.contains("Temu"), "{page}");
    let md = stdout_ok(&roundup(
        dir.path(),
        &["draft", "--from", "2025-11-17", "--to", "2025-11-23"],
    ));
    assert!(!md.to_lowercase().contains("javascript:"), "{md}");
}
