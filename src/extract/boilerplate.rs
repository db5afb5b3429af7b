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

use super::content::collapse;

/// Tags that never hold article text.
const TAGS: &str = "figure, figcaption, aside, nav, form, button, select, textarea, iframe, svg, canvas, \
    video, audio, noscript, [role=navigation], [role=complementary], [role=contentinfo], [aria-hidden=true]";

/// Parts of class and id values that name page furniture.
///
/// Two groups of the first, longer list are left out: "sidebar"/"widget" (CMSs wrap article
/// bodies in widgets) and "footer" (themes wrap the article's own closing lines in one).
/// They were chosen by a rule (leave a group out when that raises F1 on the evaluation
/// pages) whose generalization is checked by cross-validation over hosts
/// (`bench/extraction_cv.py`, BENCHMARKS.md).
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
    "popup",
    "modal",
    "cookie",
    "masthead",
    "paywall",
    "tooltip",
    "popover",
    "rollover",
    "hovercard",
    // Not a class word: turns on `link_runs`, so that cross-validation can weigh it.
    LINK_RULE,
    // Not a class word either: turns on `drop_teasers`.
    TEASER_RULE,
];

/// The rules in force, from [`WORDS`], or from the comma-separated list in
/// `ROUNDUP_BOILERPLATE_WORDS`, which exists for the cross-validation script only. Read once
/// per process, not once per page.
struct Rules {
    /// Class words whose element goes whole.
    words: Vec<String>,
    /// Class words of pop-ups, whose innermost element goes ([`POPUPS`]).
    popups: Vec<String>,
    /// Whether `link_runs` looks for lists of links.
    links: bool,
    /// Whether `drop_teasers` runs.
    teasers: bool,
}

fn rules() -> &'static Rules {
    static RULES: std::sync::LazyLock<Rules> = std::sync::LazyLock::new(|| {
        let list: Vec<String> = match std::env::var("ROUNDUP_BOILERPLATE_WORDS") {
            Ok(list) => list
                .split(',')
                .map(|w| w.trim().to_ascii_lowercase())
                .collect(),
            Err(_) => WORDS.iter().map(|w| w.to_string()).collect(),
        };
        let on = |rule: &str| list.iter().any(|w| w == rule);
        let (links, teasers) = (on(LINK_RULE), on(TEASER_RULE));
        // "links" and "teasers" name rules, not class words.
        let (popups, words) = list
            .into_iter()
            .filter(|w| w != LINK_RULE && w != TEASER_RULE)
            .partition(|w| POPUPS.contains(&w.as_str()));
        Rules {
            words,
            popups,
            links,
            teasers,
        }
    });
    &RULES
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
        .nodes()
        .first()
        .map_or(0, visible_len)
        .max(1);
    // Holds a third of the page's text: the article, whatever its label.
    let keep = |node: &dom_query::NodeRef| visible_len(node) * 3 > total;
    let Rules {
        words,
        popups,
        teasers,
        ..
    } = rules();
    if *teasers {
        drop_teasers(doc);
    }
    if !popups.is_empty() {
        for node in doc.select("[class], [id]").nodes() {
            if !labelled(node, popups) || keep(node) {
                continue;
            }
            let innermost = !node
                .descendants_it()
                .any(|d| d.is_element() && labelled(&d, popups));
            if innermost {
                node.remove_from_parent();
            }
        }
    }
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
        if labelled(node, words) && !keep(node) {
            node.remove_from_parent();
        }
    }
}

/// Class words of boxes that pop up over a link on hover ("tooltip", "rollover"…). Only the
/// innermost element so labelled goes: a wrapper with the same word holds the link itself,
/// which is part of the sentence.
const POPUPS: &[&str] = &["tooltip", "popover", "rollover", "hovercard"];

/// Whether a part of the element's class or id is one of `words`.
fn labelled(node: &dom_query::NodeRef, words: &[String]) -> bool {
    ["class", "id"].iter().any(|attr| {
        node.attr(attr).is_some_and(|value| {
            value
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|part| words.iter().any(|w| w.eq_ignore_ascii_case(part)))
        })
    })
}

/// The entry of [`WORDS`] that turns the teaser rule on.
const TEASER_RULE: &str = "teasers";

/// Removes the `<article>` elements that are teasers for other pages: when a page holds
/// several articles (none inside another), the one with the most text is the story, and two
/// or more holding less than half as much, outside the story's own parent, are cards
/// linking elsewhere.
fn drop_teasers(doc: &Document) {
    let articles: Vec<dom_query::NodeRef> = doc.select("article").nodes().to_vec();
    if articles.len() < 2 {
        return;
    }
    let outer: Vec<(dom_query::NodeRef, usize)> = articles
        .iter()
        .filter(|a| {
            !a.ancestors_it(None)
                .any(|p| p.node_name().is_some_and(|n| n.as_ref() == "article"))
        })
        .map(|a| (*a, visible_len(a)))
        .collect();
    let Some(&(main, largest)) = outer.iter().max_by_key(|(_, len)| *len) else {
        return;
    };
    // Entries of one feed or live blog sit side by side under one parent and stay.
    let teasers: Vec<dom_query::NodeRef> = outer
        .iter()
        .filter(|(node, len)| {
            len * 2 < largest && node.parent().map(|p| p.id) != main.parent().map(|p| p.id)
        })
        .map(|(node, _)| *node)
        .collect();
    if teasers.len() >= 2 {
        for node in teasers {
            node.remove_from_parent();
        }
    }
}

/// Visible characters of a node's text.
fn visible_len(node: &dom_query::NodeRef) -> usize {
    node.text().chars().filter(|c| !c.is_whitespace()).count()
}

/// Visible characters of a node's text that sit inside links.
fn linked_len(node: &dom_query::NodeRef) -> usize {
    node.descendants_it()
        .filter(|d| d.node_name().is_some_and(|n| n.as_ref() == "a"))
        .map(|a| visible_len(&a))
        .sum()
}

/// The entry of [`WORDS`] that turns the link-run rule on.
const LINK_RULE: &str = "links";

/// Fewest link-only blocks in a row that make a list of links to other pages.
const LINK_RUN: usize = 3;

/// The texts (whitespace collapsed) of the runs of three or more sibling blocks that end
/// their parent and are links and nothing else: "You may also like" lists of headlines
/// after an article. A run of the article's own items (tour dates, prices, steps) is text,
/// not links, and is not listed. They are dropped from the extracted text afterwards rather
/// than from the page, so that Readability chooses its container as it would without them.
pub fn link_runs(doc: &Document) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    if !rules().links {
        return out;
    }
    let Some(body) = doc.select("body").nodes().first().copied() else {
        return out;
    };
    let parents = std::iter::once(body).chain(body.descendants_it().filter(|n| n.is_element()));
    for parent in parents {
        let children: Vec<dom_query::NodeRef> = parent.element_children();
        if children.len() <= LINK_RUN {
            continue;
        }
        let mut run = Vec::new();
        for child in children.iter().rev() {
            let text = visible_len(child);
            if text == 0 {
                continue;
            }
            if linked_len(child) * 10 >= text * 9 {
                run.push(child);
            } else {
                break;
            }
        }
        if run.len() >= LINK_RUN && run.len() < children.len() {
            out.extend(run.iter().map(|n| collapse(&n.text())));
        }
    }
    out
}

/// Drops the paragraphs of `text` that are one of the `runs` found by [`link_runs`].
pub fn drop_link_runs(text: &str, runs: &std::collections::HashSet<String>) -> String {
    if runs.is_empty() {
        return text.to_string();
    }
    text.split("\n\n")
        .filter(|p| !runs.contains(&collapse(p)))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_lists_of_links_are_dropped_but_not_the_articles_own_lists() {
        let html = "<html><body><div class='story'><p>The band will tour next year, with dates announced on Friday.</p>\
            <p>June 9 -- West Palm Beach</p><p>June 10 -- Tampa</p><p>June 14 -- Atlanta</p>\
            <div class='ad'></div><p>You may also like...</p>\
            <p><a href='/a'>Who will make the Hall in 2020?</a></p><p><a href='/b'>Fans vote</a></p>\
            <p><a href='/c'>25 worst inductees</a></p></div></body></html>";
        let doc = Document::from(html);
        let runs = link_runs(&doc);
        assert_eq!(runs.len(), 3, "{runs:?}");
        let text = "The band will tour next year, with dates announced on Friday.\n\nJune 9 -- West Palm Beach\n\n\
            June 10 -- Tampa\n\nJune 14 -- Atlanta\n\nWho will make the Hall in 2020?\n\nFans vote\n\n25 worst inductees";
        let kept = drop_link_runs(text, &runs);
        assert!(kept.ends_with("June 14 -- Atlanta"), "{kept}");
        // The dates alone (no links) are the article's own list.
        let dates = Document::from(
            "<html><body><div><p>Tour dates were announced on Friday by the band.</p><p>June 9</p><p>June 10</p><p>June 14</p></div></body></html>",
        );
        assert!(link_runs(&dates).is_empty());
    }

    #[test]
    fn teaser_cards_for_other_pages_go_but_live_blog_entries_stay() {
        let story = "<p>The regulator fined the platform on Monday for misleading discount claims made during the shopping festival.</p>".repeat(4);
        let card = |n: usize| {
            format!(
                "<article class='card'><h2><a href='/s{n}'>Another story {n}</a></h2><p>A teaser line.</p></article>"
            )
        };
        let cards: String = (0..3).map(card).collect();
        let html = format!(
            "<html><body><main><article class='story'>{story}</article></main><section class='more'>{cards}</section></body></html>"
        );
        let doc = Document::from(html.as_str());
        strip(&doc);
        let text = doc.select("body").text();
        assert!(text.contains("fined the platform"), "{text}");
        assert!(!text.contains("Another story"), "{text}");

        // Entries of a live blog sit side by side: short ones are not teasers.
        let entries = format!(
            "<html><body><div class='live'><article>{story}</article><article><p>Update: shares fell 3%.</p></article>\
             <article><p>Update: the company replied.</p></article></div></body></html>"
        );
        let doc = Document::from(entries.as_str());
        strip(&doc);
        let text = doc.select("body").text();
        assert!(
            text.contains("shares fell") && text.contains("company replied"),
            "{text}"
        );
    }

    #[test]
    fn hover_cards_inside_paragraphs_go() {
        let html = "<html><body><div class='body'><p>A man pleaded guilty to threatening Rep. <span class='rollover-people'>\
            <a href='/people/x'>Jane Roe</a><span class='rollover-people-block'><a href='/other'>Unrelated headline</a></span></span> \
            (D-Minn.), prosecutors said.</p></div></body></html>";
        let doc = Document::from(html);
        strip(&doc);
        let text = collapse(&doc.select("body").text());
        assert!(
            text.contains("threatening Rep. Jane Roe (D-Minn.)"),
            "{text}"
        );
        assert!(!text.contains("Unrelated"), "{text}");
    }

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
