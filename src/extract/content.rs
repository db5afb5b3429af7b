//! Main text: boilerplate removal over an already-parsed DOM.
//!
//! The first version wraps dom_smoothie (a Readability port) in its formatted-text mode, which
//! keeps paragraph breaks. When Readability finds no article (very short pages, bare
//! paragraphs), the text of the `<p>` elements is used, then the body text.

use dom_query::Document;
use dom_smoothie::{Config, Readability, TextMode};

/// Text found by the content extractor, with what Readability learnt along the way.
#[derive(Debug, Clone, Default)]
pub struct Body {
    /// Paragraphs separated by blank lines.
    pub text: String,
    /// Readability's idea of the title.
    pub title: Option<String>,
    /// Readability's idea of the author.
    pub byline: Option<String>,
}

/// Most elements a page may have before extraction gives up on Readability (bounded work).
const MAX_ELEMENTS: usize = 200_000;

/// Extracts the main text of a parsed page.
pub fn main_text(doc: Document, url: Option<&str>) -> Body {
    let fallback = paragraphs_text(&doc);
    let cfg = Config {
        text_mode: TextMode::Formatted,
        max_elements_to_parse: MAX_ELEMENTS,
        // Metadata, JSON-LD included, is read from the same DOM by `meta`.
        disable_json_ld: true,
        ..Default::default()
    };
    let url = url.filter(|u| url::Url::parse(u).is_ok());
    let parsed = Readability::with_document(doc, url, Some(cfg)).and_then(|mut r| r.parse());
    match parsed {
        Ok(article) => {
            let text = tidy(&article.text_content);
            let text = if text.is_empty() { fallback } else { text };
            Body {
                text,
                title: Some(article.title).filter(|t| !t.trim().is_empty()),
                byline: article.byline.filter(|b| !b.trim().is_empty()),
            }
        }
        Err(_) => Body {
            text: fallback,
            title: None,
            byline: None,
        },
    }
}

/// The page's paragraphs as text, without Readability: the fallback for pages too deeply
/// nested to analyse in bounded time.
pub fn plain_text(doc: &Document) -> Body {
    Body {
        text: paragraphs_text(doc),
        title: None,
        byline: None,
    }
}

/// Text of the page's paragraphs, or of its body when it has none.
fn paragraphs_text(doc: &Document) -> String {
    let paras: Vec<String> = doc
        .select("p")
        .iter()
        .map(|p| collapse(&p.text()))
        .filter(|t| !t.is_empty())
        .collect();
    if !paras.is_empty() {
        return paras.join("\n\n");
    }
    tidy(&doc.select("body").text())
}

/// A text's runs of whitespace as single spaces, trimmed.
pub(super) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Collapses runs of spaces within lines and runs of blank lines into one paragraph break.
fn tidy(text: &str) -> String {
    let paras: Vec<String> = text
        .split('\n')
        .map(collapse)
        .filter(|l| !l.is_empty())
        .collect();
    paras.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_article_and_drops_the_chrome() {
        let body = "<p>JD.com opened its first JD Mall in Beijing on Friday, a store of more than fifty thousand square metres that sells appliances, furniture and groceries under one roof.</p>".repeat(3);
        let html = format!(
            "<html><body><nav><a href='/'>Home</a> <a href='/tech'>Tech</a></nav><article><h1>JD Mall opens</h1>{body}<p>Shoppers queued before the doors opened, and the company said the format would spread to other cities next year.</p></article><footer>Copyright 2025 Example News. All rights reserved.</footer></body></html>"
        );
        let out = main_text(Document::from(html.as_str()), Some("https://example.com/a"));
        assert!(
            out.text.contains("first JD Mall in Beijing"),
            "{}",
            out.text
        );
        assert!(out.text.contains("Shoppers queued"), "{}", out.text);
        assert!(!out.text.contains("All rights reserved"), "{}", out.text);
        assert!(!out.text.contains("Home"), "{}", out.text);
    }

    #[test]
    fn short_page_falls_back_to_paragraphs() {
        let out = main_text(
            Document::from("<html><body><p>Short note.</p></body></html>"),
            None,
        );
        assert_eq!(out.text, "Short note.");
    }
}
