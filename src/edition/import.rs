//! Editions published before Roundup, read back from Markdown or JSON so that novelty works
//! from the first week.
//!
//! JSON is an edition as `roundup draft --format json` writes it. Markdown is a numbered list
//! of stories under headings (`## 1. Headline`, `### 2) Headline`) or as bold numbered lines
//! (`1. **Headline**`), each followed by its paragraphs; `[text](url)` links in them become
//! the story's sources. The first `# ` heading is the edition's title.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use regex::Regex;

use crate::model::{ArticleRef, Edition, EditionItem, Score, Window};

/// Why a file is not an edition.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// JSON that is not an edition.
    #[error(
        "not an edition in Roundup's JSON form ({0}); use the output of `roundup draft --format json`, or Markdown"
    )]
    Json(String),
    /// Markdown without numbered stories.
    #[error(
        "no numbered stories found: write each as a heading such as \"## 1. Headline\" or a line such as \"1. **Headline**\""
    )]
    NoStories,
}

/// An edition read from a file, with the day it was published when the file tells.
pub struct Imported {
    /// The edition.
    pub edition: Edition,
    /// Publication time found in the file (the JSON window's end, or an ISO date in the
    /// Markdown title).
    pub published: Option<DateTime<Utc>>,
    /// Whether the file gave the edition's window (JSON does, Markdown does not).
    window_in_file: bool,
}

impl Imported {
    /// The edition as published at `published`: its time set, and, when the file gave no
    /// window, the seven days before.
    pub fn published_at(self, published: DateTime<Utc>) -> Edition {
        let mut edition = self.edition;
        edition.generated_at = published;
        if !self.window_in_file {
            edition.window = Window {
                from: published - chrono::Duration::days(7),
                to: published,
            };
        }
        edition
    }
}

/// Reads an edition from `text`: JSON when it starts with `{`, else Markdown. `name` titles
/// an edition whose Markdown has no `# ` heading.
pub fn parse(text: &str, name: &str) -> Result<Imported, ImportError> {
    if text.trim_start().starts_with('{') {
        let edition: Edition =
            serde_json::from_str(text).map_err(|e| ImportError::Json(e.to_string()))?;
        let published = Some(edition.window.to);
        return Ok(Imported {
            edition,
            published,
            window_in_file: true,
        });
    }
    markdown(text, name)
}

static HEADING_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^#{2,4}\s*(\d{1,3})[.)]\s+(.+?)\s*#*\s*$").expect("static regex")
});
static BOLD_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{1,3})[.)]\s+\*\*(.+?)\*\*[.:]?\s*(.*)$").expect("static regex")
});
static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\]]+)\]\((https?://[^)\s]+)\)").expect("static regex"));
static ISO_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})-(\d{2})-(\d{2})").expect("static regex"));

fn markdown(text: &str, name: &str) -> Result<Imported, ImportError> {
    let mut title: Option<String> = None;
    let mut items: Vec<(usize, String, Vec<String>)> = Vec::new();
    // Lines belong to the last story until another heading (a section, the wrap-up) ends it.
    let mut collecting = false;
    for line in text.lines() {
        let line = line.trim_end();
        if let Some(c) = HEADING_ITEM.captures(line) {
            items.push((
                c[1].parse().unwrap_or(items.len() + 1),
                c[2].to_string(),
                Vec::new(),
            ));
            collecting = true;
            continue;
        }
        if let Some(c) = BOLD_ITEM.captures(line) {
            let rest = c[3].trim();
            let body = if rest.is_empty() {
                Vec::new()
            } else {
                vec![rest.to_string()]
            };
            items.push((
                c[1].parse().unwrap_or(items.len() + 1),
                c[2].to_string(),
                body,
            ));
            collecting = true;
            continue;
        }
        if line.starts_with('#') {
            if let Some(h) = line.strip_prefix("# ")
                && title.is_none()
            {
                title = Some(h.trim().to_string());
            }
            collecting = false;
            continue;
        }
        if collecting && let Some(last) = items.last_mut() {
            last.2.push(line.trim().to_string());
        }
    }
    if items.is_empty() {
        return Err(ImportError::NoStories);
    }
    let title = title.unwrap_or_else(|| name.to_string());
    let published = ISO_DATE.captures(&title).and_then(|c| {
        NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .map(|t| t.and_utc())
    });
    let stories = items
        .into_iter()
        .map(|(rank, headline, lines)| {
            let summary = lines.join("\n").trim().to_string();
            let articles = LINK
                .captures_iter(&summary)
                .map(|c| ArticleRef {
                    link: c[2].to_string(),
                    source: url::Url::parse(&c[2])
                        .ok()
                        .and_then(|u| u.host_str().map(str::to_string))
                        .unwrap_or_default(),
                    title: c[1].to_string(),
                    published: None,
                    lang: None,
                })
                .collect();
            let summary = LINK.replace_all(&summary, "$1").to_string();
            EditionItem {
                rank,
                headline: strip_markup(&headline),
                summary,
                lang: String::new(),
                entities: Vec::new(),
                topics: Vec::new(),
                outlets: 0,
                score: Score::default(),
                articles,
                also_carried_by: Vec::new(),
                sentences: Vec::new(),
                section: None,
                image: None,
                pinned: false,
                edited: false,
            }
        })
        .collect();
    let when = published.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    Ok(Imported {
        edition: Edition {
            title,
            window: Window {
                from: when,
                to: when,
            },
            window_label: String::new(),
            intro: String::new(),
            stories,
            bench: Vec::new(),
            wrap_up: String::new(),
            generated_at: when,
            dropped: Vec::new(),
        },
        published,
        window_in_file: false,
    })
}

/// A headline without Markdown emphasis or link syntax.
fn strip_markup(s: &str) -> String {
    LINK.replace_all(s, "$1")
        .replace("**", "")
        .replace('*', "")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEKLY: &str = "# China Digital Digest Weekly 2025-11-16\n\nThis week...\n\n## 1. JD.com soft-opens its first JD Mall in Beijing\n\nJD.com opened a 50,000 square metre store ([Pandaily](https://pandaily.com/jd-mall)).\n\nMore cities follow.\n\n## 2. Temu fined by Dutch regulator\n\nThe ACM fined Temu 4 million euros.\n\n## Wrap-up\n\nSee you next week.\n";

    #[test]
    fn markdown_headings_become_stories_with_their_links() {
        let e = parse(WEEKLY, "weekly.md").unwrap();
        assert_eq!(e.edition.title, "China Digital Digest Weekly 2025-11-16");
        assert_eq!(
            e.published.unwrap().date_naive(),
            NaiveDate::from_ymd_opt(2025, 11, 16).unwrap()
        );
        let s = &e.edition.stories;
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].headline,
            "JD.com soft-opens its first JD Mall in Beijing"
        );
        assert!(
            s[0].summary
                .contains("50,000 square metre store (Pandaily)")
        );
        assert!(s[0].summary.contains("More cities follow."));
        assert_eq!(s[0].articles[0].link, "https://pandaily.com/jd-mall");
        assert_eq!(s[0].articles[0].source, "pandaily.com");
        assert_eq!(s[1].rank, 2);
        assert!(
            !s[1].summary.contains("See you next week"),
            "{}",
            s[1].summary
        );
        // Markdown gives no window: the week before publication stands in.
        let at = e.published.unwrap();
        let edition = e.published_at(at);
        assert_eq!(edition.window.to, at);
        assert_eq!(edition.window.from, at - chrono::Duration::days(7));
    }

    #[test]
    fn bold_numbered_lines_and_json_also_work() {
        let md = "1. **Shein opens in Paris.** The BHV store drew crowds.\n2. **Temu fined** in the Netherlands.\n";
        let e = parse(md, "old.md").unwrap();
        assert_eq!(e.edition.title, "old.md");
        assert!(e.published.is_none());
        assert_eq!(e.edition.stories[0].headline, "Shein opens in Paris.");
        assert_eq!(e.edition.stories[0].summary, "The BHV store drew crowds.");
        let json = serde_json::to_string(&e.edition).unwrap();
        let back = parse(&json, "x.json").unwrap();
        assert_eq!(back.edition.stories.len(), 2);
        assert!(matches!(
            parse("{\"title\": 3}", "x.json"),
            Err(ImportError::Json(_))
        ));
        assert!(matches!(
            parse("Just prose.\n", "x.md"),
            Err(ImportError::NoStories)
        ));
    }
}
