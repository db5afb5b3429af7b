//! Mute rules from the config's `[mute]` table: sources whose items are ignored, and words
//! and entities that keep a story out of editions.
//!
//! A word or entity mutes a story only when most of its articles name it (at least half), so
//! a story that mentions a muted name in passing stays in.

use std::collections::{BTreeSet, HashSet};

use super::entities::Matcher;
use crate::config::Config;
use crate::model::{Article, Story};
use crate::text::tokens::normalize;

/// The compiled mute rules of one beat.
pub struct Mute {
    sources: HashSet<String>,
    words: Matcher,
    entities: Matcher,
}

impl Mute {
    /// The rules of `config`'s `[mute]` table. A muted entity named like a watchlist entity
    /// (by its name or any alias) brings all that entity's aliases.
    pub fn new(config: &Config) -> Mute {
        let m = &config.mute;
        let words = Matcher::new(
            m.words
                .iter()
                .map(|w| (w.clone(), 1.0, Vec::new()))
                .collect(),
        );
        let entities = Matcher::new(
            m.entities
                .iter()
                .map(|name| {
                    let wanted = normalize(name.trim());
                    let watched = config.entities.iter().find(|e| {
                        std::iter::once(e.name.get_ref())
                            .chain(&e.aliases)
                            .any(|a| normalize(a.trim()) == wanted)
                    });
                    match watched {
                        Some(e) => (e.name.get_ref().clone(), 1.0, e.aliases.clone()),
                        None => (name.clone(), 1.0, Vec::new()),
                    }
                })
                .collect(),
        );
        Mute {
            sources: m.sources.iter().map(|s| normalize(s.trim())).collect(),
            words,
            entities,
        }
    }

    /// Whether items from this source are ignored.
    pub fn source_muted(&self, source: &str) -> bool {
        !self.sources.is_empty() && self.sources.contains(&normalize(source.trim()))
    }

    /// The muted word or entity that most of the story's articles name, if any: the reason
    /// the story is kept out.
    pub fn story_muted(&self, story: &Story) -> Option<String> {
        let n = story.articles.len();
        if n == 0 {
            return None;
        }
        let most = |matcher: &Matcher, text: &dyn Fn(&Article) -> String| -> Option<String> {
            let mut counts = vec![0usize; matcher.len()];
            for a in &story.articles {
                let found: BTreeSet<usize> = matcher.find(&text(a));
                for i in found {
                    counts[i] += 1;
                }
            }
            counts
                .iter()
                .enumerate()
                .filter(|&(_, &c)| 2 * c >= n)
                .max_by_key(|&(i, &c)| (c, std::cmp::Reverse(i)))
                .map(|(i, _)| matcher.name(i).to_string())
        };
        most(&self.words, &|a| a.title.clone())
            .or_else(|| most(&self.entities, &|a| format!("{}\n{}", a.title, a.body())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(mute: &str) -> Config {
        let text = format!(
            "[[entity]]\nname = \"Tesla\"\naliases = [\"特斯拉\"]\n\n[[entity]]\nname = \"JD.com\"\naliases = [\"京东\"]\n\n[mute]\n{mute}\n"
        );
        Config::parse(&text, std::path::PathBuf::from(".")).unwrap()
    }

    fn story(items: &[(&str, &str)]) -> Story {
        Story {
            articles: items
                .iter()
                .map(|(source, title)| Article {
                    source: source.to_string(),
                    title: title.to_string(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn sources_words_and_entities_keep_stories_out() {
        let mute = Mute::new(&config(
            "words = [\"lottery\", \"彩票\"]\nentities = [\"特斯拉\"]\nsources = [\"Noisy Wire\"]",
        ));
        assert!(mute.source_muted("noisy wire"));
        assert!(!mute.source_muted("Quiet Wire"));
        // A muted entity named by an alias brings the whole entity: English and Chinese.
        let tesla = story(&[
            ("A", "Tesla cuts Model Y prices in China"),
            ("B", "特斯拉降价"),
        ]);
        assert_eq!(mute.story_muted(&tesla).as_deref(), Some("Tesla"));
        let lottery = story(&[("A", "Lottery sales jump"), ("B", "体育彩票销量增长")]);
        assert_eq!(mute.story_muted(&lottery).as_deref(), Some("lottery"));
    }

    #[test]
    fn a_passing_mention_does_not_mute() {
        let mute = Mute::new(&config("entities = [\"Tesla\"]"));
        let jd = story(&[
            ("A", "JD.com opens its first JD Mall in Beijing"),
            ("B", "京东MALL北京首店试营业"),
            (
                "C",
                "JD Mall sells Tesla accessories among 200,000 products",
            ),
        ]);
        assert_eq!(mute.story_muted(&jd), None);
        assert_eq!(Mute::new(&config("")).story_muted(&jd), None);
    }
}
