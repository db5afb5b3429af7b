//! `roundup fetch` against a loopback server: every feed format, a 304 round trip, a broken
//! feed that does not stop the others, a GBK-encoded page, and Chinese search.

mod common;

use common::*;

fn config(base: &str) -> String {
    format!(
        r#"[beat]
name = "Fixture beat"
timezone = "Asia/Shanghai"

[fetch]
per_host_interval_ms = 5
timeout_secs = 5
allow_hosts = ["127.0.0.1"]

[[source]]
name = "RSS outlet"
url = "{base}/rss.xml"

[[source]]
name = "Atom outlet"
url = "{base}/atom.xml"

[[source]]
name = "JSON outlet"
url = "{base}/feed.json"

[[source]]
name = "Broken outlet"
url = "{base}/broken.xml"

[[source]]
name = "Gone outlet"
url = "{base}/gone.xml"
"#
    )
}

#[test]
fn fetch_formats_conditional_get_broken_feed_gbk_and_search() {
    let server = serve(vec![
        ("/rss.xml", ok("application/rss+xml", fixture("rss2.xml"))),
        ("/atom.xml", ok("application/atom+xml", fixture("atom.xml"))),
        (
            "/feed.json",
            ok("application/feed+json", fixture("jsonfeed.json")),
        ),
        (
            "/broken.xml",
            ok("text/html", fixture("html-instead-of-feed.xml")),
        ),
        (
            "/pages/temu-fine.html",
            ok("text/html; charset=utf-8", fixture("temu-fine.html")),
        ),
        (
            "/pages/temu-appeal.html",
            ok("text/html; charset=utf-8", fixture("temu-appeal.html")),
        ),
        // GBK bytes, declared only in a meta tag.
        (
            "/pages/jd-gbk.html",
            ok("text/html", fixture("gbk-meta-charset.html")),
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "roundup.toml", &config(&server.base));

    let first = roundup(dir.path(), &["fetch"]);
    let out = stdout_ok(&first);
    let line = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no report line for {name}:\n{out}"))
            .to_string()
    };
    assert!(
        line("RSS outlet").contains("ok     2 entries, 2 new"),
        "{out}"
    );
    assert!(
        line("RSS outlet").contains("1 pages failed (kept headline-only)"),
        "{out}"
    );
    assert!(line("Atom outlet").contains("1 entries, 1 new"), "{out}");
    assert!(line("JSON outlet").contains("1 entries, 1 new"), "{out}");
    assert!(line("Broken outlet").contains("error"), "{out}");
    assert!(
        line("Broken outlet").contains("not an RSS, Atom or JSON feed"),
        "{out}"
    );
    assert!(line("Broken outlet").contains("HTML page"), "{out}");
    assert!(
        line("Gone outlet").contains("not found (404 status code)"),
        "{out}"
    );

    // Conditional GET: nothing changed, every good feed answers 304.
    let second = stdout_ok(&roundup(dir.path(), &["fetch"]));
    for name in ["RSS outlet", "Atom outlet", "JSON outlet"] {
        let l = second.lines().find(|l| l.starts_with(name)).unwrap();
        assert!(l.contains(" 304 "), "{l}");
    }

    // The GBK page was decoded: words only in its body (not in the feed) are searchable.
    let hits = stdout_ok(&roundup(dir.path(), &["search", "送货上门"]));
    assert_eq!(hits.lines().count(), 1, "{hits}");
    assert!(hits.contains("京东MALL北京首店试营业"), "{hits}");
    assert!(hits.contains("JSON outlet"), "{hits}");
    let hits = stdout_ok(&roundup(
        dir.path(),
        &["search", "北京首店", "--format", "jsonl"],
    ));
    let v: serde_json::Value = serde_json::from_str(hits.lines().next().unwrap()).unwrap();
    assert_eq!(v["link"], format!("{}/pages/jd-gbk.html", server.base));
    assert_eq!(v["date"], "2025-11-17");

    // English search over extracted text, and the headline-only item is stored too.
    let hits = stdout_ok(&roundup(dir.path(), &["search", "countdown timers"]));
    assert!(hits.contains("Temu fined 4 million euros"), "{hits}");
    let hits = stdout_ok(&roundup(dir.path(), &["search", "Shein"]));
    assert!(hits.contains("Headline-only item"), "{hits}");

    // Health: the broken source shows its error.
    let sources = stdout_ok(&roundup(dir.path(), &["sources"]));
    assert!(sources.contains("Broken outlet"), "{sources}");
    assert!(
        sources.contains("not an RSS, Atom or JSON feed"),
        "{sources}"
    );
    let broken = sources
        .lines()
        .find(|l| l.starts_with("Broken outlet"))
        .unwrap();
    assert!(
        broken.contains("failing") && broken.contains("next attempt"),
        "{sources}"
    );
    assert!(
        sources
            .lines()
            .find(|l| l.starts_with("RSS outlet"))
            .unwrap()
            .contains(" ok "),
        "{sources}"
    );

    // A third fetch skips the failing sources until their next attempt; --force tries them.
    let third = stdout_ok(&roundup(dir.path(), &["fetch"]));
    assert!(
        third
            .lines()
            .any(|l| l.starts_with("Broken outlet") && l.contains("backing off")),
        "{third}"
    );
    let forced = stdout_ok(&roundup(dir.path(), &["fetch", "--force"]));
    assert!(
        forced
            .lines()
            .any(|l| l.starts_with("Broken outlet") && l.contains("error")),
        "{forced}"
    );
}

#[test]
fn fetch_without_config_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = roundup(dir.path(), &["fetch"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("roundup init"), "{err}");
}

mod fetcher {
    use std::time::{Duration, Instant};

    use roundup::sources::fetch::{FetchError, FetchOptions, Fetched, Fetcher, Validators};

    use super::common::*;

    fn options(gap_ms: u64, max_bytes: u64) -> FetchOptions {
        FetchOptions {
            user_agent: "roundup-test".into(),
            timeout: Duration::from_secs(5),
            max_bytes,
            per_host_interval: Duration::from_millis(gap_ms),
            concurrency: 4,
            guard: roundup::sources::guard::AddressGuard {
                allow_private: false,
                allow_hosts: vec!["127.0.0.1".into()],
            },
            robots: true,
            ..Default::default()
        }
    }

    #[test]
    fn requests_to_one_host_are_spaced_and_bodies_capped() {
        let server = serve(vec![
            ("/big", ok("text/plain", vec![b'x'; 64 * 1024])),
            ("/small", ok("text/plain", b"hi".to_vec())),
        ]);
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let f = Fetcher::new(options(150, 1024)).unwrap();
            let url = format!("{}/small", server.base);
            let none = Validators::default();
            let start = Instant::now();
            let gets: Vec<_> = (0..3).map(|_| f.get(&url, &none)).collect();
            for r in futures_util::future::join_all(gets).await {
                assert!(
                    matches!(r, Ok(Fetched::Page(ref p)) if p.body == b"hi"),
                    "{r:?}"
                );
            }
            // Three requests to one host with a 150 ms gap cannot finish before two gaps.
            assert!(
                start.elapsed() >= Duration::from_millis(300),
                "{:?}",
                start.elapsed()
            );

            let big = f
                .get(&format!("{}/big", server.base), &Validators::default())
                .await;
            let err = big.unwrap_err();
            assert!(
                matches!(err, FetchError::TooLarge { max: 1024, .. }),
                "{err}"
            );
            assert!(err.to_string().contains("max_bytes"), "{err}");

            let bad = f
                .get("ftp://example.org/feed", &Validators::default())
                .await
                .unwrap_err();
            assert!(bad.to_string().contains("not a valid http(s) URL"), "{bad}");
        });
    }
}

#[test]
fn source_commands_backup_and_restore() {
    let server = serve(vec![
        ("/rss.xml", ok("application/rss+xml", fixture("rss2.xml"))),
        ("/atom.xml", ok("application/atom+xml", fixture("atom.xml"))),
    ]);
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "roundup.toml",
        "# my beat\n[beat]\nname = \"Sources\"\n\n[fetch]\nfetch_articles = false\nper_host_interval_ms = 0\nallow_hosts = [\"127.0.0.1\"]\n",
    );
    // test previews without storing
    let preview = stdout_ok(&roundup(
        dir.path(),
        &["source", "test", &format!("{}/rss.xml", server.base)],
    ));
    assert!(preview.contains("Fixture RSS — 2 entries"), "{preview}");
    assert!(preview.contains("Temu fined 4 million euros"), "{preview}");
    assert!(
        !dir.path().join("roundup.db").exists(),
        "test stores nothing"
    );
    // add checks the feed, then edits the config keeping its comments
    stdout_ok(&roundup(
        dir.path(),
        &["source", "add", "Wire", &format!("{}/rss.xml", server.base)],
    ));
    stdout_ok(&roundup(
        dir.path(),
        &[
            "source",
            "add",
            "Atom wire",
            &format!("{}/atom.xml", server.base),
            "--lang",
            "en",
        ],
    ));
    let bad = roundup(
        dir.path(),
        &[
            "source",
            "add",
            "Nope",
            &format!("{}/missing.xml", server.base),
        ],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--no-test"));
    let text = std::fs::read_to_string(dir.path().join("roundup.toml")).unwrap();
    assert!(
        text.starts_with("# my beat") && text.contains("name = \"Atom wire\""),
        "{text}"
    );
    // pause skips a source until resumed
    stdout_ok(&roundup(dir.path(), &["source", "pause", "Wire"]));
    let out = stdout_ok(&roundup(dir.path(), &["fetch"]));
    assert!(
        out.lines()
            .any(|l| l.starts_with("Wire") && l.contains("paused")),
        "{out}"
    );
    assert!(stdout_ok(&roundup(dir.path(), &["sources"])).contains("paused"));
    stdout_ok(&roundup(dir.path(), &["source", "resume", "Wire"]));
    let out = stdout_ok(&roundup(dir.path(), &["fetch"]));
    assert!(
        out.lines()
            .any(|l| l.starts_with("Wire") && l.contains("2 new")),
        "{out}"
    );
    // backup, change, restore
    stdout_ok(&roundup(dir.path(), &["backup", "copy.db"]));
    assert!(
        !roundup(dir.path(), &["backup", "copy.db"]).status.success(),
        "never overwrites"
    );
    stdout_ok(&roundup(dir.path(), &["source", "remove", "Wire"]));
    let text = std::fs::read_to_string(dir.path().join("roundup.toml")).unwrap();
    assert!(
        !text.contains("name = \"Wire\"")
            && text.contains("Atom wire")
            && text.starts_with("# my beat"),
        "{text}"
    );
    write(
        dir.path(),
        "more.jsonl",
        "{\"title\": \"Later item\", \"link\": \"https://later.example/1\"}\n",
    );
    stdout_ok(&roundup(dir.path(), &["import", "more.jsonl"]));
    assert_eq!(
        stdout_ok(&roundup(dir.path(), &["search", "later"]))
            .lines()
            .count(),
        1
    );
    let restored = stdout_ok(&roundup(dir.path(), &["restore", "copy.db"]));
    assert!(restored.contains("3 articles"), "{restored}");
    assert_eq!(
        stdout_ok(&roundup(dir.path(), &["search", "later"]))
            .lines()
            .count(),
        0
    );
    write(dir.path(), "junk.db", "not a database");
    let junk = roundup(dir.path(), &["restore", "junk.db"]);
    assert!(String::from_utf8_lossy(&junk.stderr).contains("not a Roundup store"));
    assert_eq!(
        stdout_ok(&roundup(dir.path(), &["search", "Temu"]))
            .lines()
            .count(),
        2,
        "a failed restore changes nothing"
    );
}

#[test]
fn a_section_page_is_a_source() {
    let section = r#"<html><body><nav><a href="/">Home</a><a href="/retail/">Retail</a></nav>
        <h1>Retail</h1>
        <ul>
          <li><a href="/retail/2025/11/19/temu-fined-by-dutch-regulator">Temu fined 4 million euros by Dutch regulator</a></li>
          <li><a href="/retail/2025/11/20/temu-will-appeal">Temu will appeal the Dutch fine</a></li>
          <li><a href="/about">About us</a></li>
        </ul></body></html>"#;
    let server = serve(vec![
        (
            "/retail/",
            ok("text/html; charset=utf-8", section.as_bytes().to_vec()),
        ),
        (
            "/retail/2025/11/19/temu-fined-by-dutch-regulator",
            ok("text/html; charset=utf-8", fixture("temu-fine.html")),
        ),
        (
            "/retail/2025/11/20/temu-will-appeal",
            ok("text/html; charset=utf-8", fixture("temu-appeal.html")),
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "roundup.toml",
        &format!(
            "[fetch]\nper_host_interval_ms = 0\nallow_hosts = [\"127.0.0.1\"]\n\n[[source]]\nname = \"Retail section\"\nurl = \"{}/retail/\"\nkind = \"page\"\n",
            server.base
        ),
    );
    let out = stdout_ok(&roundup(dir.path(), &["fetch"]));
    assert!(out.contains("2 entries, 2 new"), "{out}");
    let hits = stdout_ok(&roundup(dir.path(), &["search", "countdown timers"]));
    assert!(
        hits.contains("Temu fined 4 million euros"),
        "the article page was fetched and extracted: {hits}"
    );
    assert!(stdout_ok(&roundup(dir.path(), &["search", "About"])).is_empty());
    let again = stdout_ok(&roundup(dir.path(), &["fetch"]));
    assert!(
        again.contains(" 304 "),
        "an unchanged section page costs a 304: {again}"
    );
    write(
        dir.path(),
        "bad.toml",
        "[[source]]\nname = \"X\"\nurl = \"https://x.example/\"\nkind = \"newsletter\"\n",
    );
    let bad = roundup(dir.path(), &["--config", "bad.toml", "check"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("kind \"newsletter\" is not known"));
}

#[test]
fn adaptive_polling_follows_each_feed() {
    let now = chrono::Utc::now();
    let items: String = (0..8)
        .map(|i| {
            let t = (now - chrono::Duration::hours(2 * i)).to_rfc2822();
            format!("<item><title>Item {i}</title><link>http://127.0.0.1:9/{i}</link><pubDate>{t}</pubDate></item>")
        })
        .collect();
    let feed =
        format!("<rss version=\"2.0\"><channel><title>Two-hourly</title>{items}</channel></rss>");
    let server = serve(vec![(
        "/feed.xml",
        ok("application/rss+xml", feed.into_bytes()),
    )]);
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "roundup.toml",
        &format!(
            "[fetch]\nper_host_interval_ms = 0\nfetch_articles = false\nallow_hosts = [\"127.0.0.1\"]\n\n[[source]]\nname = \"Two-hourly\"\nurl = \"{}/feed.xml\"\n",
            server.base
        ),
    );
    assert!(
        stdout_ok(&roundup(dir.path(), &["fetch", "--due"])).contains("8 new"),
        "never polled: due"
    );
    let sources = stdout_ok(&roundup(dir.path(), &["sources"]));
    assert!(
        sources.contains("polls every 60 min"),
        "half of a two-hour cadence: {sources}"
    );
    let due = stdout_ok(&roundup(dir.path(), &["fetch", "--due"]));
    assert!(due.contains("not due yet (adaptive polling)"), "{due}");
    let all = stdout_ok(&roundup(dir.path(), &["fetch"]));
    assert!(
        all.contains(" 304 "),
        "a plain fetch polls it anyway: {all}"
    );
}
