//! `roundup run`, the long-running service: it polls the sources, builds the draft when
//! `[schedule] draft` fires, tells the editors by email, serves the desk and /metrics, and
//! stops cleanly on SIGTERM. Needs the test SMTP server (see tests/email.rs).

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{http_get, ok, serve, wait_for};

fn rss(items: &str) -> Vec<u8> {
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title><link>http://wire.example/</link>{items}</channel></rss>").into_bytes()
}

#[test]
fn the_service_polls_drafts_on_schedule_tells_editors_and_stops_on_sigterm() {
    let (smtp, maildir) = match (
        std::env::var("ROUNDUP_TEST_SMTP"),
        std::env::var("ROUNDUP_TEST_MAILDIR"),
    ) {
        (Ok(u), Ok(d)) => (u, std::path::PathBuf::from(d)),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must start the SMTP server"
            );
            eprintln!("skipped: no SMTP server; run eval \"$(.ci/smtp.sh)\" first");
            return;
        }
    };
    // Yesterday's news, so that the scheduled window (the days before today) holds it.
    let when = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc2822();
    let items: String = [
        ("Alibaba opens a Taobao store in Paris", "alibaba-paris"),
        ("Temu fined in the Netherlands", "temu-fine"),
    ]
    .iter()
    .map(|(title, slug)| {
        format!(
            "<item><title>{title}</title><link>http://wire.example/{slug}</link><guid>{slug}</guid><pubDate>{when}</pubDate><description>{title}. More in the report.</description></item>"
        )
    })
    .collect();
    let feeds = serve(vec![("/feed.xml", ok("application/rss+xml", rss(&items)))]);
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let addr = format!("127.0.0.1:{port}");
    let tag = format!(
        "run{}x{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
    );
    common::write(
        dir.path(),
        "roundup.toml",
        &format!(
            "[beat]\nid = \"run-test\"\nname = \"Run Test Weekly\"\ntimezone = \"Asia/Shanghai\"\n\
             [fetch]\nallow_hosts = [\"127.0.0.1\"]\nfetch_articles = false\n\
             [schedule]\ndraft = \"*/2 * * * * *\"\n\
             [serve]\naddr = \"{addr}\"\n\
             [email]\nsmtp_url = \"{smtp}\"\nfrom = \"Roundup <roundup@example.org>\"\n\
             [[source]]\nname = \"Wire\"\nurl = \"{}/feed.xml\"\n",
            feeds.base
        ),
    );
    let add = common::roundup_with_stdin(
        dir.path(),
        &[
            "user",
            "add",
            "ed",
            "--email",
            &format!("ed-{tag}@example.org"),
        ],
        "a long enough password\n",
    );
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_roundup"))
        .args(["run", "--tick-secs", "1"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&addr, Duration::from_secs(30));
    // Wait for a fetch, a scheduled draft and the editor's notice.
    let start = Instant::now();
    let (metrics, notice) = loop {
        let (_, metrics) = http_get(&addr, "/metrics").unwrap();
        let notice = std::fs::read_dir(&maildir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .find(|m| m.starts_with(&format!("X-Envelope-To: ed-{tag}@example.org")));
        let drafted = !metrics.contains("roundup_drafts_total 0\n");
        if (drafted && notice.is_some()) || start.elapsed() > Duration::from_secs(60) {
            break (metrics, notice);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    // SIGTERM stops it cleanly.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).ok();
    assert!(
        status.is_some_and(|s| s.success()),
        "did not stop cleanly: {stderr}"
    );
    assert!(stderr.contains("stopping"), "{stderr}");

    assert!(!metrics.contains("roundup_fetches_total 0\n"), "{metrics}");
    assert!(metrics.contains("roundup_articles 2\n"), "{metrics}");
    assert!(!metrics.contains("roundup_drafts_total 0\n"), "{metrics}");
    let notice = notice.unwrap_or_else(|| panic!("no notice to the editor; {stderr}"));
    assert!(
        notice.contains("Subject: Draft ready: Run Test Weekly"),
        "{notice}"
    );
    assert!(notice.contains(&format!("http://{addr}/desk")), "{notice}");
    assert!(
        notice.contains("Alibaba opens a Taobao store in Paris"),
        "{notice}"
    );
}
