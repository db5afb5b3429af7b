//! The nouns every stage speaks: sources, entries, articles, stories and editions.
//!
//! These are plain data with serde, and no I/O. A feed parser produces [`Entry`] values, the
//! extractor and the store turn them into [`Article`]s, the story stage groups articles into
//! [`Story`] values, and the edition stage orders stories into an [`Edition`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How Roundup reads a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// An RSS, Atom or JSON Feed document.
    #[default]
    Feed,
    /// Entries that arrived through `roundup import`.
    Import,
    /// A section page watched for new article links.
    Page,
}

impl SourceKind {
    /// The name stored in the database and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Import => "import",
            SourceKind::Page => "page",
        }
    }
}

/// Cache validators from an earlier response, for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The ETag header.
    pub etag: Option<String>,
    /// The Last-Modified header.
    pub last_modified: Option<String>,
}

/// One item as a source announced it: a feed entry or an imported line, before extraction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The source's own identifier for the item (GUID, Atom id, JSON Feed id).
    pub guid: Option<String>,
    /// Headline as given by the source.
    pub title: String,
    /// Link to the article page, absolute.
    pub link: String,
    /// Publication time, when the source gave one.
    pub published: Option<DateTime<Utc>>,
    /// Plain-text summary or teaser.
    pub summary: Option<String>,
    /// Full plain text, when the source carries it.
    pub text: Option<String>,
    /// ISO 639-1 language code, when known.
    pub lang: Option<String>,
    /// Author's name.
    pub author: Option<String>,
}

/// An article as the store keeps it: what a source announced plus what extraction found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Store id; 0 before the article is stored.
    pub id: i64,
    /// Display name of the source the article came from.
    pub source: String,
    /// The link as the source gave it (or as imported); the article's identity.
    pub link: String,
    /// Canonical URL declared by the page, when different from the link.
    pub canonical_url: Option<String>,
    /// Headline.
    pub title: String,
    /// Publication time.
    pub published: Option<DateTime<Utc>>,
    /// Author's name.
    pub author: Option<String>,
    /// ISO 639-1 language code.
    pub lang: Option<String>,
    /// Short summary or teaser, plain text.
    pub summary: Option<String>,
    /// Main text, plain text with paragraphs separated by blank lines; may be empty.
    pub text: String,
    /// The site's own name (og:site_name), when given.
    pub site_name: Option<String>,
    /// Lead image URL (og:image), when given.
    pub image: Option<String>,
}

impl Article {
    /// The best text available for analysis: body text, else summary, else nothing.
    pub fn body(&self) -> &str {
        if !self.text.trim().is_empty() {
            &self.text
        } else {
            self.summary.as_deref().unwrap_or("")
        }
    }
}

/// A half-open time window `[from, to)` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Start, inclusive.
    pub from: DateTime<Utc>,
    /// End, exclusive.
    pub to: DateTime<Utc>,
}

impl Window {
    /// Whether `t` falls inside the window.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.from && t < self.to
    }
}

/// A story's score: the total and the named terms it is the sum of.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Sum of the terms.
    pub total: f64,
    /// Each term by name, so that an editor can see why a story ranks where it does.
    pub terms: BTreeMap<String, f64>,
}

impl Score {
    /// Adds a named term to the score.
    pub fn add(&mut self, name: &str, value: f64) {
        self.total += value;
        self.terms.insert(name.to_string(), value);
    }
}

/// A reference to an article as an edition shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleRef {
    /// Link exactly as the source gave it.
    pub link: String,
    /// Source display name.
    pub source: String,
    /// Article headline.
    pub title: String,
    /// Publication time.
    pub published: Option<DateTime<Utc>>,
    /// ISO 639-1 language code.
    pub lang: Option<String>,
}

impl From<&Article> for ArticleRef {
    fn from(a: &Article) -> Self {
        ArticleRef {
            link: a.link.clone(),
            source: a.source.clone(),
            title: a.title.clone(),
            published: a.published,
            lang: a.lang.clone(),
        }
    }
}

/// One event reported by one or more articles.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Story {
    /// Member articles, earliest first; near-duplicates are folded into `also_carried_by`.
    pub articles: Vec<Article>,
    /// Near-duplicate copies of member articles (syndication, light rewrites).
    pub also_carried_by: Vec<ArticleRef>,
    /// Watched entities the story mentions, by their display name.
    pub entities: Vec<String>,
    /// Beat topics the story touches.
    pub topics: Vec<String>,
    /// Ranking score.
    pub score: Score,
}

impl Story {
    /// Distinct outlets covering the story, including near-duplicate carriers.
    pub fn outlets(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .articles
            .iter()
            .map(|a| a.source.clone())
            .chain(self.also_carried_by.iter().map(|a| a.source.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// One numbered story as an edition presents it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditionItem {
    /// Position in the edition, from 1.
    pub rank: usize,
    /// Headline.
    pub headline: String,
    /// One or two paragraphs, separated by a blank line.
    pub summary: String,
    /// Language of the headline and summary.
    pub lang: String,
    /// Watched entities, by their English display name.
    pub entities: Vec<String>,
    /// Beat topics.
    pub topics: Vec<String>,
    /// Number of distinct outlets.
    pub outlets: usize,
    /// Ranking score with its terms.
    pub score: Score,
    /// The story's articles.
    pub articles: Vec<ArticleRef>,
    /// Near-duplicate copies carried by other outlets.
    pub also_carried_by: Vec<ArticleRef>,
    /// The summary sentence by sentence, each with the article it comes from, so that pages
    /// link every sentence to its source; empty when the summary was written by hand.
    #[serde(default)]
    pub sentences: Vec<ItemSentence>,
    /// The edition section it is shown under, when the edition has sections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// The lead image of its first article that has one (og:image), http(s) only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// An editor pinned it: it stays in the edition when the draft is rebuilt.
    #[serde(default, skip_serializing_if = "is_false")]
    pub pinned: bool,
    /// An editor rewrote its headline or summary by hand.
    #[serde(default, skip_serializing_if = "is_false")]
    pub edited: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl EditionItem {
    /// The story's identity for editorial actions: the link of its first article (or of its
    /// first copy). A rebuilt draft finds the story again by any member with this link.
    pub fn key(&self) -> &str {
        self.articles
            .first()
            .or(self.also_carried_by.first())
            .map_or("", |a| a.link.as_str())
    }

    /// Whether the story has an article (or a copy) with this link.
    pub fn has_link(&self, link: &str) -> bool {
        self.articles
            .iter()
            .chain(&self.also_carried_by)
            .any(|a| a.link == link)
    }
}

/// One summary sentence of an edition item and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemSentence {
    /// The sentence as the source wrote it.
    pub text: String,
    /// Index of its source in the item's `articles`.
    pub article: usize,
    /// Paragraph of the summary it belongs to, from 0.
    pub paragraph: usize,
}

/// An edition: intro, numbered stories, wrap-up, and the bench of next candidates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edition {
    /// Edition title, such as the beat's name.
    pub title: String,
    /// The window the edition covers.
    pub window: Window,
    /// The window as calendar days in the beat's timezone, for display.
    pub window_label: String,
    /// Opening paragraph.
    pub intro: String,
    /// The stories, in rank order.
    pub stories: Vec<EditionItem>,
    /// The next candidates (ranks N+1 onward), for an editor to swap in.
    pub bench: Vec<EditionItem>,
    /// Closing paragraph.
    pub wrap_up: String,
    /// When the edition was built.
    pub generated_at: DateTime<Utc>,
    /// Stories an editor dropped from this draft, so that they can be restored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<EditionItem>,
}

/// An editor's change to a draft. Each is kept as an event, and a rebuilt draft replays
/// them, so that the editor's work survives new articles. Stories are named by
/// [`EditionItem::key`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Keep the story in the edition whatever its rank.
    Pin {
        /// The story.
        story: String,
    },
    /// Undo a pin.
    Unpin {
        /// The story.
        story: String,
    },
    /// Take the story out of the edition (it can be restored).
    Drop {
        /// The story.
        story: String,
    },
    /// Bring a dropped story back, at the end of the edition.
    Restore {
        /// The story.
        story: String,
    },
    /// Move the story to a position in the edition, from 1.
    Move {
        /// The story.
        story: String,
        /// The new position.
        to: usize,
    },
    /// Fold a story's articles into another story.
    Merge {
        /// The story that goes.
        story: String,
        /// The story that takes its articles.
        into: String,
    },
    /// Take one article out of a story, as a story of its own on the bench.
    Split {
        /// The story.
        story: String,
        /// The article's link.
        link: String,
        /// The new story, written when the split was made.
        item: Box<EditionItem>,
    },
    /// Rewrite a story's headline and summary (Markdown).
    Edit {
        /// The story.
        story: String,
        /// New headline.
        headline: String,
        /// New summary.
        summary: String,
    },
    /// Exchange a story of the bench with one of the edition.
    Swap {
        /// The bench story that comes in.
        story: String,
        /// The edition story that goes to the bench.
        with: String,
    },
    /// Pull a story into the edition that the draft did not have (a search hit, an article
    /// added by URL), pinned at the end.
    Add {
        /// The story, written when it was pulled in.
        item: Box<EditionItem>,
    },
    /// Replace the intro.
    Intro {
        /// New intro (Markdown).
        text: String,
    },
    /// Replace the wrap-up.
    WrapUp {
        /// New wrap-up (Markdown).
        text: String,
    },
}

/// An [`Action`] as the store keeps it: who did what, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditorialEvent {
    /// Store id; events replay in id order.
    pub id: i64,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The editor's user name.
    pub user: String,
    /// What was done.
    pub action: Action,
}

/// An edition as published by Roundup, with its stable address.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    /// The edition's address in the archive (`/editions/{slug}.html`).
    pub slug: String,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// The editor who published it.
    pub published_by: String,
    /// The edition, exactly as published.
    pub edition: Edition,
}
