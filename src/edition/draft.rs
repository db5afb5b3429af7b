//! Filling an edition's slots from ranked stories.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::model::{Article, ArticleRef, Edition, EditionItem, ItemSentence, Story, Window};
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
    let picked: Vec<usize> = pick_order(stories, config, size)
        .into_iter()
        .take(size + bench_len)
        .collect();
    // Sentences that the picked stories share word for word are their sites' furniture.
    let boilerplate = summarize::Boilerplate::from_stories(
        picked
            .iter()
            .map(|&s| stories[s].articles.iter().map(|a| a.body())),
    );
    let opts = summarize::Options {
        words,
        boilerplate: std::sync::Arc::new(boilerplate),
        ..Default::default()
    };
    let items: Vec<EditionItem> = picked
        .into_iter()
        .enumerate()
        .map(|(i, s)| item(i + 1, &stories[s], lang, &opts))
        .collect();
    let (mut stories_part, bench) = if items.len() > size {
        let mut items = items;
        let bench = items.split_off(size);
        (items, bench)
    } else {
        (items, Vec::new())
    };
    into_sections(&mut stories_part, &config.edition.sections);
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
        dropped: Vec::new(),
    }
}

/// The order in which ranked stories fill the edition: rank order, except that a story
/// whose lead entity already leads `[edition] max_per_entity` picked stories waits on the
/// bench, unless it is clearly bigger than the story that would take its place (half again
/// its score, or that story is off the beat with a score of zero or less).
fn pick_order(stories: &[Story], config: &Config, size: usize) -> Vec<usize> {
    let cap = config.edition.max_per_entity;
    if cap == 0 {
        return (0..stories.len()).collect();
    }
    let weight = |name: &str| {
        config
            .entities
            .iter()
            .find(|e| e.name.get_ref() == name)
            .map_or(1.0, |e| e.weight)
    };
    let lead: Vec<Option<&str>> = stories
        .iter()
        .map(|s| {
            s.entities
                .iter()
                .map(String::as_str)
                .fold(None, |best: Option<&str>, e| match best {
                    Some(b) if weight(b) >= weight(e) => Some(b),
                    _ => Some(e),
                })
        })
        .collect();
    let mut led: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut picked = Vec::new();
    let mut waiting = Vec::new();
    let capped = |i: usize, led: &std::collections::HashMap<&str, usize>| {
        lead[i].is_some_and(|e| led.get(e).copied().unwrap_or(0) >= cap)
    };
    for i in 0..stories.len() {
        if picked.len() >= size {
            waiting.push(i);
            continue;
        }
        if capped(i, &led) {
            let alternative = (i + 1..stories.len()).find(|&j| !capped(j, &led));
            let clearly_bigger = alternative.is_none_or(|j| {
                let (mine, theirs) = (stories[i].score.total, stories[j].score.total);
                theirs <= 0.0 || mine >= 1.5 * theirs
            });
            if !clearly_bigger {
                waiting.push(i);
                continue;
            }
        }
        if let Some(e) = lead[i] {
            *led.entry(e).or_insert(0) += 1;
        }
        picked.push(i);
    }
    waiting.sort_unstable();
    picked.extend(waiting);
    picked
}

/// One story as an edition item (also for a story an editor pulls in): summarized from the articles in the edition's language when
/// there are any, else from all (the item is then marked with the sources' language).
pub fn item(rank: usize, story: &Story, lang: &str, opts: &summarize::Options) -> EditionItem {
    // The articles in the edition's language when there are any, else all; by their place
    // in the story, which the sentences' source links refer to.
    let same_lang: Vec<usize> = (0..story.articles.len())
        .filter(|&i| {
            let a = &story.articles[i];
            crate::text::lang::writes_in(a.lang.as_deref(), &a.title, lang)
        })
        .collect();
    let in_lang = !same_lang.is_empty();
    let position: Vec<usize> = if in_lang {
        same_lang
    } else {
        (0..story.articles.len()).collect()
    };
    let chosen: Vec<&Article> = position.iter().map(|&i| &story.articles[i]).collect();
    let item_lang = if in_lang {
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
    let summary = summarize::summarize(&inputs, opts);
    let prose = two_paragraphs(&summary);
    let split = paragraph_split(summary.sentences.len());
    let sentences = summary
        .sentences
        .iter()
        .enumerate()
        .map(|(i, s)| ItemSentence {
            text: s.text.clone(),
            article: position.get(s.article).copied().unwrap_or(0),
            paragraph: usize::from(i >= split),
        })
        .collect();
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
        sentences,
        section: None,
        image: story
            .articles
            .iter()
            .filter_map(|a| a.image.as_deref())
            .find(|u| url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https")))
            .map(str::to_string),
        pinned: false,
        edited: false,
    }
}

/// Name of the section that takes the stories no configured section's topic covers.
pub const OTHER_SECTION: &str = "Other";

/// Puts each picked story under the first of `sections` (topic names) whose topic it
/// touches, "Other" for the rest, orders the stories by section (rank order within one) and
/// numbers them again. Nothing when there are no sections.
fn into_sections(items: &mut [EditionItem], sections: &[String]) {
    if sections.is_empty() {
        return;
    }
    for item in items.iter_mut() {
        item.section = Some(
            sections
                .iter()
                .find(|s| item.topics.contains(s))
                .cloned()
                .unwrap_or_else(|| OTHER_SECTION.to_string()),
        );
    }
    let order = |item: &EditionItem| {
        item.section
            .as_ref()
            .and_then(|s| sections.iter().position(|x| x == s))
            .unwrap_or(sections.len())
    };
    items.sort_by_key(|i| (order(i), i.rank));
    for (k, item) in items.iter_mut().enumerate() {
        item.rank = k + 1;
    }
}

/// How many sentences go in the first paragraph: all of two or fewer, else the first half.
fn paragraph_split(n: usize) -> usize {
    if n <= 2 { n } else { n.div_ceil(2) }
}

/// The summary as one or two paragraphs: the lead sentence(s), then the rest.
fn two_paragraphs(summary: &summarize::Summary) -> String {
    let n = summary.sentences.len();
    if n <= 2 {
        return summary.prose();
    }
    let split = paragraph_split(n);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Score;

    fn story(title: &str, entity: &str, total: f64) -> Story {
        Story {
            articles: vec![Article {
                title: title.into(),
                link: format!("https://x.example/{title}"),
                ..Default::default()
            }],
            entities: if entity.is_empty() {
                vec![]
            } else {
                vec![entity.into()]
            },
            score: Score {
                total,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn config(cap: usize) -> Config {
        let text = format!(
            "[edition]\nmax_per_entity = {cap}\n\n[[entity]]\nname = \"Alibaba\"\n\n[[entity]]\nname = \"JD.com\"\n"
        );
        Config::parse(&text, std::path::PathBuf::from(".")).unwrap()
    }

    #[test]
    fn sections_group_the_picked_stories_and_renumber_them() {
        let mut stories = vec![
            story("a1", "Alibaba", 10.0),
            story("j1", "JD.com", 9.0),
            story("x1", "", 8.0),
            story("x2", "", 1.0),
        ];
        stories[0].topics = vec!["Regulation".into(), "E-commerce".into()];
        stories[1].topics = vec!["E-commerce".into()];
        stories[3].topics = vec!["Regulation".into()];
        let mut config = config(0);
        config.edition.sections = vec!["E-commerce".into(), "Regulation".into()];
        let window = Window {
            from: Utc::now() - chrono::Duration::days(7),
            to: Utc::now(),
        };
        let e = build(&stories, &config, window, 3, Utc::now());
        let got: Vec<(usize, &str, Option<&str>)> = e
            .stories
            .iter()
            .map(|s| (s.rank, s.articles[0].title.as_str(), s.section.as_deref()))
            .collect();
        // The same three stories as without sections (x2 is not pulled in to fill
        // Regulation); a1 goes under its first listed section.
        assert_eq!(
            got,
            vec![
                (1, "a1", Some("E-commerce")),
                (2, "j1", Some("E-commerce")),
                (3, "x1", Some(OTHER_SECTION)),
            ]
        );
        assert_eq!(e.bench[0].articles[0].title, "x2");
    }

    #[test]
    fn a_cap_per_entity_makes_room_without_dropping_a_clearly_bigger_story() {
        let stories = vec![
            story("a1", "Alibaba", 10.0),
            story("a2", "Alibaba", 9.0),
            story("j1", "JD.com", 8.5),
            story("a3", "Alibaba", 8.0),
            story("x1", "", 6.0),
        ];
        // No cap: rank order.
        assert_eq!(pick_order(&stories, &config(0), 3), vec![0, 1, 2, 3, 4]);
        // At most one Alibaba story: a2 and a3 wait; x1 takes a slot.
        assert_eq!(pick_order(&stories, &config(1), 3), vec![0, 2, 4, 1, 3]);
        // A capped story at least half again bigger than its replacement still gets in.
        let big = vec![
            story("a1", "Alibaba", 10.0),
            story("a2", "Alibaba", 9.0),
            story("j1", "JD.com", 5.0),
        ];
        assert_eq!(pick_order(&big, &config(1), 2), vec![0, 1, 2]);
        let window = Window {
            from: Utc::now() - chrono::Duration::days(7),
            to: Utc::now(),
        };
        let e = build(&stories, &config(1), window, 3, Utc::now());
        let heads: Vec<&str> = e
            .stories
            .iter()
            .map(|s| s.articles[0].title.as_str())
            .collect();
        assert_eq!(heads, vec!["a1", "j1", "x1"]);
        assert_eq!(e.bench[0].articles[0].title, "a2");
    }
}
