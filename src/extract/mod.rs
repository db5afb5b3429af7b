//! HTML page → [`Extracted`] article: text, title, date, author, language, canonical URL.
//!
//! A page is decoded once ([`encoding::decode`]: header, BOM, meta tag, then a statistical
//! guess), parsed once into a DOM, read for metadata ([`meta`]) and then handed to the content
//! extractor ([`content`]), which removes navigation, ads and other boilerplate. Every
//! function here is synchronous and deterministic.

pub mod boilerplate;
pub mod content;
pub mod encoding;
pub mod lines;
pub mod meta;
pub mod prune;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What extraction found in one page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Extracted {
    /// Headline.
    pub title: Option<String>,
    /// Publication time.
    pub published: Option<DateTime<Utc>>,
    /// Author's name.
    pub author: Option<String>,
    /// ISO 639-1 language code: the page's declaration, else detected from the text.
    pub lang: Option<String>,
    /// The site's name (og:site_name).
    pub site_name: Option<String>,
    /// Canonical URL (link rel=canonical, else og:url), absolute.
    pub canonical_url: Option<String>,
    /// Lead image (og:image), absolute.
    pub image: Option<String>,
    /// Main text: paragraphs separated by blank lines.
    pub text: String,
}

/// Largest page extraction looks at; the rest is cut off (bounded time and memory).
pub const MAX_HTML_BYTES: usize = 8 * 1024 * 1024;

/// Extracts an article from raw page bytes, decoding them first.
///
/// `content_type` is the HTTP Content-Type header, when the page came over HTTP.
pub fn extract_bytes(bytes: &[u8], content_type: Option<&str>, url: Option<&str>) -> Extracted {
    let bytes = &bytes[..bytes.len().min(MAX_HTML_BYTES)];
    let decoded = encoding::decode(bytes, content_type);
    extract_html(&decoded.text, url)
}

/// Extracts an article from decoded HTML.
pub fn extract_html(html: &str, url: Option<&str>) -> Extracted {
    let html = truncate_at_char(html, MAX_HTML_BYTES);
    let html = prune::raw_text(html);
    let doc = dom_query::Document::from(html.as_ref());
    let mut meta = meta::read(&doc, url);
    let body = if depth_exceeds(&doc, MAX_DEPTH) {
        // Pathological nesting: Readability's tree walks would take quadratic time.
        content::plain_text(&doc)
    } else {
        let runs = boilerplate::link_runs(&doc);
        boilerplate::strip(&doc);
        let mut body = content::main_text(doc, url);
        body.text = boilerplate::drop_link_runs(&body.text, &runs);
        body
    };
    if meta.title.is_none() {
        meta.title = body.title.clone().filter(|t| !t.trim().is_empty());
    }
    if meta.author.is_none() {
        meta.author = body.byline.clone();
    }
    let text = lines::clean(&body.text, meta.title.as_deref());
    if meta.lang.is_none() {
        let sample = if text.is_empty() {
            meta.title.clone().unwrap_or_default()
        } else {
            text.clone()
        };
        meta.lang = crate::text::lang::detect(&sample).map(str::to_string);
    }
    Extracted { text, ..meta }
}

/// Deepest element nesting extraction walks; deeper pages get the plain-text fallback.
pub const MAX_DEPTH: usize = 512;

/// Whether the document nests elements deeper than `limit` (an iterative walk).
fn depth_exceeds(doc: &dom_query::Document, limit: usize) -> bool {
    let mut stack = vec![(doc.root(), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > limit {
            return true;
        }
        let mut child = node.first_child();
        while let Some(c) = child {
            if c.is_element() {
                stack.push((c, depth + 1));
            }
            child = c.next_sibling();
        }
    }
    false
}

fn truncate_at_char(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
