//! A feed's digest: the fields the Universal Feed Parser's users read, in one flat schema.
//!
//! `roundup feed` prints one [`Digest`] per file so that our parsing can be compared with
//! Python's feedparser cell by cell. Text follows feedparser's rules: HTML-typed text is
//! flattened to plain text, plain text is kept with its whitespace collapsed; an entry's
//! summary falls back to its first content; the author is the first author's name (or email);
//! times are ISO 8601 UTC.

use serde::Serialize;

use crate::text::html::{collapse, flatten};

/// One feed file's digest.
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    /// The path as given.
    pub file: String,
    /// Whether the parser had to recover from malformed input.
    pub bozo: bool,
    /// Feed-level fields.
    pub feed: FeedDigest,
    /// Entries in document order.
    pub entries: Vec<EntryDigest>,
}

/// Feed-level fields.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FeedDigest {
    /// Title as plain text.
    pub title: Option<String>,
    /// The feed's site link.
    pub link: Option<String>,
    /// Declared language.
    pub language: Option<String>,
}

/// Entry fields.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EntryDigest {
    /// GUID or Atom id.
    pub id: Option<String>,
    /// Title as plain text.
    pub title: Option<String>,
    /// Link.
    pub link: Option<String>,
    /// Publication (else update) time, `YYYY-MM-DDTHH:MM:SSZ`.
    pub published: Option<String>,
    /// Summary (else first content) as plain text.
    pub summary_text: Option<String>,
    /// First author's name or email.
    pub author: Option<String>,
}

fn plain(v: Option<&str>) -> Option<String> {
    v.map(collapse)
}

fn is_html(t: Option<&str>) -> bool {
    t.is_some_and(|t| {
        let t = t.trim().to_ascii_lowercase();
        matches!(
            t.as_str(),
            "text/html" | "application/xhtml+xml" | "html" | "xhtml"
        )
    })
}

fn text_of(v: Option<&str>, ty: Option<&str>) -> Option<String> {
    v.map(|v| if is_html(ty) { flatten(v) } else { collapse(v) })
}

fn text_type(t: Option<&feedparser_rs::TextConstruct>) -> Option<&'static str> {
    t.map(|t| match t.content_type {
        feedparser_rs::TextType::Text => "text/plain",
        feedparser_rs::TextType::Html => "text/html",
        feedparser_rs::TextType::Xhtml => "application/xhtml+xml",
    })
}

/// The digest of a parsed feed.
pub fn of(file: &str, d: &feedparser_rs::ParsedFeed) -> Digest {
    let entries = d
        .entries
        .iter()
        .map(|e| {
            let (summary, stype) = match (&e.summary, e.content.first()) {
                (Some(s), _) => (
                    Some(s.as_str()),
                    text_type(e.summary_detail.as_ref()).or(Some("text/html")),
                ),
                (None, Some(c)) => (
                    Some(c.value.as_str()),
                    Some(c.content_type.as_ref().map_or("text/html", |m| m.as_ref())),
                ),
                (None, None) => (None, None),
            };
            let author = e
                .authors
                .first()
                .and_then(|a| {
                    a.name
                        .as_deref()
                        .filter(|n| !n.trim().is_empty())
                        .or(a.email.as_deref().filter(|m| !m.trim().is_empty()))
                })
                .or_else(|| {
                    e.author_detail
                        .as_ref()
                        .and_then(|a| a.name.as_deref())
                        .filter(|n| !n.trim().is_empty())
                })
                .or(e.author.as_deref().filter(|a| !a.trim().is_empty()));
            EntryDigest {
                id: plain(e.id.as_deref()),
                title: text_of(e.title.as_deref(), text_type(e.title_detail.as_ref())),
                link: plain(e.link.as_deref()),
                published: e
                    .published
                    .or(e.updated)
                    .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                summary_text: text_of(summary, stype),
                author: plain(author),
            }
        })
        .collect();
    Digest {
        file: file.to_string(),
        bozo: d.bozo,
        feed: FeedDigest {
            title: text_of(
                d.feed.title.as_deref(),
                text_type(d.feed.title_detail.as_ref()),
            ),
            link: plain(d.feed.link.as_deref()),
            language: plain(d.feed.language.as_deref()),
        },
        entries,
    }
}
