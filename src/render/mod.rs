//! Looks: an [`Edition`] as Markdown, an HTML page, or JSON.
//!
//! Content comes from untrusted feeds and pages: text is escaped (Markdown) or auto-escaped
//! (HTML templates), links are kept only when they are http(s), and the Markdown the beat's
//! config supplies (intro, wrap-up) passes through ammonia before it reaches a page.

use std::sync::LazyLock;

use minijinja::{Environment, context};

use serde::Serialize;

use crate::model::{ArticleRef, Edition, EditionItem};

pub mod archive;
pub mod email;

/// Output formats of an edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown, each story a `## N. Headline` section.
    Md,
    /// A standalone, responsive HTML page.
    Html,
    /// The edition as JSON (stories with score terms and articles, and the bench).
    Json,
}

/// Renders an edition in a format.
pub fn render(edition: &Edition, format: Format) -> String {
    match format {
        Format::Md => markdown(edition),
        Format::Html => html(edition),
        Format::Json => json(edition),
    }
}

/// The edition as pretty JSON.
pub fn json(edition: &Edition) -> String {
    serde_json::to_string_pretty(edition).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The edition as Markdown.
pub fn markdown(e: &Edition) -> String {
    let mut out = format!(
        "# {}\n\n*{}*\n\n{}\n\n",
        escape_md(&e.title),
        escape_md(&e.window_label),
        e.intro.trim()
    );
    let sectioned = e.stories.iter().any(|s| s.section.is_some());
    let mut section: Option<&str> = None;
    for s in &e.stories {
        if sectioned && s.section.as_deref() != section {
            section = s.section.as_deref();
            out.push_str(&format!("## {}\n\n", escape_md(section.unwrap_or(""))));
        }
        let level = if sectioned { "###" } else { "##" };
        out.push_str(&format!(
            "{level} {}. {}\n\n",
            s.rank,
            escape_md(&s.headline)
        ));
        if s.lang != "en" {
            out.push_str(&format!("*[{}]* ", s.lang));
        }
        match linked_paragraphs(s) {
            Some(paras) => {
                for (i, para) in paras.iter().enumerate() {
                    if i > 0 {
                        out.push_str("\n\n");
                    }
                    let mut text = String::new();
                    let mut cjk_end = false;
                    for x in para {
                        // No space after a sentence closed by CJK punctuation (unless its
                        // source followed it).
                        if !text.is_empty() && !cjk_end {
                            text.push(' ');
                        }
                        cjk_end = !x.show
                            && x.text.chars().last().is_some_and(|c| {
                                matches!(c, '。' | '！' | '？' | '；' | '”' | '」')
                            });
                        text.push_str(&escape_md(&x.text));
                        if x.show {
                            match &x.url {
                                Some(url) => text.push_str(&format!(
                                    " ([{}]({}))",
                                    escape_md(&x.source),
                                    url.replace(')', "%29").replace(' ', "%20")
                                )),
                                None => text.push_str(&format!(" ({})", escape_md(&x.source))),
                            }
                        }
                    }
                    out.push_str(&text);
                }
            }
            // An editor's summary is Markdown already.
            None if s.edited => out.push_str(s.summary.trim()),
            None => {
                for (i, para) in s.summary.split("\n\n").enumerate() {
                    if i > 0 {
                        out.push_str("\n\n");
                    }
                    out.push_str(&escape_md(para));
                }
            }
        }
        out.push_str("\n\n");
        let mut facts = vec![format!(
            "{} outlet{}",
            s.outlets,
            if s.outlets == 1 { "" } else { "s" }
        )];
        if !s.entities.is_empty() {
            facts.push(format!("Entities: {}", s.entities.join(", ")));
        }
        out.push_str(&format!("*{}*\n\n", facts.join(" · ")));
        out.push_str("Sources:\n");
        for a in &s.articles {
            out.push_str(&format!("- {}\n", md_link(a)));
        }
        if !s.also_carried_by.is_empty() {
            let also: Vec<String> = s.also_carried_by.iter().map(md_link).collect();
            out.push_str(&format!("- Also carried by: {}\n", also.join(", ")));
        }
        out.push('\n');
    }
    out.push_str(e.wrap_up.trim());
    out.push('\n');
    out
}

/// A summary sentence as a page shows it, with its source after the last sentence of each
/// run from one article.
#[derive(Debug, Serialize)]
struct SentenceView {
    text: String,
    /// Whether the source follows this sentence.
    show: bool,
    /// The source's link when it is http(s).
    url: Option<String>,
    source: String,
}

/// The item's summary as paragraphs of sourced sentences, when its sentences still make up
/// its summary (a summary rewritten by hand has none, or no longer matches them).
fn linked_paragraphs(item: &EditionItem) -> Option<Vec<Vec<SentenceView>>> {
    if item.sentences.is_empty() {
        return None;
    }
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let joined: String = item.sentences.iter().map(|s| squash(&s.text)).collect();
    if joined != squash(&item.summary) {
        return None;
    }
    let mut paras: Vec<Vec<SentenceView>> = Vec::new();
    for (i, s) in item.sentences.iter().enumerate() {
        let show = item
            .sentences
            .get(i + 1)
            .is_none_or(|n| n.article != s.article || n.paragraph != s.paragraph);
        let source = item.articles.get(s.article);
        if paras.len() <= s.paragraph {
            paras.resize_with(s.paragraph + 1, Vec::new);
        }
        paras[s.paragraph].push(SentenceView {
            text: s.text.clone(),
            show: show && source.is_some(),
            url: source.and_then(|a| safe_url(&a.link)),
            source: source.map(|a| a.source.clone()).unwrap_or_default(),
        });
    }
    Some(paras)
}

fn md_link(a: &ArticleRef) -> String {
    let title = escape_md(&a.title);
    match safe_url(&a.link) {
        Some(url) => format!(
            "[{}]({}) — {}",
            title,
            url.replace(')', "%29").replace(' ', "%20"),
            escape_md(&a.source)
        ),
        None => format!("{} — {}", title, escape_md(&a.source)),
    }
}

fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The URL when it is an http(s) URL, else `None` (no `javascript:` or `data:` links).
pub fn safe_url(link: &str) -> Option<String> {
    let u = url::Url::parse(link).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| u.to_string())
}

/// Markdown from a trusted-but-careless author (the config, an editor) as sanitized HTML.
pub fn markdown_to_html(md: &str) -> String {
    let parser = pulldown_cmark::Parser::new(md);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::clean(&html)
}

/// A template environment with Roundup's filters (`safe_url`, `markdown`, `paragraphs`,
/// `truncate`) and HTML auto-escaping for `.html` and `.mjml` templates; other faces (the
/// desk) add their own templates to one.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") || name.ends_with(".mjml") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    env.add_filter("safe_url", |s: String| {
        let url = safe_url(&s).unwrap_or_default();
        let attr = url
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        minijinja::Value::from_safe_string(attr)
    });
    env.add_filter("markdown", |s: String| {
        minijinja::Value::from_safe_string(markdown_to_html(&s))
    });
    env.add_filter("paragraphs", |s: String| {
        s.split("\n\n").map(str::to_string).collect::<Vec<_>>()
    });
    env.add_filter("truncate", |s: String, n: usize| {
        if s.chars().count() <= n {
            s
        } else {
            let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
            t.push('…');
            t
        }
    });
    env
}

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = environment();
    env.add_template("edition.html", include_str!("../../templates/edition.html"))
        .expect("built-in template parses");
    env.add_template("archive.html", include_str!("../../templates/archive.html"))
        .expect("built-in template parses");
    env.add_template("email.mjml", include_str!("../../templates/email.mjml"))
        .expect("built-in template parses");
    env
});

/// The edition as a standalone HTML page.
pub fn html(e: &Edition) -> String {
    page(e, None)
}

/// Links from an edition page to the rest of the archive, relative to the page.
#[derive(Debug, Clone, Serialize)]
pub struct Nav {
    /// The archive index.
    pub home: String,
    /// The Atom feed of editions.
    pub atom: String,
    /// The JSON Feed of editions.
    pub json: String,
    /// The edition as Markdown, when published.
    pub markdown: Option<String>,
}

/// The edition as a standalone HTML page, with links to the archive when given.
pub fn page(e: &Edition, nav: Option<&Nav>) -> String {
    let tmpl = TEMPLATES
        .get_template("edition.html")
        .expect("built-in template exists");
    let paras: Vec<Option<Vec<Vec<SentenceView>>>> =
        e.stories.iter().map(linked_paragraphs).collect();
    tmpl.render(context! { edition => e, paras => paras, nav => nav, generated => e.generated_at.format("%Y-%m-%d %H:%M UTC").to_string() })
        .unwrap_or_else(|err| format!("<!doctype html><p>render error: {}</p>", minijinja::HtmlEscape(&err.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EditionItem, ItemSentence, Score, Window};

    fn edition() -> Edition {
        let now = chrono::Utc::now();
        Edition {
            title: "Digest".into(),
            window: Window { from: now, to: now },
            window_label: "17–23 November 2025".into(),
            intro: "Intro with <script>alert(1)</script> **bold**".into(),
            stories: vec![EditionItem {
                rank: 1,
                headline: "JD opens <b>mall</b>".into(),
                summary: "First para.\n\nSecond para.".into(),
                lang: "en".into(),
                entities: vec!["JD.com".into()],
                topics: vec![],
                outlets: 2,
                score: Score::default(),
                articles: vec![
                    ArticleRef {
                        link: "https://a.org/1".into(),
                        source: "A".into(),
                        title: "T1".into(),
                        published: None,
                        lang: None,
                    },
                    ArticleRef {
                        link: "javascript:alert(1)".into(),
                        source: "B".into(),
                        title: "T2".into(),
                        published: None,
                        lang: None,
                    },
                ],
                also_carried_by: vec![],
                sentences: vec![],
                section: None,
                image: None,
                pinned: false,
                edited: false,
            }],
            bench: vec![],
            wrap_up: "Bye".into(),
            generated_at: now,
            dropped: Vec::new(),
        }
    }

    /// The test edition with its summary told sentence by sentence: two from article 0 in
    /// the first paragraph, one from article 1 (an unsafe link) in the second.
    fn sourced() -> Edition {
        let mut e = edition();
        let item = &mut e.stories[0];
        item.summary = "JD opened a mall. It is big.\n\nCrowds came <b>early</b>.".into();
        item.sentences = vec![
            ItemSentence {
                text: "JD opened a mall.".into(),
                article: 0,
                paragraph: 0,
            },
            ItemSentence {
                text: "It is big.".into(),
                article: 0,
                paragraph: 0,
            },
            ItemSentence {
                text: "Crowds came <b>early</b>.".into(),
                article: 1,
                paragraph: 1,
            },
        ];
        e
    }

    #[test]
    fn every_sentence_links_to_its_source() {
        let md = markdown(&sourced());
        assert!(
            md.contains("JD opened a mall. It is big. ([A](https://a.org/1))\n\nCrowds came \\<b\\>early\\</b\\>. (B)"),
            "{md}"
        );
        let html = html(&sourced());
        assert!(
            html.contains("<p>JD opened a mall. It is big. <a class=\"src\" href=\"https://a.org/1\" rel=\"noopener nofollow\">A</a></p>"),
            "{html}"
        );
        assert!(html.contains("Crowds came &lt;b&gt;early&lt;"), "{html}");
        assert!(
            html.contains(". <span class=\"src\">B</span></p>"),
            "{html}"
        );
        assert!(!html.contains("javascript:"));
        // A summary rewritten by hand no longer matches its sentences: shown as written.
        let mut edited = sourced();
        edited.stories[0].summary = "An editor's own words.".into();
        let md = markdown(&edited);
        assert!(
            md.contains("An editor's own words.") && !md.contains("([A]"),
            "{md}"
        );
    }

    #[test]
    fn sections_head_their_stories() {
        let mut e = edition();
        let mut second = e.stories[0].clone();
        second.rank = 2;
        second.headline = "Temu fined".into();
        e.stories[0].section = Some("Retail and luxury".into());
        second.section = Some("Regulation".into());
        e.stories.push(second);
        let md = markdown(&e);
        let a = md
            .find("## Retail and luxury\n\n### 1. JD opens")
            .expect(&md);
        let b = md.find("## Regulation\n\n### 2. Temu fined").expect(&md);
        assert!(a < b);
        let page = html(&e);
        assert!(
            page.contains("<h2 class=\"section\">Regulation</h2>"),
            "{page}"
        );
        // No sections: stories are the second-level headings, as before.
        assert!(markdown(&edition()).contains("\n## 1. JD opens"));
    }

    #[test]
    fn markdown_has_numbered_headings_and_safe_links() {
        let md = markdown(&edition());
        assert!(md.contains("## 1. JD opens \\<b\\>mall\\</b\\>"), "{md}");
        assert!(md.contains("[T1](https://a.org/1) — A"));
        assert!(!md.contains("javascript:"));
        assert!(md.contains("First para.\n\nSecond para."));
    }

    #[test]
    fn html_is_escaped_and_sanitized() {
        let page = html(&edition());
        assert!(page.contains("JD opens &lt;b&gt;mall&lt;"), "{page}");
        assert!(!page.contains("<b>mall"));
        assert!(!page.contains("<script>alert(1)"), "{page}");
        assert!(page.contains("<strong>bold</strong>"));
        assert!(!page.contains("javascript:"));
        assert!(page.contains("href=\"https://a.org/1\""));
    }
}
