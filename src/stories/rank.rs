//! A story's score: a sum of named terms an editor can read.
//!
//! - `coverage`: breadth, as the log of one plus the summed weights of distinct outlets.
//! - `entities`: the weight of the story's lead watched entity, plus a little for others
//!   (a story is not bigger because it names more companies). A story's entities and topics
//!   are those a fair share of its reports name (see [`super::ABOUT_SHARE`]).
//! - `topics`: beat topics touched (at most two count).
//! - `recency`: how late in the window the story's latest report came, from 0 to 1.
//! - `momentum`: coverage spread over distinct days, beyond the first.
//! - `language`: the story has a report in the edition's language (its readers' own press
//!   carried it, and the edition can send them to it).
//! - `off_beat`: a penalty for stories with no watched entity and no beat topic.
//! - `novelty`: a penalty for a story an earlier published edition already told (its
//!   headline and summary match the story's reports), unless it moved on since: at least
//!   two of its reports, or a third of them, came after that edition.
//!
//! Each term is multiplied by its weight from the config's `[rank]` table.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::cluster::{ClusterOptions, Doc, features, normalize_l2, sparse_dot};
use crate::config::{Config, RankWeights};
use crate::model::{Edition, Score, Story, Window};

/// A doc's features (hashed terms, sublinear term frequency), L2-normalised and sorted.
fn unit_vector(doc: &Doc) -> Vec<(u64, f32)> {
    let mut tf: HashMap<u64, f32> = HashMap::new();
    features(doc, &ClusterOptions::default(), |t, w| {
        *tf.entry(t).or_insert(0.0) += w
    });
    let mut v: Vec<(u64, f32)> = tf
        .into_iter()
        .map(|(t, f)| (t, 1.0 + f.ln().max(0.0)))
        .collect();
    normalize_l2(&mut v);
    v.sort_unstable_by_key(|(t, _)| *t);
    v
}

/// Cosine similarity at or above which a story is the one an earlier edition told.
const REPEAT_SIMILARITY: f32 = 0.3;

/// A story of an earlier published edition, as novelty compares with it.
struct Told {
    published: DateTime<Utc>,
    headline: String,
    vector: Vec<(u64, f32)>,
}

/// Scores stories for one window under one beat's weights.
pub struct Ranker {
    told: Vec<Told>,
    weights: RankWeights,
    source_weight: HashMap<String, f64>,
    entity_weight: Vec<f64>,
    window: Window,
    tz: chrono_tz::Tz,
    /// The edition's language.
    lang: String,
}

impl Ranker {
    /// A ranker for `config`'s beat over `window`.
    pub fn new(config: &Config, window: Window) -> Ranker {
        Ranker {
            told: Vec::new(),
            weights: config.rank.clone(),
            source_weight: config
                .sources
                .iter()
                .map(|s| (s.name.get_ref().clone(), s.weight))
                .collect(),
            entity_weight: config.entities.iter().map(|e| e.weight).collect(),
            window,
            tz: config.timezone(),
            lang: config.beat.language.clone(),
        }
    }

    /// Adds the earlier published editions that novelty is judged against.
    pub fn with_earlier(
        mut self,
        earlier: &[(DateTime<Utc>, Edition)],
        watchlist: &super::entities::Matcher,
    ) -> Ranker {
        for (published, edition) in earlier {
            for item in &edition.stories {
                let doc = Doc::new(&item.headline, &item.summary, None, watchlist);
                self.told.push(Told {
                    published: *published,
                    headline: item.headline.clone(),
                    vector: unit_vector(&doc),
                });
            }
        }
        self
    }

    /// The earlier edition's story this one repeats, if it did not move on since: its
    /// headline. `doc` is the story as the clusterer sees it.
    pub fn repeats(&self, story: &Story, doc: &Doc) -> Option<&str> {
        if self.told.is_empty() {
            return None;
        }
        let v = unit_vector(doc);
        let (best, sim) = self
            .told
            .iter()
            .map(|t| (t, sparse_dot(&v, &t.vector)))
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        if sim < REPEAT_SIMILARITY {
            return None;
        }
        let after = story
            .articles
            .iter()
            .filter(|a| a.published.is_some_and(|p| p > best.published))
            .count();
        let moved_on = after >= 2 || 3 * after >= story.articles.len().max(1) && after > 0;
        (!moved_on).then_some(best.headline.as_str())
    }

    /// Scores a story; `entities` are the watchlist indices it mentions.
    pub fn score(&self, story: &Story, entities: &[usize], repeat: bool) -> Score {
        let w = &self.weights;
        let mut score = Score::default();
        let outlets: f64 = story
            .outlets()
            .iter()
            .map(|o| self.source_weight.get(o).copied().unwrap_or(1.0))
            .sum();
        score.add("coverage", w.coverage * (1.0 + outlets).ln());
        let mut ew: Vec<f64> = entities
            .iter()
            .map(|&e| self.entity_weight.get(e).copied().unwrap_or(1.0))
            .collect();
        ew.sort_by(|a, b| b.total_cmp(a));
        let entity_term: f64 = ew.first().map_or(0.0, |lead| 0.5 * lead)
            + ew.iter().skip(1).take(2).map(|x| 0.1 * x).sum::<f64>();
        score.add("entities", w.entities * entity_term);
        let topic_term = 0.5 * story.topics.len().min(2) as f64;
        score.add("topics", w.topics * topic_term);
        let span = (self.window.to - self.window.from).num_seconds().max(1) as f64;
        let latest = story.articles.iter().filter_map(|a| a.published).max();
        let recency = latest
            .map(|t| ((t - self.window.from).num_seconds() as f64 / span).clamp(0.0, 1.0))
            .unwrap_or(0.0);
        score.add("recency", w.recency * recency);
        let days: BTreeSet<chrono::NaiveDate> = story
            .articles
            .iter()
            .filter_map(|a| a.published)
            .map(|t| t.with_timezone(&self.tz).date_naive())
            .collect();
        score.add(
            "momentum",
            w.momentum * (days.len().saturating_sub(1) as f64).min(3.0) / 3.0,
        );
        let own_language = story
            .articles
            .iter()
            .any(|a| crate::text::lang::writes_in(a.lang.as_deref(), &a.title, &self.lang));
        score.add("language", if own_language { w.language } else { 0.0 });
        let off_beat = entities.is_empty() && story.topics.is_empty();
        score.add("off_beat", if off_beat { -w.off_beat_penalty } else { 0.0 });
        score.add("novelty", if repeat { -w.repeat_penalty } else { 0.0 });
        score.total = (score.total * 1000.0).round() / 1000.0;
        for v in score.terms.values_mut() {
            *v = (*v * 1000.0).round() / 1000.0;
        }
        score
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Article;
    use chrono::TimeZone;

    /// A ranker for the week of 17 November 2025, and the week's start.
    fn week_ranker(config: &Config) -> (Ranker, DateTime<Utc>) {
        let from = chrono::Utc.with_ymd_and_hms(2025, 11, 17, 0, 0, 0).unwrap();
        let window = Window {
            from,
            to: from + chrono::Duration::days(7),
        };
        (Ranker::new(config, window), from)
    }

    #[test]
    fn terms_add_up_and_off_beat_is_penalised() {
        let config = Config::default();
        let (r, from) = week_ranker(&config);
        let art = |src: &str, day: i64| Article {
            source: src.into(),
            published: Some(from + chrono::Duration::days(day)),
            ..Default::default()
        };
        let on = Story {
            articles: vec![art("A", 1), art("B", 2), art("C", 2)],
            topics: vec!["E-commerce".into()],
            ..Default::default()
        };
        let off = Story {
            articles: vec![art("A", 6)],
            ..Default::default()
        };
        let s_on = r.score(&on, &[0], false);
        let s_off = r.score(&off, &[], false);
        let sum: f64 = s_on.terms.values().sum();
        assert!((sum - s_on.total).abs() < 0.01);
        assert_eq!(s_off.terms["off_beat"], -2.0);
        assert!(s_on.total > s_off.total);
    }

    #[test]
    fn a_report_in_the_editions_language_counts() {
        let config = Config::default();
        let (r, from) = week_ranker(&config);
        let art = |src: &str, title: &str, lang: Option<&str>| Article {
            source: src.into(),
            title: title.into(),
            lang: lang.map(str::to_string),
            published: Some(from + chrono::Duration::days(3)),
            ..Default::default()
        };
        let story = |articles| Story {
            articles,
            topics: vec!["Retail and luxury".into()],
            ..Default::default()
        };
        let chinese = story(vec![
            art("A", "奢侈品牌在华涨价", Some("zh")),
            art("B", "多个奢侈品牌在中国上调价格", None),
        ]);
        let both = story(vec![
            art("A", "奢侈品牌在华涨价", Some("zh")),
            // Unlabelled (too short to detect), but in Latin script.
            art("C", "Luxury brands raise prices in China again", None),
        ]);
        let (zh, en) = (r.score(&chinese, &[], false), r.score(&both, &[], false));
        assert_eq!(config.beat.language, "en");
        assert_eq!(zh.terms["language"], 0.0);
        assert_eq!(en.terms["language"], 0.5);
        assert_eq!(zh.terms["coverage"], en.terms["coverage"]);
    }

    #[test]
    fn one_selective_outlet_on_the_beat_beats_a_loud_story_off_it() {
        let text = "[[source]]\nname = \"Selective\"\nurl = \"https://s.example/feed\"\nweight = 2.0\n\n[[entity]]\nname = \"Xiaohongshu\"\nweight = 1.5\n";
        let config = Config::parse(text, std::path::PathBuf::from(".")).unwrap();
        let (r, from) = week_ranker(&config);
        let art = |src: &str| Article {
            source: src.into(),
            published: Some(from + chrono::Duration::days(3)),
            ..Default::default()
        };
        let quiet = Story {
            articles: vec![art("Selective")],
            topics: vec!["Social media".into()],
            ..Default::default()
        };
        let loud = Story {
            articles: (0..8).map(|k| art(&format!("Outlet {k}"))).collect(),
            ..Default::default()
        };
        let (q, l) = (r.score(&quiet, &[0], false), r.score(&loud, &[], false));
        assert!(q.total > l.total, "{q:?} vs {l:?}");
        // Without the beat's signals the loud story would win on breadth alone.
        assert!(l.terms["coverage"] > q.terms["coverage"]);
    }
}
