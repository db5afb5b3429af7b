//! Feed bytes → entries, for RSS 0.9x–2.0, RSS 1.0, Atom 0.3/1.0 and JSON Feed 1.0/1.1.
//!
//! Parsing is done by feedparser-rs, a Rust port of Python's Universal Feed Parser that
//! recovers from broken markup the way feedparser does (measured against the alternative on
//! ../shared/eval/feeds; see BENCHMARKS.md). This module maps its result to
//! [`crate::model::Entry`]: HTML summaries become plain text, relative links are resolved
//! against `xml:base` and the feed's URL, and a document that is not a feed at all is an error.

use thiserror::Error;

use crate::model::Entry;
use crate::text::html::to_text;

/// A parsed feed.
#[derive(Debug, Clone, Default)]
pub struct Feed {
    /// The feed's title.
    pub title: Option<String>,
    /// The site the feed belongs to.
    pub link: Option<String>,
    /// Declared language (ISO 639-1).
    pub language: Option<String>,
    /// Whether the parser had to recover from malformed input.
    pub bozo: bool,
    /// Entries, in document order.
    pub entries: Vec<Entry>,
}

/// Why bytes could not be read as a feed.
#[derive(Debug, Error)]
pub enum FeedError {
    /// The bytes are not a feed (for example an HTML page or an error page).
    #[error("feed: not an RSS, Atom or JSON feed{}", detail(.0))]
    NotAFeed(Option<String>),
    /// The parser refused the input.
    #[error("feed: cannot parse: {0}")]
    Parse(String),
}

fn detail(d: &Option<String>) -> String {
    d.as_ref().map(|d| format!(" ({d})")).unwrap_or_default()
}

/// Parses feed bytes into feedparser-rs's full result, recovering what can be recovered;
/// both [`parse`] and the digest of `roundup feed` read this.
pub fn parse_document(bytes: &[u8]) -> Result<feedparser_rs::ParsedFeed, FeedError> {
    super::recover::parse(bytes).map_err(|e| FeedError::Parse(e.to_string()))
}

/// Parses feed bytes; `feed_url` resolves relative links.
pub fn parse(bytes: &[u8], feed_url: Option<&str>) -> Result<Feed, FeedError> {
    let parsed = parse_document(bytes)?;
    let known = !matches!(parsed.version, feedparser_rs::FeedVersion::Unknown);
    if !known && parsed.entries.is_empty() && parsed.feed.title.is_none() {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
        let hint = if head.contains("<html") {
            Some("got an HTML page; point the source at the site's feed URL".to_string())
        } else {
            parsed.bozo_exception.clone()
        };
        return Err(FeedError::NotAFeed(hint));
    }
    let base = feed_url.and_then(|u| url::Url::parse(u).ok());
    let language = parsed.feed.language.as_deref().map(lang_code);
    let entries = parsed
        .entries
        .iter()
        .filter_map(|e| map_entry(e, base.as_ref(), language.as_deref()))
        .collect();
    Ok(Feed {
        title: parsed.feed.title.as_deref().map(clean_line),
        link: parsed.feed.link.clone(),
        language,
        bozo: parsed.bozo,
        entries,
    })
}

fn lang_code(l: &str) -> String {
    l.split(['-', '_'])
        .next()
        .unwrap_or(l)
        .trim()
        .to_ascii_lowercase()
}

fn clean_line(s: &str) -> String {
    to_text(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Marks links Roundup made up for entries that have none.
const SYNTHETIC: &str = "#roundup-entry-";

/// Whether a link was made up for an entry without one (it names no page to fetch).
pub fn is_synthetic_link(link: &str) -> bool {
    link.contains(SYNTHETIC)
}

/// Maps one parsed entry; entries with neither a link nor a title are skipped. An entry with
/// a title but no link gets a stable made-up link (the feed's URL and a hash of its id or
/// title), so headline-only items are kept and never stored twice.
fn map_entry(
    e: &feedparser_rs::Entry,
    base: Option<&url::Url>,
    lang: Option<&str>,
) -> Option<Entry> {
    let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let link = e
        .link
        .as_deref()
        .and_then(non_empty)
        .or_else(|| e.links.iter().find_map(|l| non_empty(l.href.as_ref())))
        .or_else(|| {
            e.id.as_deref()
                .filter(|id| id.starts_with("http"))
                .map(str::to_string)
        })
        .and_then(|l| resolve(base, l.trim()));
    let title = e.title.as_deref().map(clean_line).unwrap_or_default();
    if link.is_none() && title.is_empty() {
        return None;
    }
    let link = link.or_else(|| {
        let base = base?;
        let key = e.id.as_deref().unwrap_or(&title);
        let mut u = base.clone();
        u.set_fragment(None);
        Some(format!(
            "{u}{SYNTHETIC}{:016x}",
            xxhash_rust::xxh3::xxh3_64(key.as_bytes())
        ))
    });
    let summary = e
        .summary
        .as_deref()
        .map(to_text)
        .filter(|s| !s.trim().is_empty());
    let text = e
        .content
        .iter()
        .map(|c| to_text(&c.value))
        .find(|t| !t.trim().is_empty());
    let published = e.published.or(e.updated).or(e.dc_date);
    let author = e
        .authors
        .first()
        .and_then(|a| a.name.as_deref())
        .or(e.author.as_deref())
        .map(super::recover::author_name)
        .filter(|a| !a.trim().is_empty());
    Some(Entry {
        guid: e.id.as_deref().map(str::to_string),
        title,
        link: link.unwrap_or_default(),
        published,
        summary,
        text,
        lang: lang.map(str::to_string),
        author,
    })
}

fn resolve(base: Option<&url::Url>, link: &str) -> Option<String> {
    match url::Url::parse(link) {
        Ok(u) => Some(u.to_string()),
        Err(_) => base.and_then(|b| b.join(link).ok()).map(|u| u.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_with_html_summary_and_relative_link() {
        let xml = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><language>zh-cn</language>
            <item><title>京东首店</title><link>/a/1.html</link><guid>a1</guid>
            <description>&lt;p&gt;京东MALL&lt;b&gt;试营业&lt;/b&gt;&lt;/p&gt;</description>
            <pubDate>Mon, 17 Nov 2025 09:00:00 +0800</pubDate></item></channel></rss>"#;
        let f = parse(xml.as_bytes(), Some("https://news.example.cn/rss.xml")).unwrap();
        assert_eq!(f.entries.len(), 1);
        let e = &f.entries[0];
        assert_eq!(e.link, "https://news.example.cn/a/1.html");
        assert_eq!(e.summary.as_deref(), Some("京东MALL试营业"));
        assert_eq!(e.lang.as_deref(), Some("zh"));
        assert_eq!(
            e.published.unwrap().to_rfc3339(),
            "2025-11-17T01:00:00+00:00"
        );
    }

    #[test]
    fn atom_and_json_feed() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
            <entry><id>urn:1</id><title>Temu probe</title><link href="https://x.org/1"/>
            <updated>2025-11-18T10:00:00Z</updated><content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>"#;
        let f = parse(atom.as_bytes(), None).unwrap();
        assert_eq!(f.entries[0].text.as_deref(), Some("Body"));
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","url":"https://x.org/j1","title":"Hello","content_text":"Plain","date_published":"2025-11-19T00:00:00Z"}]}"#;
        let f = parse(json.as_bytes(), None).unwrap();
        assert_eq!(f.entries[0].link, "https://x.org/j1");
        assert_eq!(f.entries[0].title, "Hello");
    }

    #[test]
    fn loopback_links_are_kept() {
        let xml = r#"<rss version="2.0"><channel><title>T</title>
            <item><title>A</title><link>http://127.0.0.1:8080/a.html</link></item>
            <item><title>B</title><link>http://127.0.0.1:8080/b.html</link></item></channel></rss>"#;
        let f = parse(xml.as_bytes(), Some("http://127.0.0.1:8080/feed.xml")).unwrap();
        let links: Vec<_> = f.entries.iter().map(|e| e.link.as_str()).collect();
        assert_eq!(
            links,
            vec![
                "http://127.0.0.1:8080/a.html",
                "http://127.0.0.1:8080/b.html"
            ]
        );
    }

    #[test]
    fn html_page_is_not_a_feed() {
        let err = parse(
            b"<!DOCTYPE html><html><body><p>Welcome</p></body></html>",
            None,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("not an RSS, Atom or JSON feed"),
            "{err}"
        );
    }
}
