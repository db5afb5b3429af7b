//! Boilerplate removal before content extraction.
//!
//! Readability scores blocks of text, and a caption, a byline or a gallery widget inside the
//! article's container rides along with it. This pass removes, from the parsed page, the
//! elements that are page furniture by their tag (`figure`, `figcaption`, `aside`, `nav`,
//! forms and widgets) or by a part of their class or id (caption, credit, gallery, share,
//! related, byline…). An element holding a large share of the page's text is never removed,
//! so a mislabelled article container survives. The word list is generic web vocabulary, not
//! tuned to any site.

use dom_query::Document;

/// Tags that never hold article text.
const TAGS: &str = "figure, figcaption, aside, nav, form, button, select, textarea, iframe, svg, canvas, \
    video, audio, noscript, [role=navigation], [role=complementary], [role=contentinfo], [aria-hidden=true]";

/// Parts of class and id values that name page furniture.
///
/// Two groups of the first, longer list are left out: "sidebar"/"widget" (CMSs wrap article
/// bodies in widgets) and "popup"/"modal"/"cookie". They were chosen by a rule (drop a group
/// when leaving it out does not lower F1 on the evaluation pages) whose generalization is
/// checked by cross-validation over hosts (`bench/extraction_cv.py`, BENCHMARKS.md).
pub const WORDS: &[&str] = &[
    "caption",
    "credit",
    "credits",
    "gallery",
    "slideshow",
    "carousel",
    "lightbox",
    "share",
    "sharing",
    "social",
    "related",
    "recommended",
    "recommendations",
    "promo",
    "newsletter",
    "subscribe",
    "subscription",
    "signup",
    "advert",
    "advertisement",
    "ad",
    "ads",
    "sponsor",
    "sponsored",
    "byline",
    "dateline",
    "timestamp",
    "breadcrumb",
    "breadcrumbs",
    "comments",
    "toolbar",
    "tags",
    "outbrain",
    "taboola",
    "trending",
    "popular",
    "footer",
    "masthead",
    "paywall",
];

/// The word list in force: [`WORDS`], or the comma-separated list in
/// `ROUNDUP_BOILERPLATE_WORDS`, which exists for the cross-validation script only.
fn words() -> Vec<String> {
    match std::env::var("ROUNDUP_BOILERPLATE_WORDS") {
        Ok(list) => list
            .split(',')
            .map(|w| w.trim().to_ascii_lowercase())
            .collect(),
        Err(_) => WORDS.iter().map(|w| w.to_string()).collect(),
    }
}

/// Elements whose text is code or markup, never something a reader sees.
const INVISIBLE: &str = "script, style, template";

/// Removes page furniture from `doc` in place.
pub fn strip(doc: &Document) {
    // Scripts and styles first: their text is not the page's, and counting it would let a
    // script-heavy page make its article container look small.
    for node in doc.select(INVISIBLE).nodes() {
        node.remove_from_parent();
    }
    let total = doc
        .select("body")
        .text()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
        .max(1);
    let keep = |node: &dom_query::NodeRef| {
        let len = node.text().chars().filter(|c| !c.is_whitespace()).count();
        len * 3 > total // holds a third of the page's text: the article, whatever its label
    };
    let words = words();
    for node in doc.select(TAGS).nodes() {
        if !keep(node) {
            node.remove_from_parent();
        }
    }
    for node in doc.select("[class], [id]").nodes() {
        let Some(name) = node.node_name() else {
            continue;
        };
        if matches!(name.as_ref(), "html" | "body" | "article" | "main") {
            continue;
        }
        let labels = format!(
            "{} {}",
            node.attr("class").unwrap_or_default(),
            node.attr("id").unwrap_or_default()
        )
        .to_ascii_lowercase();
        let furniture = labels
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|part| words.iter().any(|w| w == part));
        if furniture && !keep(node) {
            node.remove_from_parent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_do_not_make_the_article_look_small() {
        // A container whose class names a feature ("lightbox") holds the article; the page's
        // inline scripts are longer than the article, but they are not text a reader sees.
        let body = "<p>Real article text that goes on for a while to be the bulk of the page.</p>"
            .repeat(5);
        let script = format!(
            "<script>var cache = {{}}; {}</script>",
            "cache.x = 1; ".repeat(200)
        );
        let html = format!(
            "<html><body>{script}<div class='container enable-lightbox'>{body}</div><div class='share'>Share</div></body></html>"
        );
        let doc = Document::from(html.as_str());
        strip(&doc);
        let text = doc.select("body").text();
        assert!(text.contains("Real article text"), "{text}");
        assert!(
            !text.contains("Share") && !text.contains("cache.x"),
            "{text}"
        );
    }

    #[test]
    fn removes_furniture_and_keeps_the_article() {
        let body = "<p>Real article text that goes on for a while to be the bulk of the page.</p>"
            .repeat(5);
        let html = format!(
            "<html><body><div class='share-bar'>Share on X</div><figure><img><figcaption>A caption</figcaption></figure>\
             <div class='story-comments-wrapper'><p>A comment</p></div><div id='main-content' class='ad-free'>{body}</div>\
             <span class='byline'>By Someone</span></body></html>"
        );
        let doc = Document::from(html.as_str());
        strip(&doc);
        let text = doc.select("body").text();
        assert!(text.contains("Real article text"));
        for gone in ["Share on X", "A caption", "A comment", "By Someone"] {
            assert!(!text.contains(gone), "{gone}: {text}");
        }
    }
}
