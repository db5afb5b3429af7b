//! A story's score: a sum of named terms an editor can read.
//!
//! - `coverage`: breadth, as the log of one plus the summed weights of distinct outlets.
//! - `entities`: the weight of the story's lead watched entity, plus a little for others
//!   (a story is not bigger because it names more companies).
//! - `topics`: beat topics touched (at most two count).
//! - `recency`: how late in the window the story's latest report came, from 0 to 1.
//! - `momentum`: coverage spread over distinct days, beyond the first.
//! - `off_beat`: a penalty for stories with no watched entity and no beat topic.
//!
//! Each term is multiplied by its weight from the config's `[rank]` table.

use std::collections::{BTreeSet, HashMap};

use crate::config::{Config, RankWeights};
use crate::model::{Score, Story, Window};

/// Scores stories for one window under one beat's weights.
pub struct Ranker {
    weights: RankWeights,
    source_weight: HashMap<String, f64>,
    entity_weight: Vec<f64>,
    window: Window,
    tz: chrono_tz::Tz,
}

impl Ranker {
    /// A ranker for `config`'s beat over `window`.
    pub fn new(config: &Config, window: Window) -> Ranker {
        Ranker {
            weights: config.rank.clone(),
            source_weight: config
                .sources
                .iter()
                .map(|s| (s.name.get_ref().clone(), s.weight))
                .collect(),
            entity_weight: config.entities.iter().map(|e| e.weight).collect(),
            window,
            tz: config.timezone(),
        }
    }

    /// Scores a story; `entities` are the watchlist indices it mentions.
    pub fn score(&self, story: &Story, entities: &[usize]) -> Score {
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
        let off_beat = entities.is_empty() && story.topics.is_empty();
        score.add("off_beat", if off_beat { -w.off_beat_penalty } else { 0.0 });
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

    #[test]
    fn terms_add_up_and_off_beat_is_penalised() {
        let config = Config::default();
        let from = chrono::Utc.with_ymd_and_hms(2025, 11, 17, 0, 0, 0).unwrap();
        let window = Window {
            from,
            to: from + chrono::Duration::days(7),
        };
        let r = Ranker::new(&config, window);
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
        let s_on = r.score(&on, &[0]);
        let s_off = r.score(&off, &[]);
        let sum: f64 = s_on.terms.values().sum();
        assert!((sum - s_on.total).abs() < 0.01);
        assert_eq!(s_off.terms["off_beat"], -2.0);
        assert!(s_on.total > s_off.total);
    }
}
