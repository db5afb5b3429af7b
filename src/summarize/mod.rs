//! Words: a story's headline and a short extractive summary from its articles.
//!
//! Summaries are extractive and faithful: every sentence is a sentence of a source article,
//! kept with the index of that article so that it links back. Sentences are cleaned of
//! datelines, bylines, photo credits and scraping junk ([`clean`]) and of sentences that other
//! stories carry word for word ([`Boilerplate`]); scored by closeness to the story's centroid,
//! by their position (news puts the event first) and by how much of their wording other
//! articles of the story share; and chosen greedily with maximal marginal relevance so that no
//! two say the same thing, until the word budget is full.

pub mod clean;
pub mod rewrite;

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
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
    /// Sentences that are site furniture because different stories carry them word for word.
    pub boilerplate: Arc<Boilerplate>,
    /// Weights of a sentence's relevance terms.
    pub weights: Weights,
}

/// How a sentence's relevance is made up: closeness to the story's centroid, place in its
/// article (1 for the lead, then 1/2, 1/3…), and the share of its word pairs that other
/// articles of the story also write (what several reports say in the same words is the
/// story's core).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Weight of the cosine to the centroid.
    pub centrality: f64,
    /// Weight of the place in the article.
    pub lead: f64,
    /// Weight of the shared word pairs.
    pub support: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            centrality: 0.6,
            lead: 0.2,
            support: 1.0,
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            words: 90.0,
            lambda: 0.9,
            max_overlap: 0.3,
            boilerplate: Arc::default(),
            weights: Weights::default(),
        }
    }
}

/// Sentences found word for word in articles of two or more different stories: a site's
/// archive notice, a newsletter box, a standard disclaimer. A sentence of news belongs to one
/// story, so repetition across stories marks furniture that no pattern list foresaw.
#[derive(Debug, Clone, Default)]
pub struct Boilerplate {
    keys: FxHashSet<u64>,
}

/// Fewest words a sentence needs before its repetition counts: short stock phrases ("He
/// declined to comment.") recur across stories as news, not furniture.
const BOILERPLATE_MIN_WORDS: f64 = 6.0;

impl Boilerplate {
    /// Finds the sentences shared by stories; each story is given as the texts of its
    /// articles.
    pub fn from_stories<'a, S, T>(stories: S) -> Self
    where
        S: IntoIterator<Item = T>,
        T: IntoIterator<Item = &'a str>,
    {
        let mut seen: FxHashMap<u64, (usize, bool)> = FxHashMap::default();
        for (story, texts) in stories.into_iter().enumerate() {
            for text in texts {
                for sentence in sentences::split(text) {
                    if word_count(&sentence) < BOILERPLATE_MIN_WORDS {
                        continue;
                    }
                    let entry = seen
                        .entry(sentence_key(&sentence))
                        .or_insert((story, false));
                    if entry.0 != story {
                        entry.1 = true;
                    }
                }
            }
        }
        Boilerplate {
            keys: seen
                .into_iter()
                .filter_map(|(k, (_, shared))| shared.then_some(k))
                .collect(),
        }
    }

    /// Whether a sentence is one of the shared ones.
    pub fn contains(&self, sentence: &str) -> bool {
        !self.keys.is_empty() && self.keys.contains(&sentence_key(sentence))
    }

    /// How many shared sentences were found.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether none were found.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The (article, sentence) places of a story's sentences that other stories carry too. When
/// that is more than a third of the story's sentences, the story shares its news with another
/// one (a story split in two, syndicated copies) rather than furniture, and none is dropped.
fn furniture(split: &[Vec<String>], boilerplate: &Boilerplate) -> FxHashSet<(usize, usize)> {
    let mut out = FxHashSet::default();
    if boilerplate.is_empty() {
        return out;
    }
    let total = split.iter().map(Vec::len).sum::<usize>();
    for (a, sentences) in split.iter().enumerate() {
        for (s, sentence) in sentences.iter().enumerate() {
            if boilerplate.contains(sentence) {
                out.insert((a, s));
            }
        }
    }
    if out.len() * 3 > total {
        out.clear();
    }
    out
}

/// A sentence's letters and digits, lowercased, hashed: the same sentence whatever its
/// spacing and punctuation.
fn sentence_key(sentence: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(tokens::letters_and_digits(sentence).as_bytes())
}

struct Candidate {
    text: String,
    article: usize,
    position: usize,
    words: f64,
    vector: Vector,
    norm: f64,
    /// Hashes of the sentence's word pairs, stop words included, without repeats.
    pairs: Vec<u64>,
}

/// A sentence's content-word frequencies (as [`tf`]) and the hashes of its distinct pairs of
/// adjacent words, stop words included, from one pass over its words.
fn tf_and_pairs(text: &str) -> (Vector, Vec<u64>) {
    let mut vector = Vector::default();
    let mut pairs = Vec::new();
    let mut prev: Option<u64> = None;
    tokens::each_word(&tokens::normalize(text), |w| {
        let h = xxhash_rust::xxh3::xxh3_64(w.as_bytes());
        if let Some(p) = prev {
            pairs.push(p.rotate_left(17) ^ h);
        }
        prev = Some(h);
        if let Some(c) = tokens::content_word(w) {
            *vector
                .entry(xxhash_rust::xxh3::xxh3_64(c.as_bytes()))
                .or_insert(0.0) += 1.0;
        }
    });
    pairs.sort_unstable();
    pairs.dedup();
    (vector, pairs)
}

/// Summarizes one story.
pub fn summarize(articles: &[Input], opts: &Options) -> Summary {
    let mut candidates = Vec::new();
    let mut centroid = Vector::default();
    // In how many articles each word pair occurs.
    let mut pair_articles: FxHashMap<u64, u32> = FxHashMap::default();
    let split: Vec<Vec<String>> = articles.iter().map(|a| sentences::split(&a.text)).collect();
    let furniture = furniture(&split, &opts.boilerplate);
    for (a, art) in articles.iter().enumerate() {
        let mut article_vec = Vector::default();
        let mut article_pairs = FxHashSet::default();
        let mut position = 0;
        for (s, raw) in split[a].iter().enumerate() {
            if furniture.contains(&(a, s)) {
                continue;
            }
            let Some(text) = clean::sentence(raw) else {
                continue;
            };
            let words = word_count(&text);
            let (vector, pairs) = tf_and_pairs(&text);
            for (k, v) in &vector {
                *article_vec.entry(*k).or_insert(0.0) += v;
            }
            for p in &pairs {
                article_pairs.insert(*p);
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
                    pairs,
                });
            }
            position += 1;
        }
        for (k, v) in tf(&art.title) {
            *article_vec.entry(k).or_insert(0.0) += 2.0 * v;
        }
        for p in article_pairs {
            *pair_articles.entry(p).or_insert(0u32) += 1;
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
    // Share of a sentence's word pairs that another article of the story also writes.
    let support = |c: &Candidate| {
        if c.pairs.is_empty() {
            return 0.0;
        }
        let shared = c
            .pairs
            .iter()
            .filter(|p| pair_articles.get(p).is_some_and(|&k| k >= 2))
            .count();
        shared as f64 / c.pairs.len() as f64
    };
    let relevance: Vec<f64> = candidates
        .iter()
        .map(|c| {
            let w = &opts.weights;
            w.centrality * cosine(&c.vector, c.norm, &centroid, centroid_norm)
                + w.lead / (1.0 + c.position as f64)
                + w.support * support(c)
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
    fn sentences_that_other_stories_carry_are_furniture() {
        let notice = "These crawls are part of an effort to archive pages as they are created.";
        let a = format!("The port reopened on Monday after a week of strikes. {notice}");
        let b = format!("The festival drew record crowds to the old town this year. {notice}");
        let c = "Dock workers accepted a pay rise of 6% over two years.";
        let boilerplate = Boilerplate::from_stories([vec![a.as_str(), c], vec![b.as_str()]]);
        assert_eq!(boilerplate.len(), 1);
        let opts = Options {
            words: 60.0,
            boilerplate: Arc::new(boilerplate.clone()),
            ..Default::default()
        };
        let s = summarize(&[input("", &a), input("", c)], &opts);
        assert!(!s.prose().contains("crawls"), "{}", s.prose());
        assert!(s.prose().contains("port reopened"), "{}", s.prose());
        // A story that shares most of its sentences with another is news told twice (a split
        // story, a syndicated copy): nothing is dropped from it.
        let copy = format!("{notice} The port reopened on Monday after a week of strikes.");
        let twice = Boilerplate::from_stories([vec![copy.as_str()], vec![copy.as_str()]]);
        let s = summarize(
            &[input("", &copy)],
            &Options {
                boilerplate: Arc::new(twice),
                ..opts
            },
        );
        assert!(s.prose().contains("port reopened"), "{}", s.prose());
    }

    #[test]
    fn what_several_reports_say_in_the_same_words_comes_first() {
        let arts = vec![
            input(
                "",
                "Officials gave few details at first. The ferry sank off the coast of Crete with 40 passengers on board.",
            ),
            input(
                "",
                "A storm had been forecast for days. The ferry sank off the coast of Crete with 40 passengers on board, coast guards said.",
            ),
        ];
        let s = summarize(
            &arts,
            &Options {
                words: 20.0,
                ..Default::default()
            },
        );
        assert!(s.prose().contains("ferry sank"), "{}", s.prose());
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
