//! Feed parsing: `roundup feed`, JSON Feed 1.0 and 1.1, and the recoveries real feeds need.

mod common;

use common::*;
use roundup::sources::{digest, feed};

fn digest_of(bytes: &[u8]) -> digest::Digest {
    let parsed = feed::parse_document(bytes).expect("parses");
    digest::of("t", &parsed)
}

#[test]
fn json_feed_1_0_and_1_1() {
    let d = digest_of(&fixture("jsonfeed-1.0.json"));
    assert_eq!(
        d.feed.title.as_deref(),
        Some("Roundup Test Wire (JSON Feed 1.0)")
    );
    assert_eq!(d.feed.link.as_deref(), Some("https://wire.example.org/"));
    assert_eq!(d.entries.len(), 2);
    let e = &d.entries[0];
    assert_eq!(
        e.id.as_deref(),
        Some("https://wire.example.org/2025/11/keeta")
    );
    assert_eq!(
        e.link.as_deref(),
        Some("https://wire.example.org/2025/11/keeta")
    );
    assert_eq!(e.published.as_deref(), Some("2025-11-18T06:00:00Z"));
    assert_eq!(
        e.summary_text.as_deref(),
        Some("Meituan's Keeta began taking orders on Tuesday.")
    );
    assert_eq!(e.author.as_deref(), Some("Lena Park"));
    assert_eq!(
        d.entries[1].summary_text.as_deref(),
        Some("Plain text body, no markup.")
    );
    assert_eq!(
        d.entries[1].published.as_deref(),
        Some("2025-11-19T08:00:00Z")
    );

    let d = digest_of(&fixture("jsonfeed-1.1.json"));
    assert_eq!(d.feed.language.as_deref(), Some("zh-CN"));
    let e = &d.entries[0];
    assert_eq!(e.title.as_deref(), Some("京东MALL北京首店试营业"));
    assert_eq!(
        e.summary_text.as_deref(),
        Some("京东MALL北京首店在通州试营业。")
    );
    assert_eq!(e.author.as_deref(), Some("李华"));
    assert_eq!(e.published.as_deref(), Some("2025-11-17T03:20:00Z"));

    // The pipeline reads the same parser: the entry keeps its content as text.
    let f = feed::parse(&fixture("jsonfeed-1.1.json"), None).unwrap();
    assert_eq!(
        f.entries[0].text.as_deref(),
        Some("11月17日，京东MALL北京首店在通州区开始试营业。")
    );
    assert_eq!(f.entries[0].author.as_deref(), Some("李华"));
}

#[test]
fn recovers_what_real_feeds_get_wrong() {
    // UTF-16 with a byte-order mark.
    let xml = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss version=\"2.0\"><channel><title>Wide ü</title><item><title>Item</title></item></channel></rss>";
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in xml.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let d = digest_of(&utf16);
    assert_eq!(d.feed.title.as_deref(), Some("Wide ü"));
    assert_eq!(d.entries.len(), 1);

    // RSS without a channel element.
    let d = digest_of(b"<rss version=\"2.0\"><item><title>Lonely item</title><link>http://x.example/1</link></item></rss>");
    assert_eq!(d.entries.len(), 1);
    assert_eq!(d.entries[0].title.as_deref(), Some("Lonely item"));

    // An entity XML does not declare.
    let d = digest_of(
        b"<rss version=\"2.0\"><channel><title>A&nbsp;B &copy; C</title></channel></rss>",
    );
    assert_eq!(
        d.feed.title.as_deref(),
        Some("A\u{a0}B \u{a9} C")
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .as_deref()
    );

    // A wrong encoding declaration: says UTF-8, bytes are Latin-1.
    let mut latin1 =
        b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Caf"
            .to_vec();
    latin1.push(0xE9);
    latin1.extend_from_slice(b"</title><item><title>x</title></item></channel></rss>");
    let d = digest_of(&latin1);
    assert!(
        d.feed
            .title
            .as_deref()
            .is_some_and(|t| t.starts_with("Caf")),
        "{:?}",
        d.feed.title
    );
    assert_eq!(d.entries.len(), 1);

    // Truncated CDATA at the end of the document.
    let d = digest_of(b"<rss version=\"2.0\"><channel><title>T</title><item><title>Cut</title><description><![CDATA[<p>half");
    assert_eq!(d.entries.len(), 1);
    assert_eq!(d.entries[0].title.as_deref(), Some("Cut"));

    // Links resolved against xml:base.
    let d = digest_of(b"<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"http://base.example/dir/\"><entry><title>B</title><link href=\"page.html\"/></entry></feed>");
    assert_eq!(
        d.entries[0].link.as_deref(),
        Some("http://base.example/dir/page.html")
    );
}

#[test]
fn junk_and_truncated_documents_never_panic() {
    let sources = [
        fixture("rss2.xml"),
        fixture("atom.xml"),
        fixture("jsonfeed.json"),
        fixture("jsonfeed-1.0.json"),
    ];
    for doc in &sources {
        for cut in (0..doc.len()).step_by(7) {
            let _ = feed::parse_document(&doc[..cut]);
            let _ = feed::parse(&doc[..cut], Some("http://x.example/feed"));
        }
    }
    let mut junk = Vec::new();
    let mut x: u32 = 12345;
    for _ in 0..20_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        junk.push((x >> 16) as u8);
    }
    let _ = feed::parse_document(&junk);
    let nested = "<rss><channel>".to_string() + &"<item><title>".repeat(2000);
    let _ = feed::parse_document(nested.as_bytes());
}

#[test]
fn feed_command_prints_digests_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.json",
        std::str::from_utf8(&fixture("jsonfeed-1.1.json")).unwrap(),
    );
    write(
        dir.path(),
        "b.xml",
        "<rss version=\"2.0\"><channel><title>B</title><item><title>Ann's item</title><author>ann@example.com (Ann)</author></item></channel></rss>",
    );
    let out = stdout_ok(&roundup(
        dir.path(),
        &["feed", "a.json", "b.xml", "missing.xml"],
    ));
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["file"], "a.json");
    assert_eq!(rows[0]["bozo"], false);
    assert_eq!(rows[0]["entries"][0]["title"], "京东MALL北京首店试营业");
    assert_eq!(rows[1]["feed"]["title"], "B");
    assert_eq!(rows[1]["entries"][0]["author"], "Ann");
    assert_eq!(rows[2]["file"], "missing.xml");
    assert!(rows[2]["error"].as_str().unwrap().contains("cannot read"));
}
