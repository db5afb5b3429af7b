//! The public archive of published editions: the index page, each edition's page, the
//! Atom and JSON Feed of editions, and one Atom feed per watched entity.
//!
//! Every address is relative to the site's root, the same in `roundup serve` and in a
//! static export: `index.html`, `editions/{slug}.html` (and `.md`, `.json`), `feed.atom`,
//! `feed.json`, `entity/{name}.atom`. Feeds carry absolute links, from the site's base URL.

use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use chrono::{DateTime, FixedOffset, Utc};
use minijinja::context;
use serde::Serialize;

use super::{Nav, TEMPLATES, page};
use crate::model::Published;

/// A watched entity that appears in the archive, with its feed's file name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityLink {
    /// Display name.
    pub name: String,
    /// File name of its feed, without `.atom`.
    pub slug: String,
}

/// A name as a file name: lowercase letters and digits (any script), words joined by '-'.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The entities named by the archive's stories, by name.
pub fn entities(editions: &[Published]) -> Vec<EntityLink> {
    let mut names: Vec<&str> = editions
        .iter()
        .flat_map(|p| p.edition.stories.iter())
        .flat_map(|s| s.entities.iter().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|n| EntityLink {
            name: n.to_string(),
            slug: slug(n),
        })
        .filter(|e| !e.slug.is_empty())
        .collect()
}

/// The archive's index page; `subscribe` is the address of the subscription form, if any.
pub fn index(title: &str, editions: &[Published], subscribe: Option<&str>) -> String {
    let tmpl = TEMPLATES
        .get_template("archive.html")
        .expect("built-in template exists");
    let listed: Vec<_> = editions
        .iter()
        .map(|p| {
            context! {
                slug => p.slug,
                published_at => p.published_at.to_rfc3339(),
                edition => p.edition,
            }
        })
        .collect();
    tmpl.render(context! {
        title => title,
        editions => listed,
        entities => entities(editions),
        subscribe => subscribe,
    })
    .unwrap_or_else(|err| {
        format!(
            "<!doctype html><p>render error: {}</p>",
            minijinja::HtmlEscape(&err.to_string())
        )
    })
}

/// A published edition's page, linked to the archive.
pub fn edition_page(p: &Published) -> String {
    let nav = Nav {
        home: "../index.html".into(),
        atom: "../feed.atom".into(),
        json: "../feed.json".into(),
        markdown: Some(format!("{}.md", p.slug)),
    };
    page(&p.edition, Some(&nav))
}

fn fixed(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.fixed_offset()
}

fn edition_url(base: &str, slug: &str) -> String {
    format!("{base}/editions/{slug}.html")
}

/// The Atom feed of editions, newest first; each entry carries the whole edition.
pub fn atom(title: &str, base: &str, editions: &[Published]) -> String {
    let entries: Vec<Entry> = editions
        .iter()
        .map(|p| {
            let url = edition_url(base, &p.slug);
            Entry {
                id: url.clone(),
                title: Text::plain(format!("{} — {}", p.edition.title, p.edition.window_label)),
                updated: fixed(p.published_at),
                published: Some(fixed(p.published_at)),
                authors: vec![Person {
                    name: p.published_by.clone(),
                    ..Default::default()
                }],
                links: vec![Link {
                    href: url,
                    rel: "alternate".into(),
                    mime_type: Some("text/html".into()),
                    ..Default::default()
                }],
                summary: Some(Text::plain(headlines(p))),
                content: Some(Content {
                    value: Some(super::html(&p.edition)),
                    content_type: Some("html".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    feed(title, base, "feed.atom", entries, editions)
}

/// The Atom feed of the stories that name one entity, newest edition first.
pub fn entity_atom(title: &str, base: &str, entity: &str, editions: &[Published]) -> String {
    let entries: Vec<Entry> = editions
        .iter()
        .flat_map(|p| {
            p.edition
                .stories
                .iter()
                .filter(|s| s.entities.iter().any(|e| e == entity))
                .map(move |s| {
                    let url = format!("{}#story-{}", edition_url(base, &p.slug), s.rank);
                    Entry {
                        id: url.clone(),
                        title: Text::plain(s.headline.clone()),
                        updated: fixed(p.published_at),
                        published: Some(fixed(p.published_at)),
                        links: vec![Link {
                            href: url,
                            rel: "alternate".into(),
                            ..Default::default()
                        }],
                        summary: Some(Text::plain(s.summary.clone())),
                        ..Default::default()
                    }
                })
        })
        .collect();
    let file = format!("entity/{}.atom", slug(entity));
    feed(
        &format!("{title}: {entity}"),
        base,
        &file,
        entries,
        editions,
    )
}

fn headlines(p: &Published) -> String {
    p.edition
        .stories
        .iter()
        .map(|s| format!("{}. {}", s.rank, s.headline))
        .collect::<Vec<_>>()
        .join("\n")
}

fn feed(title: &str, base: &str, file: &str, entries: Vec<Entry>, all: &[Published]) -> String {
    let updated = all
        .iter()
        .map(|p| p.published_at)
        .max()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let feed = Feed {
        id: format!("{base}/{file}"),
        title: Text::plain(title.to_string()),
        updated: fixed(updated),
        links: vec![
            Link {
                href: format!("{base}/{file}"),
                rel: "self".into(),
                ..Default::default()
            },
            Link {
                href: format!("{base}/"),
                rel: "alternate".into(),
                ..Default::default()
            },
        ],
        entries,
        ..Default::default()
    };
    feed.to_string()
}

/// The JSON Feed (version 1.1) of editions, newest first.
pub fn json_feed(title: &str, base: &str, editions: &[Published]) -> String {
    let items: Vec<serde_json::Value> = editions
        .iter()
        .map(|p| {
            let url = edition_url(base, &p.slug);
            serde_json::json!({
                "id": url,
                "url": url,
                "title": format!("{} — {}", p.edition.title, p.edition.window_label),
                "summary": headlines(p),
                "content_html": super::html(&p.edition),
                "date_published": p.published_at.to_rfc3339(),
                "authors": [{"name": p.published_by}],
                "tags": entities(std::slice::from_ref(p)).into_iter().map(|e| e.name).collect::<Vec<_>>(),
            })
        })
        .collect();
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": format!("{base}/"),
        "feed_url": format!("{base}/feed.json"),
        "items": items,
    });
    serde_json::to_string_pretty(&feed).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_letters_of_any_script() {
        assert_eq!(slug("JD.com"), "jd-com");
        assert_eq!(slug("Alibaba"), "alibaba");
        assert_eq!(slug("  Singles' Day "), "singles-day");
        assert_eq!(slug("小红书"), "小红书");
        assert_eq!(slug("!!"), "");
    }
}
