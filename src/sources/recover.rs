//! The recovery layer over feedparser-rs: what the Universal Feed Parser reads and it does not.
//!
//! Real feeds are messy, and a feed we misread is a story we miss. After feedparser-rs has
//! parsed a document, this module reads each item's raw XML once more and fills in what the
//! parser left out, the way Python's feedparser does:
//!
//! - entry links to loopback and private hosts, which feedparser-rs blanks (address policy is
//!   the fetcher's decision);
//! - summaries carried only in `<body>`, `<xhtml:body>` or `<fullitem>`;
//! - Atom 0.3 text in `mode="base64"`;
//! - dates in `dcterms:issued`, `dcterms:created`, `dc:date` and the like;
//! - authors written "Name (email)", "Name <email>" or "email (Name)", or only in
//!   `dc:author`;
//! - a namespace-prefixed RSS document (`<r:rss>`) with no default namespace, which the parser
//!   does not recognise at all: it is parsed again with the prefix removed;
//! - the feed's language from the root element's `xml:lang`.
//!
//! Items are matched with parsed entries by position, and only when both counts agree.

use std::sync::LazyLock;

use base64::Engine;
use feedparser_rs::{ParsedFeed, TextConstruct, TextType};
use regex::Regex;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

static ITEM: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?is)<(?:[\w.-]+:)?(?:item|entry)[\s>].*?</(?:[\w.-]+:)?(?:item|entry)\s*>")
});
static RSS_LINK: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?is)<link\s*>\s*(?:<!\[CDATA\[)?\s*([^<\s]+?)\s*(?:\]\]>)?\s*</link\s*>")
});
static ATOM_LINK: LazyLock<Regex> = LazyLock::new(|| re(r"(?is)<link\b([^>]*)/?>"));
static HREF: LazyLock<Regex> = LazyLock::new(|| re(r#"(?is)\bhref\s*=\s*["']([^"']+)["']"#));
static REL: LazyLock<Regex> = LazyLock::new(|| re(r#"(?is)\brel\s*=\s*["']([^"']+)["']"#));
static BODY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)<((?:[\w.-]+:)?(?:body|fullitem))(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?(?:body|fullitem)\s*>",
    )
});
static BASE64_ELEMENT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?is)<(title|summary|content)\b[^>]*\bmode\s*=\s*["']base64["'][^>]*>(.*?)</(?:title|summary|content)\s*>"#,
    )
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)<(?:[\w.-]+:)(?:date|issued|created|modified)(?:\s[^>]*)?>\s*([^<]+?)\s*</(?:[\w.-]+:)(?:date|issued|created|modified)\s*>",
    )
});
static AUTHOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)<(?:[\w.-]+:)?(?:author|creator)(?:\s[^>]*)?>\s*([^<]+?)\s*</(?:[\w.-]+:)?(?:author|creator)\s*>",
    )
});
static ROOT_LANG: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?is)<(?:[\w.-]+:)?(?:rss|feed|RDF)\b[^>]*\bxml:lang\s*=\s*["']([^"']+)["']"#)
});
static SOURCE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?is)<(?:[\w.-]+:)?source\b[^>]*>.*?</(?:[\w.-]+:)?source\s*>"));
static PREFIXED_RSS: LazyLock<Regex> = LazyLock::new(|| re(r"(?is)<([\w.-]+):rss\b"));
static NAME_EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(.*?)\s*[(<]\s*([^()<>\s]+@[^()<>\s]+)\s*[)>]\s*$"));
static EMAIL_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*([^()<>\s]+@[^()<>\s]+)\s*\(\s*(.+?)\s*\)\s*$"));

/// Parses with feedparser-rs and applies every recovery.
pub fn parse(bytes: &[u8]) -> Result<ParsedFeed, feedparser_rs::FeedError> {
    let mut parsed = feedparser_rs::parse(bytes)?;
    let text = decode(bytes, &parsed.encoding);
    if parsed.entries.is_empty()
        && parsed.feed.title.is_none()
        && let Some(prefix) = PREFIXED_RSS.captures(&text).map(|c| c[1].to_string())
    {
        let unprefixed = strip_prefix(&text, &prefix);
        if let Ok(again) = feedparser_rs::parse(unprefixed.as_bytes()) {
            parsed = again;
        }
    }
    apply(&text, &mut parsed);
    Ok(parsed)
}

/// The document as text, in the encoding the parser found.
fn decode(bytes: &[u8], label: &str) -> String {
    let enc = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    enc.decode(bytes).0.into_owned()
}

/// Removes one namespace prefix from element names (`<r:item>` → `<item>`).
fn strip_prefix(text: &str, prefix: &str) -> String {
    text.replace(&format!("<{prefix}:"), "<")
        .replace(&format!("</{prefix}:"), "</")
}

/// Fills in what the parser left out, from the document's raw text.
pub fn apply(text: &str, parsed: &mut ParsedFeed) {
    if parsed.feed.language.is_none()
        && let Some(c) = ROOT_LANG.captures(text)
    {
        parsed.feed.language = Some(c[1].trim().into());
    }
    let first_item = ITEM.find(text).map_or(text.len(), |m| m.start());
    if let Some(title) = base64_text(&text[..first_item], "title") {
        parsed.feed.title = Some(title);
    }
    let items: Vec<&str> = ITEM.find_iter(text).map(|m| m.as_str()).collect();
    if items.len() != parsed.entries.len() {
        return;
    }
    for (entry, item) in parsed.entries.iter_mut().zip(items) {
        // An entry's <source> describes the feed it came from, not the entry.
        let item = &*SOURCE.replace_all(item, "");
        if entry.link.as_deref().is_none_or(|l| l.trim().is_empty())
            && let Some(link) = raw_link(item)
        {
            entry.link = Some(link);
        }
        if let Some(t) = base64_text(item, "title") {
            entry.title = Some(t);
        }
        if let Some(s) = base64_text(item, "summary") {
            entry.summary = Some(s);
        }
        if let Some(c) = base64_text(item, "content")
            && let Some(first) = entry.content.first_mut()
        {
            first.value = c;
        }
        if entry.summary.is_none()
            && entry.content.is_empty()
            && let Some(html) = body_html(item)
        {
            entry.summary = Some(html.clone());
            entry.summary_detail = Some(TextConstruct {
                content_type: TextType::Html,
                ..TextConstruct::text(html)
            });
        }
        if entry.published.is_none() && entry.updated.is_none() {
            entry.published = DATE
                .captures_iter(item)
                .find_map(|c| feedparser_rs::util::date::parse_date(c[1].trim()));
        }
        fix_author(entry, item);
    }
}

/// An item's own link as written, for a link the parser left empty.
fn raw_link(item: &str) -> Option<String> {
    let rss = RSS_LINK.captures(item).map(|c| c[1].to_string());
    let atom = || {
        ATOM_LINK.captures_iter(item).find_map(|c| {
            let attrs = &c[1];
            let rel = REL.captures(attrs).map(|r| r[1].to_ascii_lowercase());
            if rel.is_none_or(|r| r == "alternate") {
                HREF.captures(attrs).map(|h| h[1].to_string())
            } else {
                None
            }
        })
    };
    rss.or_else(atom)
        .map(|l| l.replace("&amp;", "&"))
        .filter(|l| !l.is_empty())
}

/// The decoded text of a `mode="base64"` element with this name, if any.
fn base64_text(xml: &str, name: &str) -> Option<String> {
    BASE64_ELEMENT
        .captures_iter(xml)
        .find(|c| c[1].eq_ignore_ascii_case(name))
        .and_then(|c| {
            let compact: String = c[2].chars().filter(|ch| !ch.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .ok()?;
            String::from_utf8(bytes).ok()
        })
}

/// HTML from `<body>`/`<xhtml:body>` (markup) or `<fullitem>` (escaped HTML or CDATA).
fn body_html(item: &str) -> Option<String> {
    let c = BODY.captures(item)?;
    let local = c[1].rsplit(':').next().unwrap_or("").to_ascii_lowercase();
    let inner = c[2].trim();
    let html = if let Some(cdata) = inner
        .strip_prefix("<![CDATA[")
        .and_then(|r| r.strip_suffix("]]>"))
    {
        cdata.to_string()
    } else if local == "fullitem" {
        xml_unescape(inner)
    } else {
        inner.to_string()
    };
    (!html.trim().is_empty()).then_some(html)
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The display name in "Name (email)", "Name <email>" or "email (Name)"; the text otherwise.
pub fn author_name(raw: &str) -> String {
    if let Some(c) = EMAIL_NAME.captures(raw) {
        return c[2].to_string();
    }
    if let Some(c) = NAME_EMAIL.captures(raw)
        && !c[1].trim().is_empty()
    {
        return c[1].to_string();
    }
    raw.trim().to_string()
}

fn fix_author(entry: &mut feedparser_rs::Entry, item: &str) {
    let has_name = entry
        .authors
        .first()
        .is_some_and(|a| a.name.as_deref().is_some_and(|n| !n.trim().is_empty()));
    let raw = entry.author.as_deref().map(str::to_string).or_else(|| {
        (!has_name)
            .then(|| AUTHOR.captures(item).map(|c| c[1].to_string()))
            .flatten()
    });
    let Some(raw) = raw else { return };
    let name = author_name(&raw);
    if name != raw || entry.author.is_none() {
        if let Some(first) = entry.authors.first_mut() {
            if first
                .name
                .as_deref()
                .is_none_or(|n| n.trim().is_empty() || n.trim() == raw.trim())
            {
                first.name = Some(name.as_str().into());
            }
        } else if !has_name {
            entry.author = Some(name.as_str().into());
        }
        if entry
            .author
            .as_deref()
            .is_some_and(|a| a.trim() == raw.trim())
        {
            entry.author = Some(name.as_str().into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_forms() {
        assert_eq!(
            author_name("Example editor (me@example.com)"),
            "Example editor"
        );
        assert_eq!(
            author_name("Example editor <me@example.com>"),
            "Example editor"
        );
        assert_eq!(
            author_name("me@example.com (Example editor)"),
            "Example editor"
        );
        assert_eq!(author_name("me@example.com"), "me@example.com");
        assert_eq!(author_name("Li Hua"), "Li Hua");
    }

    #[test]
    fn recovers_bodies_base64_dates_and_prefixed_rss() {
        let rss = br#"<rss version="2.0" xml:lang="en"><channel><title>T</title>
            <item><title>A</title><fullitem>&lt;p&gt;Full &lt;b&gt;item&lt;/b&gt;&lt;/p&gt;</fullitem>
              <dcterms:issued xmlns:dcterms="http://purl.org/dc/terms/">2003-12-31T10:14:55Z</dcterms:issued>
              <dc:author xmlns:dc="http://purl.org/dc/elements/1.1/">Ann (ann@example.com)</dc:author></item>
            <item><title>B</title><body xmlns="http://www.w3.org/1999/xhtml"><p>Body <i>text</i></p></body></item>
            </channel></rss>"#;
        let p = parse(rss).unwrap();
        assert_eq!(p.feed.language.as_deref(), Some("en"));
        assert_eq!(
            p.entries[0].summary.as_deref(),
            Some("<p>Full <b>item</b></p>")
        );
        assert_eq!(
            p.entries[0].published.unwrap().to_rfc3339(),
            "2003-12-31T10:14:55+00:00"
        );
        let d = crate::sources::digest::of("x", &p);
        assert_eq!(d.entries[0].author.as_deref(), Some("Ann"));
        assert_eq!(d.entries[0].summary_text.as_deref(), Some("Full item"));
        assert_eq!(d.entries[1].summary_text.as_deref(), Some("Body text"));

        let atom = br#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title mode="base64">VGl0bGU=</title>
            <entry><summary mode="base64">RXhhbXBsZSA8Yj5BdG9tPC9iPg==</summary></entry></feed>"#;
        let p = parse(atom).unwrap();
        assert_eq!(p.feed.title.as_deref(), Some("Title"));
        assert_eq!(p.entries[0].summary.as_deref(), Some("Example <b>Atom</b>"));

        let prefixed = br#"<r:rss version="2.0" xmlns:r="http://backend.userland.com/rss2"><r:channel>
            <r:title>Prefixed</r:title><r:item><r:title>Item</r:title></r:item></r:channel></r:rss>"#;
        let p = parse(prefixed).unwrap();
        assert_eq!(p.feed.title.as_deref(), Some("Prefixed"));
        assert_eq!(p.entries.len(), 1);
    }
}
