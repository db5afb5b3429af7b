//! Email against a real SMTP server (aiosmtpd, started by `.ci/smtp.sh`, which CI runs): double
//! opt-in, the edition's MIME structure and headers, one-click unsubscribe, bounces and
//! temporary failures, and a send killed half-way that resumes without skipping anyone.
//!
//! The server's address comes from ROUNDUP_TEST_SMTP and the folder it saves messages to
//! from ROUNDUP_TEST_MAILDIR (`eval "$(.ci/smtp.sh)"` sets both). Without them these tests
//! are skipped, except under CI, where they fail.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::site::Site;

/// The test server's settings, or `None` (and a note) when it is not running.
fn smtp() -> Option<(String, PathBuf)> {
    match (
        std::env::var("ROUNDUP_TEST_SMTP"),
        std::env::var("ROUNDUP_TEST_MAILDIR"),
    ) {
        (Ok(url), Ok(dir)) => Some((url, PathBuf::from(dir))),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI must start the SMTP server: eval \"$(.ci/smtp.sh)\"")
        }
        _ => {
            eprintln!("skipped: no SMTP server; run eval \"$(.ci/smtp.sh)\" first");
            None
        }
    }
}

/// A tag unique to this test run, so that tests sharing the server read only their mail.
fn nonce(test: &str) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{test}{}x{t}", std::process::id())
}

/// Every message the server saved for a recipient containing `tag`: (recipient, raw).
fn mail_for(dir: &PathBuf, tag: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut names: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    names.sort();
    for path in names {
        let raw = std::fs::read(&path).unwrap();
        let first = raw.split(|&b| b == b'\n').next().unwrap_or_default();
        let first = String::from_utf8_lossy(first);
        if let Some(to) = first.strip_prefix("X-Envelope-To: ")
            && to.contains(tag)
        {
            out.push((to.trim().to_string(), raw));
        }
    }
    out
}

/// Waits until `n` messages for `tag` have arrived.
fn wait_mail(dir: &PathBuf, tag: &str, n: usize) -> Vec<(String, Vec<u8>)> {
    let start = Instant::now();
    loop {
        let got = mail_for(dir, tag);
        if got.len() >= n || start.elapsed() > Duration::from_secs(30) {
            return got;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn config(url: &str, per_minute: u32) -> String {
    format!(
        "[email]\nsmtp_url = \"{url}\"\nfrom = \"China Digital Digest <digest@example.org>\"\nper_minute = {per_minute}\nattempts = 2\n"
    )
}

fn header(m: &mailparse::ParsedMail, name: &str) -> String {
    use mailparse::MailHeaderMap;
    m.headers.get_first_value(name).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn double_opt_in_send_unsubscribe_and_bounces() {
    roundup::sources::fetch::install_crypto_provider();
    let Some((url, maildir)) = smtp() else { return };
    let tag = nonce("optin");
    let site = Site::start(&config(&url, 6000));
    let reader = format!("reader-{tag}@example.org");
    let lurker = format!("lurker-{tag}@example.org");
    let bounce = format!("bounce-{tag}@example.org");
    let busy = format!("busy-{tag}@example.org");

    // Double opt-in: subscribing sends a link, and only following it subscribes.
    for email in [&reader, &lurker] {
        let (status, page, _) = site.post("/subscribe", &[("email", email)]).await;
        assert_eq!(status, 200, "{page}");
    }
    let (status, _, _) = site
        .post("/subscribe", &[("email", "not an address")])
        .await;
    assert_eq!(status, 400);
    let confirmations = wait_mail(&maildir, &tag, 2);
    assert_eq!(confirmations.len(), 2);
    // Asking again within the hour gets the same answer and no second mail: the form cannot
    // be used to flood an inbox.
    let (status, page, _) = site.post("/subscribe", &[("email", &reader)]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Check your inbox"), "{page}");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(mail_for(&maildir, &tag).len(), 2);
    let (_, raw) = confirmations.iter().find(|(to, _)| to == &reader).unwrap();
    let parsed = mailparse::parse_mail(raw).unwrap();
    assert!(header(&parsed, "Subject").starts_with("Confirm your subscription"));
    let body = parsed.get_body().unwrap();
    let link = regex::Regex::new(r"http://[^\s]+/confirm/([0-9a-f]{64})")
        .unwrap()
        .captures(&body)
        .unwrap_or_else(|| panic!("{body}"));
    let path = format!("/confirm/{}", &link[1]);
    let (status, page, _) = site.get(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Subscribed"), "{page}");
    let (status, _, _) = site.get("/confirm/0000").await;
    assert_eq!(status, 404);
    // An address that bounces and one whose server is busy, both opted in elsewhere.
    for email in [&bounce, &busy] {
        common::stdout_ok(&site.roundup(&["subscribers", "add", "--confirmed", email]));
    }

    common::stdout_ok(&site.roundup(&["edition", "publish"]));
    let out = site.roundup(&["send", "2025-11-23"]);
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        !out.status.success(),
        "a failed address fails the command: {printed}"
    );
    assert!(
        printed.contains("1 sent now, 0 had it already, 1 failed, 1 bounced"),
        "{printed}"
    );

    // The edition went to the confirmed reader only, as HTML and text with the
    // unsubscribe headers.
    let all = wait_mail(&maildir, &tag, 3);
    let editions: Vec<_> = all.iter().skip(2).collect();
    assert_eq!(
        editions.len(),
        1,
        "{:?}",
        all.iter().map(|m| &m.0).collect::<Vec<_>>()
    );
    assert_eq!(editions[0].0, reader);
    let m = mailparse::parse_mail(&editions[0].1).unwrap();
    assert!(
        header(&m, "Subject").contains("China Digital Digest Weekly"),
        "{}",
        header(&m, "Subject")
    );
    assert_eq!(m.ctype.mimetype, "multipart/alternative");
    let kinds: Vec<&str> = m
        .subparts
        .iter()
        .map(|p| p.ctype.mimetype.as_str())
        .collect();
    assert_eq!(kinds, ["text/plain", "text/html"]);
    let text = m.subparts[0].get_body().unwrap();
    let html = m.subparts[1].get_body().unwrap();
    assert!(
        text.contains("1. ") && text.contains("Read on the web: http://"),
        "{text}"
    );
    assert!(
        html.contains("<!doctype html>") && html.contains("@media"),
        "responsive HTML"
    );
    assert!(header(&m, "Message-ID").starts_with("<2025-11-23."));
    assert_eq!(
        header(&m, "List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    let unsub = header(&m, "List-Unsubscribe");
    let unsub = unsub
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string();
    assert!(
        unsub.starts_with(&format!("http://{}/unsubscribe/", site.addr)),
        "{unsub}"
    );
    assert!(html.contains(&unsub) && text.contains(&unsub));

    // The bounce is marked and never written to again; the busy address failed after its
    // attempts and stays subscribed.
    let list = common::stdout_ok(&site.roundup(&["subscribers", "list"]));
    assert!(list.contains(&format!("{bounce}\tbouncing")), "{list}");
    assert!(list.contains(&format!("{busy}\tactive")), "{list}");
    assert!(list.contains(&format!("{lurker}\tpending")), "{list}");
    // Sending again sends nothing new.
    let again = String::from_utf8_lossy(&site.roundup(&["send", "2025-11-23"]).stdout).to_string();
    assert!(again.contains("0 sent now, 1 had it already"), "{again}");

    // One-click unsubscribe, as a mail client does it: a POST with no cookie.
    let path = unsub.split_once(&site.addr).unwrap().1.to_string();
    let (status, page, _) = site.post(&path, &[("List-Unsubscribe", "One-Click")]).await;
    assert_eq!(status, 200, "{page}");
    let csv = common::stdout_ok(&site.roundup(&["subscribers", "export"]));
    assert!(csv.starts_with("email,status,created_at,confirmed_at,last_error\n"));
    assert!(csv.contains(&format!("{reader},unsubscribed,")), "{csv}");
    assert!(csv.contains("550"), "the bounce's error is kept: {csv}");
    // The next edition skips the unsubscribed and the bouncing.
    common::stdout_ok(&site.roundup(&["edition", "publish"]));
    let out = String::from_utf8_lossy(&site.roundup(&["send", "2025-11-23-2"]).stdout).to_string();
    assert!(out.contains("0 sent now"), "{out}");
    let (_, metrics, _) = site.get("/metrics").await;
    assert!(
        metrics.contains("roundup_subscribers{status=\"bouncing\"} 1"),
        "{metrics}"
    );
}

#[test]
fn a_send_killed_half_way_resumes_without_skipping_anyone() {
    let Some((url, maildir)) = smtp() else { return };
    let tag = nonce("resume");
    // Ten messages a second: the kill lands between messages, as a crash would.
    let site = Site::start(&config(&url, 600));
    let addresses: Vec<String> = (0..30)
        .map(|i| format!("r{i:02}-{tag}@example.org"))
        .collect();
    let csv = format!("email\n{}\nnot-an-address\n", addresses.join("\n"));
    let file = common::write(&site.dir, "list.csv", &csv);
    let out = common::roundup(
        &site.dir,
        &[
            "subscribers",
            "import",
            "--confirmed",
            file.to_str().unwrap(),
        ],
    );
    let printed = common::stdout_ok(&out);
    assert!(printed.contains("30 added"), "{printed}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("list.csv:32:"),
        "bad lines are named"
    );
    common::stdout_ok(&site.roundup(&["edition", "publish"]));

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_roundup"))
        .args(["send", "2025-11-23"])
        .current_dir(&site.dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let before = wait_mail(&maildir, &tag, 8).len();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        (8..30).contains(&before),
        "killed half-way, after {before} messages"
    );

    let printed = common::stdout_ok(&site.roundup(&["send", "2025-11-23"]));
    let got = wait_mail(&maildir, &tag, 30);
    let mut per_address: HashMap<&str, Vec<String>> = HashMap::new();
    for (to, raw) in &got {
        let m = mailparse::parse_mail(raw).unwrap();
        per_address
            .entry(to.as_str())
            .or_default()
            .push(header(&m, "Message-ID"));
    }
    for a in &addresses {
        assert!(
            per_address.contains_key(a.as_str()),
            "{a} was skipped; {printed}"
        );
    }
    // Nobody twice, except possibly the one message in flight at the kill, which then
    // carries the same Message-ID, so mail systems fold it.
    let twice: Vec<_> = per_address
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .collect();
    assert!(twice.len() <= 1, "{twice:?}");
    for (_, ids) in twice {
        assert!(ids.len() == 2 && ids[0] == ids[1], "{ids:?}");
    }
    assert!(printed.contains("had it already"), "{printed}");
}
