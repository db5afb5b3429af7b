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
    re(
        r"(?is)<(?:[A-Za-z0-9_.-]+:)?(?:item|entry)[\s>].*?(?:</(?:[A-Za-z0-9_.-]+:)?(?:item|entry)\s*>|\z)",
    )
});
static RSS_LINK: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?is)<link\s*>\s*(?:<!\[CDATA\[)?\s*([^<\s]+?)\s*(?:\]\]>)?\s*</link\s*>")
});
static ATOM_LINK: LazyLock<Regex> = LazyLock::new(|| re(r"(?is)<link\b([^>]*)/?>"));
static HREF: LazyLock<Regex> = LazyLock::new(|| re(r#"(?is)\bhref\s*=\s*["']([^"']+)["']"#));
static REL: LazyLock<Regex> = LazyLock::new(|| re(r#"(?is)\brel\s*=\s*["']([^"']+)["']"#));
static BODY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)<((?:[A-Za-z0-9_.-]+:)?(?:body|fullitem))(?:\s[^>]*)?>(.*?)</(?:[A-Za-z0-9_.-]+:)?(?:body|fullitem)\s*>",
    )
});
static BASE64_ELEMENT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?is)<(title|summary|content)\b[^>]*\bmode\s*=\s*["']base64["'][^>]*>(.*?)</(?:title|summary|content)\s*>"#,
    )
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)<(?:[A-Za-z0-9_.-]+:)(?:date|issued|created|modified)(?:\s[^>]*)?>\s*([^<]+?)\s*</(?:[A-Za-z0-9_.-]+:)(?:date|issued|created|modified)\s*>",
    )
});
static AUTHOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)<(?:[A-Za-z0-9_.-]+:)?(?:author|creator)(?:\s[^>]*)?>\s*([^<]+?)\s*</(?:[A-Za-z0-9_.-]+:)?(?:author|creator)\s*>",
    )
});
static ROOT_LANG: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?is)<(?:[A-Za-z0-9_.-]+:)?(?:rss|feed|RDF)\b[^>]*\bxml:lang\s*=\s*["']([^"']+)["']"#)
});
static SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?is)<(?:[A-Za-z0-9_.-]+:)?source\b[^>]*>.*?</(?:[A-Za-z0-9_.-]+:)?source\s*>")
});
static HEAD_NOISE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)<(?:[A-Za-z0-9_.-]+:)?(image|textinput)\b[^>]*>.*?</(?:[A-Za-z0-9_.-]+:)?(?:image|textinput)\s*>",
    )
});
static PREFIXED_RSS: LazyLock<Regex> = LazyLock::new(|| re(r"(?is)<([A-Za-z0-9_.-]+):rss\b"));
static NAME_EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(.*?)\s*[(<]\s*([^()<>\s]+@[^()<>\s]+)\s*[)>]\s*$"));
static EMAIL_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*([^()<>\s]+@[^()<>\s]+)\s*\(\s*(.+?)\s*\)\s*$"));

/// Parser options: HTML is not sanitized while parsing, since Roundup turns feed HTML into
/// plain text (dropping scripts and styles) and sanitizes again whatever it renders.
static OPTIONS: LazyLock<feedparser_rs::ParseOptions> =
    LazyLock::new(|| feedparser_rs::ParseOptions {
        sanitize_html: false,
        ..Default::default()
    });

/// Parses with feedparser-rs and applies every recovery.
pub fn parse(bytes: &[u8]) -> Result<ParsedFeed, feedparser_rs::FeedError> {
    let mut parsed = feedparser_rs::parse_with_options(bytes, &OPTIONS)?;
    let hints = Hints::of(bytes);
    if !needs_recovery(&parsed, hints) {
        return Ok(parsed);
    }
    let text = decode(bytes, &parsed.encoding);
    if parsed.entries.is_empty()
        && parsed.feed.title.is_none()
        && let Some(prefix) = PREFIXED_RSS.captures(&text).map(|c| c[1].to_string())
    {
        let unprefixed = strip_prefix(&text, &prefix);
        if let Ok(again) = feedparser_rs::parse_with_options(unprefixed.as_bytes(), &OPTIONS) {
            parsed = again;
        }
    }
    apply(&text, &mut parsed, hints);
    Ok(parsed)
}

/// Which raw elements the document has at all, so that a gap is only chased where the raw
/// text can fill it.
#[derive(Clone, Copy)]
struct Hints {
    lang: bool,
    link: bool,
    author: bool,
    date: bool,
    body: bool,
    base64: bool,
    source: bool,
}

impl Hints {
    fn of(bytes: &[u8]) -> Hints {
        let has = |needle: &str| memchr::memmem::find(bytes, needle.as_bytes()).is_some();
        Hints {
            lang: has("xml:lang"),
            link: has("link"),
            author: has("author") || has("creator") || has("AUTHOR"),
            date: has(":date") || has(":issued") || has(":created") || has(":modified"),
            body: has("body") || has("fullitem") || has("BODY"),
            base64: has("base64"),
            source: has("source"),
        }
    }
}

/// Whether an entry lacks something the recovery layer may find in its raw text.
fn entry_gap(e: &feedparser_rs::Entry, h: Hints) -> bool {
    e.link
        .as_deref()
        .is_none_or(|l| l.trim().is_empty() || l.contains("&amp;"))
        || h.body && e.summary.is_none() && e.content.is_empty()
        || h.date && e.published.is_none() && e.updated.is_none()
        || h.author
            && e.author.as_deref().is_none_or(|a| a.contains('@'))
            && e.authors
                .first()
                .is_none_or(|a| a.name.as_deref().is_none_or(|n| n.contains('@')))
}

/// Whether anything the recovery layer fills in is missing: most real feeds need nothing, and
/// then the raw text is not read again.
fn needs_recovery(parsed: &ParsedFeed, h: Hints) -> bool {
    parsed.entries.is_empty()
        || h.lang && parsed.feed.language.is_none()
        || h.link
            && parsed
                .feed
                .link
                .as_deref()
                .is_none_or(|l| l.contains("&amp;"))
        || parsed.entries.iter().any(|e| entry_gap(e, h))
        || h.base64
}

/// Byte offset of the first `<item` or `<entry` element (any prefix), or the text's end.
fn first_item_start(text: &str) -> usize {
    static START: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?i)<(?:[A-Za-z0-9_.-]+:)?(?:item|entry)[\s>]"));
    START.find(text).map_or(text.len(), |m| m.start())
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
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
fn apply(text: &str, parsed: &mut ParsedFeed, hints: Hints) {
    if parsed.feed.language.is_none() {
        let head = &text[..floor_char_boundary(text, 4096)];
        if let Some(c) = ROOT_LANG.captures(head) {
            parsed.feed.language = Some(c[1].trim().into());
        }
    }
    let first_item = first_item_start(text);
    let has_base64 = hints.base64;
    if has_base64 && let Some(title) = base64_text(&text[..first_item], "title") {
        parsed.feed.title = Some(title);
    }
    if parsed.feed.link.is_none() {
        // The channel's own link, not its image's or text input's.
        parsed.feed.link = raw_link(&HEAD_NOISE.replace_all(&text[..first_item], ""));
    }
    if let Some(link) = parsed.feed.link.as_mut() {
        *link = link.replace("&amp;", "&");
    }
    if !has_base64
        && !parsed.entries.is_empty()
        && !parsed.entries.iter().any(|e| entry_gap(e, hints))
    {
        return;
    }
    let items: Vec<&str> = ITEM
        .find_iter(&text[first_item..])
        .map(|m| m.as_str())
        .collect();
    if parsed.entries.is_empty() {
        // The parser gave up on every item: read them back from the raw text.
        parsed.entries = items.iter().map(|item| raw_entry(item)).collect();
    }
    if items.len() != parsed.entries.len() {
        return;
    }
    for (entry, item) in parsed.entries.iter_mut().zip(items) {
        // An entry's <source> describes the feed it came from, not the entry.
        let item = if hints.source {
            SOURCE.replace_all(item, "")
        } else {
            item.into()
        };
        let item = &*item;
        if entry.link.as_deref().is_none_or(|l| l.trim().is_empty())
            && let Some(link) = raw_link(item)
        {
            entry.link = Some(link);
        }
        if has_base64 {
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
        }
        if hints.body
            && entry.summary.is_none()
            && entry.content.is_empty()
            && let Some(html) = body_html(item)
        {
            entry.summary = Some(html.clone());
            entry.summary_detail = Some(TextConstruct {
                content_type: TextType::Html,
                ..TextConstruct::text(html)
            });
        }
        if hints.date && entry.published.is_none() && entry.updated.is_none() {
            entry.published = DATE
                .captures_iter(item)
                .find_map(|c| feedparser_rs::util::date::parse_date(c[1].trim()));
        }
        if hints.author {
            fix_author(entry, item);
        }
        if let Some(link) = entry.link.as_mut() {
            *link = link.replace("&amp;", "&");
        }
    }
}

/// The text of the first child element with one of these local names, CDATA unwrapped and
/// XML entities decoded.
fn child_text(item: &str, names: &[&str]) -> Option<String> {
    static CHILD: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?is)<(?:[A-Za-z0-9_.-]+:)?([A-Za-z0-9_.-]+)(?:\s[^>]*)?>(.*?)</(?:[A-Za-z0-9_.-]+:)?([A-Za-z0-9_.-]+)\s*>",
        )
    });
    let inner = &item[item.find('>').map_or(0, |i| i + 1)..];
    CHILD.captures_iter(inner).find_map(|c| {
        let name = c[1].to_ascii_lowercase();
        (names.contains(&name.as_str()) && c[1].eq_ignore_ascii_case(&c[3])).then(|| {
            let v = c[2].trim();
            match v
                .strip_prefix("<![CDATA[")
                .and_then(|r| r.strip_suffix("]]>"))
            {
                Some(cdata) => cdata.to_string(),
                None => xml_unescape(v),
            }
        })
    })
}

/// An entry read from an item's raw text, for items the parser dropped.
fn raw_entry(item: &str) -> feedparser_rs::Entry {
    let mut e = feedparser_rs::Entry {
        id: child_text(item, &["guid", "id"]).map(|s| s.trim().into()),
        title: child_text(item, &["title"]),
        link: raw_link(item),
        ..Default::default()
    };
    if let Some(summary) = child_text(item, &["description", "summary", "encoded"]) {
        e.summary_detail = Some(TextConstruct {
            content_type: TextType::Html,
            ..TextConstruct::text(summary.clone())
        });
        e.summary = Some(summary);
    }
    e.published = child_text(
        item,
        &[
            "pubdate",
            "published",
            "updated",
            "date",
            "issued",
            "modified",
        ],
    )
    .and_then(|d| feedparser_rs::util::date::parse_date(d.trim()));
    e
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
