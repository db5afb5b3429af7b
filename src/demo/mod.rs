//! `roundup demo`: the whole pipeline, offline, over real HTTP on a loopback port.
//!
//! The sample beat ([`Beat`], from `beat.toml` embedded in the binary) is a week of short
//! articles written for Roundup by nine outlets, in English and Chinese: RSS 2.0, Atom and
//! JSON Feed, one outlet encoded in GBK, several stories reported by three or more outlets in
//! both languages, a syndicated copy, a light rewrite, and off-beat distractors. [`server`]
//! serves it as a real site; [`run`] fetches it with the ordinary fetcher and builds the
//! edition for the data's own dates, so the demo gives the same edition on any day.

pub mod server;

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Deserialize;

use crate::config::{self, Config};
use crate::model::Edition;
use crate::pipeline::{self, SourceReport};
use crate::render;
use crate::store::Store;

/// The sample beat's data.
#[derive(Debug, Clone, Deserialize)]
pub struct Beat {
    /// The outlets.
    #[serde(rename = "outlet")]
    pub outlets: Vec<Outlet>,
    /// The articles.
    #[serde(rename = "article")]
    pub articles: Vec<DemoArticle>,
}

/// A sample outlet.
#[derive(Debug, Clone, Deserialize)]
pub struct Outlet {
    /// URL path segment.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Language (ISO 639-1).
    pub lang: String,
    /// "rss", "atom" or "json".
    pub format: String,
    /// Character encoding of its feed and pages ("utf-8" unless set).
    #[serde(default)]
    pub encoding: Option<String>,
}

/// A sample article.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoArticle {
    /// Outlet slug.
    pub outlet: String,
    /// URL path segment.
    pub slug: String,
    /// The event it reports (ground truth for tests; the pipeline never sees it).
    pub story: String,
    /// Publication time.
    pub date: DateTime<FixedOffset>,
    /// Headline.
    pub title: String,
    /// Author.
    #[serde(default)]
    pub author: Option<String>,
    /// Paragraphs separated by blank lines.
    #[serde(default)]
    pub body: String,
    /// "outlet/slug" of the article this one syndicates verbatim.
    #[serde(default)]
    pub copy_of: Option<String>,
}

impl Beat {
    /// The embedded sample beat.
    pub fn sample() -> Beat {
        toml::from_str(include_str!("beat.toml")).expect("the embedded demo beat parses")
    }

    /// An article's body, following `copy_of`.
    pub fn body_of<'a>(&'a self, a: &'a DemoArticle) -> &'a str {
        match &a.copy_of {
            Some(key) => self
                .articles
                .iter()
                .find(|o| format!("{}/{}", o.outlet, o.slug) == *key)
                .map(|o| o.body.as_str())
                .unwrap_or(&a.body),
            None => &a.body,
        }
    }

    /// The outlet of an article.
    pub fn outlet(&self, slug: &str) -> Option<&Outlet> {
        self.outlets.iter().find(|o| o.slug == slug)
    }

    /// First and last calendar day of the data, in `tz`.
    pub fn days(&self, tz: chrono_tz::Tz) -> (NaiveDate, NaiveDate) {
        let days: Vec<NaiveDate> = self
            .articles
            .iter()
            .map(|a| a.date.with_timezone(&tz).date_naive())
            .collect();
        let min = days.iter().min().copied().unwrap_or_default();
        let max = days.iter().max().copied().unwrap_or_default();
        (min, max)
    }
}

impl Outlet {
    /// Path of the outlet's feed on the demo server.
    pub fn feed_path(&self) -> String {
        let ext = if self.format == "json" { "json" } else { "xml" };
        format!("/{}/feed.{ext}", self.slug)
    }

    /// Whether feed and pages are GBK-encoded.
    pub fn is_gbk(&self) -> bool {
        self.encoding
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("gbk"))
    }
}

/// The demo's beat config: the China digital example's watchlist and topics, with the sample
/// outlets as sources at `base_url`.
pub fn config(beat: &Beat, base_url: &str, dir: &Path) -> anyhow::Result<Config> {
    let text = demo_config_text(beat, base_url);
    Config::parse(&text, dir.to_path_buf())
        .map_err(|p| anyhow::anyhow!("demo config is invalid: {p:?}"))
}

/// The config text written beside the demo's store.
fn demo_config_text(beat: &Beat, base_url: &str) -> String {
    let example = config::example("china-digital").unwrap_or_default();
    let kept: Vec<&str> = example
        .split("\n\n")
        .filter(|block| {
            let t = block.trim_start();
            !(t.starts_with("[[source]]")
                || t.starts_with("# --- Sources")
                || t.starts_with("[fetch]"))
        })
        .collect();
    let mut text = String::from(
        "# Written by `roundup demo`: the China digital example beat, with the demo's sample outlets.\n\
         # The sample outlets were served on a loopback port that is gone now: `roundup fetch` with this\n\
         # file will report them as failing. `stories`, `search`, `draft` and `serve` work offline.\n\n",
    );
    text.push_str(&kept.join("\n\n"));
    text.push_str(
        "\n\n[fetch]\nper_host_interval_ms = 20\nconcurrency = 8\ntimeout_secs = 10\n\
         # The sample outlets are served on this machine: let the address guard allow it.\n\
         allow_hosts = [\"127.0.0.1\"]\n",
    );
    for o in &beat.outlets {
        text.push_str(&format!(
            "\n[[source]]\nname = \"{}\"\nurl = \"{}{}\"\nlang = \"{}\"\n",
            o.name,
            base_url,
            o.feed_path(),
            o.lang
        ));
    }
    text
}

/// What a demo run produced.
#[derive(Debug)]
pub struct DemoOutcome {
    /// The demo folder.
    pub dir: PathBuf,
    /// The Markdown edition.
    pub markdown: PathBuf,
    /// The HTML edition.
    pub html: PathBuf,
    /// The store.
    pub db: PathBuf,
    /// The edition.
    pub edition: Edition,
    /// Per-source fetch reports.
    pub reports: Vec<SourceReport>,
}

/// Runs the demo into `dir` (reset first): serve, fetch, extract, store, draft, render.
pub async fn run(dir: &Path) -> anyhow::Result<DemoOutcome> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("demo: cannot create {}: {e}", dir.display()))?;
    let db = dir.join("roundup.db");
    for name in [
        "roundup.db",
        "roundup.db-wal",
        "roundup.db-shm",
        "edition.md",
        "edition.html",
    ] {
        let p = dir.join(name);
        if p.exists() {
            std::fs::remove_file(&p)
                .map_err(|e| anyhow::anyhow!("demo: cannot reset {}: {e}", p.display()))?;
        }
    }
    let beat = Beat::sample();
    let server = server::start(beat.clone()).await?;
    let base = format!("http://{}", server.addr);
    let mut config = config(&beat, &base, dir)?;
    config.store.path = Some("roundup.db".to_string());
    std::fs::write(dir.join("roundup.toml"), demo_config_text(&beat, &base))?;

    let store = Store::connect(
        &crate::store::Location::Sqlite(db.clone()),
        config.beat_id(),
    )
    .await?;
    let pb = pipeline::progress_bar(config.sources.len() as u64, "fetching");
    let reports = pipeline::fetch_all(&config, &store, &pb, pipeline::Due::All).await?;
    pb.finish_and_clear();
    server.stop();

    let tz = config.timezone();
    let (from, to) = beat.days(tz);
    let window = crate::edition::window::days(tz, from, to);
    let now = window.to;
    let pb = pipeline::progress_bar(1, "drafting");
    let edition = pipeline::draft(&config, &store, window, config.edition.size, now).await?;
    pb.finish_and_clear();
    store.close().await;

    let markdown = dir.join("edition.md");
    let html = dir.join("edition.html");
    std::fs::write(&markdown, render::markdown(&edition))?;
    std::fs::write(&html, render::html(&edition))?;
    Ok(DemoOutcome {
        dir: dir.to_path_buf(),
        markdown,
        html,
        db,
        edition,
        reports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_beat_is_complete() {
        let beat = Beat::sample();
        assert!(beat.outlets.len() >= 8);
        for f in ["rss", "atom", "json"] {
            assert!(beat.outlets.iter().any(|o| o.format == f), "{f}");
        }
        assert!(beat.outlets.iter().any(Outlet::is_gbk));
        assert!(beat.articles.len() >= 40);
        for a in &beat.articles {
            assert!(beat.outlet(&a.outlet).is_some(), "{}", a.slug);
            assert!(!beat.body_of(a).trim().is_empty(), "{}", a.slug);
        }
        let config = config(&beat, "http://127.0.0.1:1", Path::new(".")).unwrap();
        assert_eq!(config.sources.len(), beat.outlets.len());
        assert!(config.entities.len() >= 17);
    }
}
