//! Filling an edition's slots from ranked stories.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::model::{Article, ArticleRef, Edition, EditionItem, Story, Window};
use crate::summarize::{self, Input};

/// Builds the edition for `window` from ranked stories (best first): `size` stories, then the
/// bench.
pub fn build(
    stories: &[Story],
    config: &Config,
    window: Window,
    size: usize,
    now: DateTime<Utc>,
) -> Edition {
    let lang = config.beat.language.as_str();
    let words = config.edition.summary_words as f64;
    let bench_len = config.edition.bench;
    let items: Vec<EditionItem> = stories
        .iter()
        .take(size + bench_len)
        .enumerate()
        .map(|(i, s)| item(i + 1, s, lang, words))
        .collect();
    let (stories_part, bench) = if items.len() > size {
        let mut items = items;
        let bench = items.split_off(size);
        (items, bench)
    } else {
        (items, Vec::new())
    };
    let tz = config.timezone();
    let window_label = super::window::label(tz, window);
    let fill = |t: &str| {
        t.replace("{count}", &stories_part.len().to_string())
            .replace("{window}", &window_label)
    };
    Edition {
        title: config.edition_title(),
        window,
        intro: fill(&config.edition.intro),
        wrap_up: fill(&config.edition.wrap_up),
        window_label,
        stories: stories_part,
        bench,
        generated_at: now,
    }
}

/// One story as an edition item: summarized from the articles in the edition's language when
/// there are any, else from all (the item is then marked with the sources' language).
fn item(rank: usize, story: &Story, lang: &str, words: f64) -> EditionItem {
    let same_lang: Vec<&Article> = story
        .articles
        .iter()
        .filter(|a| a.lang.as_deref() == Some(lang))
        .collect();
    let chosen: Vec<&Article> = if same_lang.is_empty() {
        story.articles.iter().collect()
    } else {
        same_lang
    };
    let item_lang = if chosen.iter().any(|a| a.lang.as_deref() == Some(lang)) {
        lang.to_string()
    } else {
        chosen
            .iter()
            .find_map(|a| a.lang.clone())
            .unwrap_or_else(|| lang.to_string())
    };
    let inputs: Vec<Input> = chosen
        .iter()
        .map(|a| Input {
            title: a.title.clone(),
            text: a.body().to_string(),
        })
        .collect();
    let summary = summarize::summarize(
        &inputs,
        &summarize::Options {
            words,
            ..Default::default()
        },
    );
    let prose = two_paragraphs(&summary);
    EditionItem {
        rank,
        headline: summary.headline.clone(),
        summary: prose,
        lang: item_lang,
        entities: story.entities.clone(),
        topics: story.topics.clone(),
        outlets: story.outlets().len(),
        score: story.score.clone(),
        articles: story.articles.iter().map(ArticleRef::from).collect(),
        also_carried_by: story.also_carried_by.clone(),
    }
}

/// The summary as one or two paragraphs: the lead sentence(s), then the rest.
fn two_paragraphs(summary: &summarize::Summary) -> String {
    let n = summary.sentences.len();
    if n <= 2 {
        return summary.prose();
    }
    let split = n.div_ceil(2);
    let first = summarize::Summary {
        headline: String::new(),
        sentences: summary.sentences[..split].to_vec(),
    };
    let second = summarize::Summary {
        headline: String::new(),
        sentences: summary.sentences[split..].to_vec(),
    };
    format!("{}\n\n{}", first.prose(), second.prose())
}
