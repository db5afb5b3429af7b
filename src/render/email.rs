//! An edition as an email: responsive HTML (an MJML template rendered by mrml) and the
//! plain-text part that goes with it.

use minijinja::context;

use super::TEMPLATES;
use crate::model::Edition;

/// Why an email could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("email: cannot render the edition: {0}")]
pub struct EmailError(String);

/// The edition as a responsive HTML email, with a link to its web page and to unsubscribe.
pub fn html(e: &Edition, web_url: &str, unsubscribe_url: &str) -> Result<String, EmailError> {
    let tmpl = TEMPLATES
        .get_template("email.mjml")
        .map_err(|err| EmailError(err.to_string()))?;
    let mjml = tmpl
        .render(context! { edition => e, web_url => web_url, unsubscribe_url => unsubscribe_url })
        .map_err(|err| EmailError(err.to_string()))?;
    let parsed = mrml::parse(&mjml).map_err(|err| EmailError(format!("MJML: {err}")))?;
    parsed
        .element
        .render(&mrml::prelude::render::RenderOptions::default())
        .map_err(|err| EmailError(format!("MJML: {err}")))
}

/// The edition as plain text, for the text part of the email.
pub fn text(e: &Edition, web_url: &str, unsubscribe_url: &str) -> String {
    let mut out = format!(
        "{}\n{}\n\nRead on the web: {web_url}\n\n{}\n\n",
        e.title,
        e.window_label,
        e.intro.trim()
    );
    for s in &e.stories {
        out.push_str(&format!(
            "{}. {}\n\n{}\n\n",
            s.rank,
            s.headline,
            s.summary.trim()
        ));
        for a in &s.articles {
            if let Some(url) = super::safe_url(&a.link) {
                out.push_str(&format!("  - {}: {url}\n", a.source));
            }
        }
        out.push('\n');
    }
    out.push_str(e.wrap_up.trim());
    out.push_str(&format!("\n\n--\nUnsubscribe: {unsubscribe_url}\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ArticleRef, EditionItem, Window};

    #[test]
    fn email_is_responsive_html_with_escaped_content_and_links() {
        let now = chrono::Utc::now();
        let e = Edition {
            title: "Digest".into(),
            window: Window { from: now, to: now },
            window_label: "17–23 November 2025".into(),
            intro: "Hello <script>x()</script>".into(),
            stories: vec![EditionItem {
                rank: 1,
                headline: "Temu <i>fined</i> & more".into(),
                summary: "One.\n\nTwo.".into(),
                lang: "en".into(),
                entities: vec![],
                topics: vec![],
                outlets: 1,
                score: Default::default(),
                articles: vec![ArticleRef {
                    link: "https://a.org/1?x=1&y=2".into(),
                    source: "A".into(),
                    title: "T".into(),
                    published: None,
                    lang: None,
                }],
                also_carried_by: vec![],
                sentences: vec![],
                section: None,
                image: Some("javascript:alert(1)".into()),
                pinned: false,
                edited: false,
            }],
            bench: vec![],
            wrap_up: "Bye".into(),
            generated_at: now,
            dropped: vec![],
        };
        let page = html(&e, "https://d.org/editions/x.html", "https://d.org/u/tok").unwrap();
        assert!(page.contains("Temu &lt;i&gt;fined&lt;"), "{page}");
        assert!(page.contains("&amp; more") && !page.contains("<i>fined"));
        assert!(!page.contains("<script>x()"));
        assert!(!page.contains("javascript:"));
        assert!(page.contains("https://d.org/u/tok"));
        assert!(page.contains("@media"), "MJML's responsive styles");
        let plain = text(&e, "https://d.org/editions/x.html", "https://d.org/u/tok");
        assert!(plain.contains("1. Temu <i>fined</i> & more\n\nOne.\n\nTwo."));
        assert!(plain.contains("  - A: https://a.org/1?x=1&y=2"));
        assert!(plain.ends_with("Unsubscribe: https://d.org/u/tok\n"));
    }
}
