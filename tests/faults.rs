//! `roundup fetch` against a loopback server that misbehaves in every way real servers do.
//! Each fault yields a clear per-source error or a sane fallback, and the rest of the run
//! goes on. Limits are short so that the whole run takes a few seconds.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::*;

fn rss(items: &str) -> Vec<u8> {
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>").into_bytes()
}

fn ok_body(ct: &str, body: &[u8]) -> Raw {
    let mut b = head(
        "200 OK",
        &[
            ("Content-Type", ct),
            ("Content-Length", &body.len().to_string()),
        ],
    );
    b.extend_from_slice(body);
    Raw::Bytes(b)
}

fn gzip_bomb() -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..100 {
        enc.write_all(&zeros).unwrap();
    }
    enc.finish().unwrap()
}

fn compressed(encoding: &str, body: &[u8]) -> Raw {
    let data = match encoding {
        "gzip" => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(body).unwrap();
            enc.finish().unwrap()
        }
        _ => {
            let mut out = Vec::new();
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                w.write_all(body).unwrap();
            }
            out
        }
    };
    let mut b = head(
        "200 OK",
        &[
            ("Content-Type", "application/rss+xml"),
            ("Content-Encoding", encoding),
            ("Content-Length", &data.len().to_string()),
        ],
    );
    b.extend_from_slice(&data);
    Raw::Bytes(b)
}

#[test]
fn every_fault_gives_a_clear_error_or_a_sane_fallback() {
    let bomb = gzip_bomb();
    let (base, hits) = raw_server(move |path| {
        match path {
        "/good.xml" => ok_body("application/rss+xml", &rss("<item><title>Good item</title><link>http://127.0.0.1:9/good</link></item>")),
        "/500.xml" => Raw::Bytes(head("500 Internal Server Error", &[("Content-Length", "0")])),
        "/429.xml" => Raw::Bytes(head("429 Too Many Requests", &[("Retry-After", "120"), ("Content-Length", "0")])),
        "/stall.xml" => Raw::Stall(Duration::from_secs(30)),
        "/trickle.xml" => Raw::Trickle(head("200 OK", &[("Content-Type", "application/rss+xml")]), Duration::from_millis(1000)),
        "/truncated.xml" => {
            let mut b = head("200 OK", &[("Content-Type", "application/rss+xml"), ("Content-Length", "5000")]);
            b.extend_from_slice(b"<rss version=\"2.0\"><channel><title>Cut");
            Raw::Bytes(b)
        }
        "/bomb.xml" => {
            let mut b = head("200 OK", &[("Content-Type", "application/rss+xml"), ("Content-Encoding", "gzip"), ("Content-Length", &bomb.len().to_string())]);
            b.extend_from_slice(&bomb);
            Raw::Bytes(b)
        }
        "/huge.xml" => Raw::Zeros(head("200 OK", &[("Content-Type", "application/rss+xml"), ("Content-Length", "104857600")]), 100 << 20),
        "/huge-chunked.xml" => Raw::Zeros(head("200 OK", &[("Content-Type", "application/rss+xml")]), 100 << 20),
        "/lying.xml" => {
            let xml = "<?xml version=\"1.0\" encoding=\"GBK\"?><rss version=\"2.0\"><channel><title>华东商报</title><item><title>京东MALL北京首店试营业</title><link>http://127.0.0.1:9/gbk</link></item></channel></rss>";
            let (bytes, _, _) = encoding_rs::GBK.encode(xml);
            ok_body("text/xml; charset=utf-8", &bytes)
        }
        "/invalid.xml" => ok_body("application/rss+xml", b"<rss version=\"2.0\"><channel><title>Broken & bad</title><item><title>Fish & chips <b>today</title><link>http://127.0.0.1:9/fish</link></item>"),
        "/loop.xml" => Raw::Bytes(head("302 Found", &[("Location", "/loop.xml"), ("Content-Length", "0")])),
        "/odd.xml" => ok_body("application/rss+xml", &rss(concat!(
            "<item><guid>same</guid><title>First with a guid</title><link>http://127.0.0.1:9/one</link></item>",
            "<item><guid>same</guid><title>Second, same guid</title><link>http://127.0.0.1:9/two</link></item>",
            "<item><title>Same link again</title><link>http://127.0.0.1:9/two</link></item>",
            "<item><title>From the future</title><link>http://127.0.0.1:9/future</link><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>",
            "<item><title>From 1970</title><link>http://127.0.0.1:9/epoch</link><pubDate>Thu, 01 Jan 1970 00:00:00 GMT</pubDate></item>",
            "<item><title>No link at all</title><description>Headline-only news without a link.</description></item>",
        ))),
        "/gzip.xml" => compressed("gzip", &rss("<item><title>Gzipped item</title><link>http://127.0.0.1:9/gz</link></item>")),
        "/brotli.xml" => compressed("br", &rss("<item><title>Brotli item</title><link>http://127.0.0.1:9/br</link></item>")),
        "/robots.txt" => ok_body("text/plain", b"User-agent: *\nDisallow: /private/\n"),
        "/private/feed.xml" => ok_body("application/rss+xml", &rss("<item><title>Secret</title></item>")),
        "/old.xml" => Raw::Bytes(head("301 Moved Permanently", &[("Location", "/new.xml"), ("Content-Length", "0")])),
        "/new.xml" => ok_body("application/rss+xml", &rss("<item><title>Moved item</title><link>http://127.0.0.1:9/moved</link></item>")),
        _ => Raw::Bytes(head("404 Not Found", &[("Content-Length", "0")])),
    }
    });
    let sources = [
        ("Good", "/good.xml"),
        ("Err500", "/500.xml"),
        ("Err429", "/429.xml"),
        ("Stall", "/stall.xml"),
        ("Trickle", "/trickle.xml"),
        ("Truncated", "/truncated.xml"),
        ("Bomb", "/bomb.xml"),
        ("Huge", "/huge.xml"),
        ("HugeChunked", "/huge-chunked.xml"),
        ("Lying", "/lying.xml"),
        ("Invalid", "/invalid.xml"),
        ("Loop", "/loop.xml"),
        ("Odd", "/odd.xml"),
        ("Robots", "/private/feed.xml"),
        ("Gzip", "/gzip.xml"),
        ("Brotli", "/brotli.xml"),
        ("Old", "/old.xml"),
    ];
    let mut config = String::from(
        "[beat]\nname = \"Faults\"\n\n[fetch]\ntimeout_secs = 2\nmax_bytes = 1048576\nper_host_interval_ms = 0\n\
         concurrency = 16\nfetch_articles = false\nallow_hosts = [\"127.0.0.1\", \"localhost\"]\n",
    );
    // The 429 source is on its own host name: a host that says "wait" is left alone by the
    // rest of the run, and every other source here shares 127.0.0.1.
    let other_host = base.replace("127.0.0.1", "localhost");
    for (name, path) in sources {
        let host = if name == "Err429" { &other_host } else { &base };
        config.push_str(&format!(
            "\n[[source]]\nname = \"{name}\"\nurl = \"{host}{path}\"\n"
        ));
    }
    config.push_str(
        "\n[[source]]\nname = \"Metadata\"\nurl = \"http://169.254.169.254/latest/meta-data/\"\n",
    );
    config.push_str(
        "\n[[source]]\nname = \"OtherLoopback\"\nurl = \"http://127.0.0.2:9/feed.xml\"\n",
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "roundup.toml", &config);

    let start = Instant::now();
    let out = stdout_ok(&roundup(dir.path(), &["fetch"]));
    let took = start.elapsed();
    let line = |name: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no line for {name}:\n{out}"))
            .to_string()
    };
    assert!(line("Good").contains("1 new"), "{out}");
    assert!(
        line("Err500").contains("server error (500 status code)"),
        "{out}"
    );
    assert!(
        line("Err429").contains("too many requests (429 status code); retry after 120 s"),
        "{out}"
    );
    assert!(line("Stall").contains("timed out after 2 s"), "{out}");
    assert!(line("Trickle").contains("timed out after 2 s"), "{out}");
    assert!(line("Truncated").contains("cut short"), "{out}");
    assert!(line("Bomb").contains("response body too large"), "{out}");
    assert!(line("Huge").contains("response body too large"), "{out}");
    assert!(
        line("HugeChunked").contains("response body too large"),
        "{out}"
    );
    assert!(line("Lying").contains("1 new"), "{out}");
    assert!(line("Invalid").contains("1 new"), "{out}");
    assert!(line("Loop").contains("more than 5 redirects"), "{out}");
    assert!(
        line("Robots").contains("robots.txt at") && line("Robots").contains("disallows"),
        "{out}"
    );
    assert!(line("Odd").contains("6 entries, 5 new"), "{out}");
    assert!(line("Old").contains("1 new"), "{out}");
    assert!(
        line("Metadata").contains("address guard") && line("Metadata").contains("cloud metadata"),
        "{out}"
    );
    assert!(line("OtherLoopback").contains("address guard"), "{out}");
    assert!(
        took < Duration::from_secs(30),
        "the run must not hang: {took:?}"
    );

    // What was stored is right: the lying charset decoded, dates made sane, no-link kept.
    let hits_of = |q: &str| stdout_ok(&roundup(dir.path(), &["search", q, "--format", "jsonl"]));
    assert!(hits_of("北京首店").contains("京东MALL北京首店试营业"));
    assert!(hits_of("chips").contains("Fish"));
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    for q in ["future", "1970"] {
        let row: serde_json::Value =
            serde_json::from_str(hits_of(q).lines().next().unwrap()).unwrap();
        assert_eq!(row["date"], today.as_str(), "{q}: {row}");
    }
    let nolink: serde_json::Value =
        serde_json::from_str(hits_of("Headline-only").lines().next().unwrap()).unwrap();
    assert!(
        nolink["link"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{base}/odd.xml#roundup-entry-")),
        "{nolink}"
    );

    // Health: failing sources back off; the 429 one not before its Retry-After; the moved
    // feed is fetched at its new address next time.
    let health = stdout_ok(&roundup(dir.path(), &["sources"]));
    let row = |name: &str| {
        health
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap()
            .to_string()
    };
    assert!(
        row("Err500").contains("failing") && row("Err500").contains("next attempt"),
        "{health}"
    );
    assert!(
        row("Old").contains("moved") && row("Old").contains("/new.xml"),
        "{health}"
    );
    assert!(row("Good").contains(" ok "), "{health}");
    let again = stdout_ok(&roundup(dir.path(), &["fetch"]));
    assert!(
        again
            .lines()
            .any(|l| l.starts_with("Err429") && l.contains("backing off")),
        "{again}"
    );
    let old_hits = hits.lock().unwrap().get("/old.xml").copied();
    assert_eq!(
        old_hits,
        Some(1),
        "the moved feed is asked for at its new URL"
    );
    assert!(
        again
            .lines()
            .any(|l| l.starts_with("Old") && l.contains("1 entries, 0 new")),
        "{again}"
    );
}

#[test]
fn a_host_asking_to_wait_is_left_alone_for_the_run() {
    use roundup::sources::fetch::{FetchError, FetchOptions, Fetcher, Validators};
    let (base, hits) = raw_server(|path| match path {
        "/busy" => Raw::Bytes(head(
            "503 Service Unavailable",
            &[("Retry-After", "60"), ("Content-Length", "0")],
        )),
        _ => ok_body("text/plain", b"fine"),
    });
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let f = Fetcher::new(FetchOptions {
            user_agent: "t".into(),
            timeout: Duration::from_secs(2),
            max_bytes: 1 << 20,
            per_host_interval: Duration::ZERO,
            concurrency: 2,
            guard: roundup::sources::guard::AddressGuard {
                allow_private: false,
                allow_hosts: vec!["127.0.0.1".into()],
            },
            robots: true,
            ..Default::default()
        })
        .unwrap();
        let none = Validators::default();
        let first = f.get(&format!("{base}/busy"), &none).await.unwrap_err();
        assert!(
            matches!(
                first,
                FetchError::Status {
                    status: 503,
                    retry_after: Some(60),
                    ..
                }
            ),
            "{first}"
        );
        let second = f.get(&format!("{base}/other"), &none).await.unwrap_err();
        assert!(matches!(second, FetchError::HostWaiting { .. }), "{second}");
        assert!(second.to_string().contains("Retry-After"));
    });
    assert_eq!(
        hits.lock().unwrap().get("/other"),
        None,
        "no request was sent to the waiting host"
    );
}

#[test]
fn per_host_concurrency_host_groups_and_request_budget() {
    use roundup::sources::fetch::{FetchError, FetchOptions, Fetcher, Validators};
    let (base, _hits) = raw_server(|path| match path {
        "/busy" => Raw::Bytes(head(
            "429 Too Many Requests",
            &[("Retry-After", "60"), ("Content-Length", "0")],
        )),
        "/slow" => {
            std::thread::sleep(Duration::from_millis(200));
            ok_body("text/plain", b"slow")
        }
        _ => ok_body("text/plain", b"fine"),
    });
    let other = base.replace("127.0.0.1", "localhost");
    let guard = roundup::sources::guard::AddressGuard {
        allow_private: false,
        allow_hosts: vec!["127.0.0.1".into(), "localhost".into()],
    };
    let options = |concurrency: usize, budget: u64, grouped: bool| FetchOptions {
        timeout: Duration::from_secs(5),
        per_host_interval: Duration::ZERO,
        concurrency: 8,
        guard: guard.clone(),
        robots: false,
        per_host_concurrency: concurrency,
        max_requests_per_host: budget,
        host_groups: if grouped {
            vec![(
                "loopback".into(),
                vec!["127.0.0.1".into(), "localhost".into()],
            )]
        } else {
            vec![]
        },
        ..Default::default()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let none = Validators::default();
        // One request at a time to one host: four 200 ms answers take at least 800 ms.
        let f = Fetcher::new(options(1, 100, false)).unwrap();
        let url = format!("{base}/slow");
        let start = Instant::now();
        let all = futures_util::future::join_all((0..4).map(|_| f.get(&url, &none))).await;
        assert!(all.iter().all(Result::is_ok));
        assert!(
            start.elapsed() >= Duration::from_millis(800),
            "{:?}",
            start.elapsed()
        );

        // The budget: the third request to the host is refused, another host is not.
        let f = Fetcher::new(options(2, 2, false)).unwrap();
        f.get(&format!("{base}/a"), &none).await.unwrap();
        f.get(&format!("{base}/b"), &none).await.unwrap();
        let spent = f.get(&format!("{base}/c"), &none).await.unwrap_err();
        assert!(
            matches!(spent, FetchError::Budget { max: 2, .. }),
            "{spent}"
        );
        assert!(spent.to_string().contains("max_requests_per_host"));
        f.get(&format!("{other}/d"), &none).await.unwrap();

        // A host group is one host: a Retry-After from 127.0.0.1 holds localhost too.
        let f = Fetcher::new(options(2, 100, true)).unwrap();
        assert!(f.get(&format!("{base}/busy"), &none).await.is_err());
        let held = f.get(&format!("{other}/e"), &none).await.unwrap_err();
        assert!(matches!(held, FetchError::HostWaiting { .. }), "{held}");
        let ungrouped = Fetcher::new(options(2, 100, false)).unwrap();
        assert!(ungrouped.get(&format!("{base}/busy"), &none).await.is_err());
        ungrouped.get(&format!("{other}/e"), &none).await.unwrap();
    });
}
