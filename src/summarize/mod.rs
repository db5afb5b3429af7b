//! Words: a story's headline and a short extractive summary from its articles.
//!
//! Summaries are extractive and faithful: every sentence is a sentence of a source article,
//! kept with the index of that article so that it links back. Sentences are cleaned of
//! datelines, bylines, photo credits and scraping junk ([`clean`]), scored by closeness to the
//! story's centroid and by their position (news puts the event first), and chosen greedily with
//! maximal marginal relevance so that no two say the same thing, until the word budget is full.

pub mod clean;
pub mod rewrite;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::text::{sentences, tokens, word_count};

/// Term frequencies by hashed content word.
type Vector = FxHashMap<u64, f64>;

/// One source article as the summarizer sees it.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// Headline (may be empty).
    pub title: String,
    /// Body text (may be empty for headline-only items).
    pub text: String,
}

/// A summary sentence and the article it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sentence {
    /// The sentence, as the article wrote it.
    pub text: String,
    /// Index of the source article in the input.
    pub article: usize,
}

/// A headline and summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The headline.
    pub headline: String,
    /// Sentences in reading order.
    pub sentences: Vec<Sentence>,
}

impl Summary {
    /// The summary as prose: sentences joined by spaces (no space between CJK sentences).
    pub fn prose(&self) -> String {
        let mut out = String::new();
        for s in &self.sentences {
            let cjk_end = out
                .chars()
                .last()
                .is_some_and(|c| matches!(c, '。' | '！' | '？' | '；' | '”' | '」'));
            if !out.is_empty() && !cjk_end {
                out.push(' ');
            }
            out.push_str(&s.text);
        }
        out
    }
}

/// Tuning of the summarizer.
#[derive(Debug, Clone)]
pub struct Options {
    /// Word budget (a CJK character counts as half a word).
    pub words: f64,
    /// Trade-off between relevance (1.0) and novelty (0.0).
    pub lambda: f64,
    /// Similarity to a chosen sentence above which a candidate is redundant.
    pub max_overlap: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            words: 90.0,
            lambda: 0.7,
            max_overlap: 0.3,
        }
    }
}

struct Candidate {
    text: String,
    article: usize,
    position: usize,
    words: f64,
    vector: Vector,
    norm: f64,
}

/// Summarizes one story.
pub fn summarize(articles: &[Input], opts: &Options) -> Summary {
    let mut candidates = Vec::new();
    let mut centroid = Vector::default();
    for (a, art) in articles.iter().enumerate() {
        let mut article_vec = Vector::default();
        let mut position = 0;
        for raw in sentences::split(&art.text) {
            let Some(text) = clean::sentence(&raw) else {
                continue;
            };
            let words = word_count(&text);
            let vector = tf(&text);
            for (k, v) in &vector {
                *article_vec.entry(*k).or_insert(0.0) += v;
            }
            if (4.0..=70.0).contains(&words) {
                let norm = l2(&vector);
                candidates.push(Candidate {
                    text,
                    article: a,
                    position,
                    words,
                    vector,
                    norm,
                });
            }
            position += 1;
        }
        for (k, v) in tf(&art.title) {
            *article_vec.entry(k).or_insert(0.0) += 2.0 * v;
        }
        // Each article counts once, however long it is.
        let norm = l2(&article_vec);
        if norm > 0.0 {
            for (k, v) in article_vec {
                *centroid.entry(k).or_insert(0.0) += v / norm;
            }
        }
    }
    let centroid_norm = l2(&centroid);
    let relevance: Vec<f64> = candidates
        .iter()
        .map(|c| {
            0.6 * cosine(&c.vector, c.norm, &centroid, centroid_norm)
                + 0.4 / (1.0 + c.position as f64)
        })
        .collect();

    // Greedy MMR; each candidate's overlap with the chosen ones is kept up to date as
    // sentences are chosen, rather than recomputed.
    let mut chosen: Vec<usize> = Vec::new();
    let mut overlap = vec![0.0f64; candidates.len()];
    let mut used = 0.0;
    loop {
        let remaining = opts.words - used;
        if remaining < 4.0 {
            break;
        }
        let mut best: Option<(usize, f64)> = None;
        for (i, c) in candidates.iter().enumerate() {
            if chosen.contains(&i) || c.words > remaining || overlap[i] > opts.max_overlap {
                continue;
            }
            let mmr = opts.lambda * relevance[i] - (1.0 - opts.lambda) * overlap[i];
            if best.is_none_or(|(_, b)| mmr > b) {
                best = Some((i, mmr));
            }
        }
        match best {
            Some((i, _)) => {
                used += candidates[i].words;
                chosen.push(i);
                let (v, n) = (&candidates[i].vector, candidates[i].norm);
                for (o, c) in overlap.iter_mut().zip(&candidates) {
                    *o = o.max(cosine(&c.vector, c.norm, v, n));
                }
            }
            None => break,
        }
    }
    let sentences: Vec<Sentence> = chosen
        .iter()
        .map(|&i| Sentence {
            text: candidates[i].text.clone(),
            article: candidates[i].article,
        })
        .collect();
    let headline = headline(
        articles,
        &centroid,
        sentences.first().map(|s| s.text.as_str()),
    );
    Summary {
        headline,
        sentences,
    }
}

/// The most central member title without its site suffix; the lead sentence, shortened, when
/// every title is empty.
fn headline(articles: &[Input], centroid: &Vector, lead: Option<&str>) -> String {
    let centroid_norm = l2(centroid);
    let best = articles
        .iter()
        .map(|a| clean::title(&a.title))
        .filter(|t| !t.is_empty())
        .map(|t| {
            let v = tf(&t);
            let s = cosine(&v, l2(&v), centroid, centroid_norm);
            (t, s)
        })
        .fold(None::<(String, f64)>, |acc, (t, s)| match acc {
            Some((bt, bs)) if bs >= s => Some((bt, bs)),
            _ => Some((t, s)),
        });
    if let Some((t, _)) = best {
        return t;
    }
    let lead = lead.unwrap_or("");
    shorten(lead, 16.0)
}

/// Cuts text to about `max_words` words at a word or character boundary, with an ellipsis.
fn shorten(text: &str, max_words: f64) -> String {
    if word_count(text) <= max_words {
        return text.trim_end_matches(['.', '。']).to_string();
    }
    let mut out = String::new();
    for ch in text.chars() {
        out.push(ch);
        if word_count(&out) > max_words {
            out.pop();
            break;
        }
    }
    let cut = if out.chars().any(crate::text::tokens::is_cjk) {
        out
    } else {
        out.rsplit_once(' ')
            .map(|(h, _)| h.to_string())
            .unwrap_or(out)
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ', '，']))
}

/// Content-word frequencies of a text, by hashed word.
fn tf(text: &str) -> Vector {
    let mut m = Vector::default();
    tokens::each_content_word(&tokens::normalize(text), |w| {
        *m.entry(xxhash_rust::xxh3::xxh3_64(w.as_bytes()))
            .or_insert(0.0) += 1.0;
    });
    m
}

fn l2(v: &Vector) -> f64 {
    v.values().map(|x| x * x).sum::<f64>().sqrt()
}

/// Cosine of two vectors whose norms are given.
fn cosine(a: &Vector, na: f64, b: &Vector, nb: f64) -> f64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let dot: f64 = small
        .iter()
        .filter_map(|(k, v)| large.get(k).map(|w| v * w))
        .sum();
    let n = na * nb;
    if n > 0.0 { dot / n } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(title: &str, text: &str) -> Input {
        Input {
            title: title.into(),
            text: text.into(),
        }
    }

    #[test]
    fn extractive_within_budget_and_not_redundant() {
        let arts = vec![
            input(
                "JD.com soft-opens first JD Mall in Beijing - Example Times",
                "BEIJING (Wire) - JD.com soft-opened its first JD Mall in Beijing on Friday. The store covers 50,000 square metres. Photo: Example Images. Shoppers queued before dawn to get in.",
            ),
            input(
                "JD Mall opens in Beijing | Other Daily",
                "JD.com soft-opened its first JD Mall in Beijing on Friday. The company plans more malls in 2026.",
            ),
        ];
        let s = summarize(
            &arts,
            &Options {
                words: 40.0,
                ..Default::default()
            },
        );
        assert_eq!(s.headline, "JD.com soft-opens first JD Mall in Beijing");
        let total: f64 = s.sentences.iter().map(|x| word_count(&x.text)).sum();
        assert!(total <= 40.0);
        // Every sentence is verbatim from its article.
        for x in &s.sentences {
            assert!(arts[x.article].text.contains(&x.text), "{x:?}");
        }
        // The repeated lead appears once; the credit line and the dateline are gone.
        let prose = s.prose();
        assert_eq!(
            prose.matches("soft-opened its first JD Mall").count(),
            1,
            "{prose}"
        );
        assert!(!prose.contains("Photo:"), "{prose}");
        assert!(!prose.contains("(Wire)"), "{prose}");
    }

    #[test]
    fn chinese_story_and_headline_from_lead() {
        let arts = vec![input(
            "",
            "京东MALL北京首店今日试营业。门店面积超过五万平方米，涵盖家电、家居和生鲜。京东表示明年将在更多城市开店。",
        )];
        let s = summarize(
            &arts,
            &Options {
                words: 30.0,
                ..Default::default()
            },
        );
        assert!(
            s.headline.starts_with("京东MALL北京首店今日试营业"),
            "{}",
            s.headline
        );
        assert!(!s.sentences.is_empty());
        assert!(s.prose().contains("。京东") || s.sentences.len() == 1);
    }
}
