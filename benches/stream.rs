//! Scale benchmark: a stream of generated articles through near-copy detection and incremental
//! story clustering ([`roundup::stories::stream`]) on one core.
//!
//! The generator makes ARTICLES articles (default 1,000,000) over DAYS days (default 100):
//! each day new stories start, each runs for one to four days with a Zipf-like number of
//! articles (most stories get a few, some get hundreds). An article's title and body (about
//! 300 words on average, 60 to 900) mix its story's own words (about 15%) with background
//! words drawn from a Zipf distribution over a 60,000-word vocabulary. One article in ten is
//! in Chinese: its story's Chinese words, Chinese background words, and the figures and Latin
//! names the story shares in both languages. One in twenty is a light rewrite of an earlier
//! article of its story (a syndicated copy). Articles arrive in time order.
//!
//! Reported: articles per second of clustering work (feature extraction, copy detection and
//! clustering; the generator's own time is excluded), the process's resident memory at each
//! quarter of the stream and at its peak, and the quality of the result against the
//! generator's stories (pairwise precision, recall and F1, counted as stories close, so the
//! scorer's memory is bounded by the live window too).
//!
//! Run: `cargo bench --bench stream` (`-- --articles N --days D` to change the sizes).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use roundup::stories::entities::Matcher;
use roundup::stories::stream::{StreamClusterer, StreamOptions};

/// SplitMix64: a small, fast, deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A Zipf(s = 1) sampler over ranks 0..n.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut cdf = Vec::with_capacity(n);
        let mut total = 0.0;
        for k in 1..=n {
            total += 1.0 / (k as f64).powf(s);
            cdf.push(total);
        }
        cdf.iter_mut().for_each(|c| *c /= total);
        Zipf { cdf }
    }
    fn mean(&self) -> f64 {
        let mut prev = 0.0;
        let mut mean = 0.0;
        for (k, &c) in self.cdf.iter().enumerate() {
            mean += k as f64 * (c - prev);
            prev = c;
        }
        mean
    }
    fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)
    }
}

/// Pronounceable pseudo-words: distinct, 2 to 4 syllables, shortest first.
fn english_vocabulary(n: usize, rng: &mut Rng) -> Vec<String> {
    const ONSETS: &[&str] = &[
        "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
        "br", "cl", "dr", "gr", "pl", "st", "tr", "sh", "ch", "th",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"];
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let syllables = 2 + rng.below(3);
        let mut w = String::new();
        for _ in 0..syllables {
            w.push_str(ONSETS[rng.below(ONSETS.len())]);
            w.push_str(VOWELS[rng.below(VOWELS.len())]);
        }
        if rng.below(3) == 0 {
            w.push_str(["n", "r", "s", "t", "ng"][rng.below(5)]);
        }
        if seen.insert(w.clone()) {
            out.push(w);
        }
    }
    // Frequent words are short (Zipf's law of abbreviation): rank follows length.
    out.sort_by_key(String::len);
    out
}

/// Two-character pseudo-words from 2,500 common Han characters.
fn chinese_vocabulary(n: usize, rng: &mut Rng) -> Vec<String> {
    let chars: Vec<char> = (0x4e00u32..0x4e00 + 2500)
        .filter_map(char::from_u32)
        .collect();
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let w: String = (0..2).map(|_| chars[rng.below(chars.len())]).collect();
        if seen.insert(w.clone()) {
            out.push(w);
        }
    }
    out
}

struct Story {
    id: u32,
    start: i64,
    span: i64,
    articles: u32,
    emitted: u32,
    en_words: Vec<usize>,
    zh_words: Vec<usize>,
    names: Vec<usize>,
    figure: u32,
    /// The first article's text, for copies.
    original: Option<(String, String)>,
}

struct Generator {
    rng: Rng,
    en: Vec<String>,
    zh: Vec<String>,
    names: Vec<String>,
    en_zipf: Zipf,
    zh_zipf: Zipf,
    size_zipf: Zipf,
    next_story: u32,
}

impl Generator {
    fn new() -> Generator {
        let mut rng = Rng(42);
        let en = english_vocabulary(60_000, &mut rng);
        let zh = chinese_vocabulary(30_000, &mut rng);
        let names = english_vocabulary(5_000, &mut Rng(7))
            .into_iter()
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        Generator {
            rng,
            en,
            zh,
            names,
            en_zipf: Zipf::new(60_000, 1.0),
            zh_zipf: Zipf::new(30_000, 1.0),
            size_zipf: Zipf::new(500, 1.8),
            next_story: 0,
        }
    }

    fn story(&mut self, day: i64) -> Story {
        let id = self.next_story;
        self.next_story += 1;
        // Story words come from the vocabulary's middle: specific, not rare.
        let pick = |rng: &mut Rng, n: usize, from: usize, to: usize| -> Vec<usize> {
            (0..n).map(|_| from + rng.below(to - from)).collect()
        };
        Story {
            id,
            start: day * 86_400 + self.rng.below(86_400) as i64,
            span: 86_400 + self.rng.below(3 * 86_400) as i64,
            articles: 1 + self.size_zipf.sample(&mut self.rng) as u32,
            emitted: 0,
            en_words: pick(&mut self.rng, 12, 2_000, 60_000),
            zh_words: pick(&mut self.rng, 12, 1_000, 30_000),
            names: pick(&mut self.rng, 2, 0, 5_000),
            figure: 1 + self.rng.below(999) as u32,
            original: None,
        }
    }

    fn text(&mut self, s: &Story, zh: bool, words: usize) -> String {
        let mut out = String::with_capacity(words * 7);
        for i in 0..words {
            let r = self.rng.below(100);
            let w: &str = if r < 13 {
                if zh {
                    &self.zh[s.zh_words[self.rng.below(s.zh_words.len())]]
                } else {
                    &self.en[s.en_words[self.rng.below(s.en_words.len())]]
                }
            } else if r < 15 {
                &self.names[s.names[self.rng.below(s.names.len())]]
            } else if zh {
                &self.zh[self.zh_zipf.sample(&mut self.rng)]
            } else {
                &self.en[self.en_zipf.sample(&mut self.rng)]
            };
            out.push_str(w);
            if zh {
                if i % 12 == 11 {
                    out.push('。');
                } else if w.is_ascii() {
                    out.push(' ');
                }
            } else {
                out.push(if i % 15 == 14 { '.' } else { ' ' });
                if i % 15 == 14 {
                    out.push(' ');
                }
            }
            if i == words / 3 {
                out.push_str(&if zh {
                    format!("{}亿元", s.figure)
                } else {
                    format!(" {} hundred million yuan ", s.figure)
                });
            }
        }
        out
    }

    fn article(&mut self, s: &mut Story) -> (String, String) {
        s.emitted += 1;
        if let Some((title, body)) = &s.original
            && self.rng.below(20) == 0
        {
            // A syndicated copy: the same text with a few words changed at the end.
            let mut body = body.clone();
            let cut = body.len() * 9 / 10;
            let cut = (0..=cut)
                .rev()
                .find(|&i| body.is_char_boundary(i))
                .unwrap_or(0);
            body.truncate(cut);
            body.push_str(" reported by a partner outlet today");
            return (title.clone(), body);
        }
        let zh = self.rng.below(10) == 0;
        let words = 60 + self.rng.below(300) + self.rng.below(180);
        let title = self.text(s, zh, 8);
        let body = self.text(s, zh, words);
        if s.original.is_none() {
            s.original = Some((title.clone(), body.clone()));
        }
        (title, body)
    }
}

fn resident_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Pairwise counts, finalised per predicted story as it closes.
#[derive(Default)]
struct Score {
    /// Predicted story → gold story → articles.
    cells: HashMap<u64, HashMap<u32, u64>>,
    same_pred_same_gold: u64,
    same_pred: u64,
}

impl Score {
    fn add(&mut self, pred: u64, gold: u32) {
        *self.cells.entry(pred).or_default().entry(gold).or_insert(0) += 1;
    }
    fn merge(&mut self, from: u64, into: u64) {
        if let Some(cells) = self.cells.remove(&from) {
            let target = self.cells.entry(into).or_default();
            for (g, n) in cells {
                *target.entry(g).or_insert(0) += n;
            }
        }
    }
    fn close(&mut self, pred: u64) {
        if let Some(cells) = self.cells.remove(&pred) {
            let total: u64 = cells.values().sum();
            self.same_pred += total * total.saturating_sub(1) / 2;
            self.same_pred_same_gold += cells
                .values()
                .map(|n| n * n.saturating_sub(1) / 2)
                .sum::<u64>();
        }
    }
}

fn main() {
    let mut articles: u64 = 1_000_000;
    let mut days: i64 = 100;
    let mut opts = StreamOptions::default();
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--articles" => {
                articles = args[i + 1].parse().expect("--articles N");
                i += 1;
            }
            "--lead" => {
                opts.lead_chars = args[i + 1].parse().expect("--lead CHARS");
                i += 1;
            }
            "--threshold" => {
                opts.threshold = args[i + 1].parse().expect("--threshold X");
                i += 1;
            }
            "--days" => {
                days = args[i + 1].parse().expect("--days D");
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }

    let mut generator = Generator::new();
    let watchlist = Matcher::new(
        (0..40)
            .map(|k| {
                let name = generator.names[k].clone();
                let zh = generator.zh[29_000 + k].clone();
                (name, 1.0, vec![zh])
            })
            .collect(),
    );
    let base: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let per_day = articles as f64 / days as f64;
    let mut engine = StreamClusterer::new(opts);
    let mut score = Score::default();
    let mut gold_sizes: HashMap<u32, u64> = HashMap::new();
    let mut gold_pairs: u64 = 0;
    let mut work = Duration::ZERO;
    let started = Instant::now();
    let mut emitted: u64 = 0;
    let mut live: Vec<Story> = Vec::new();
    let mut checkpoints = Vec::new();
    let mut next_checkpoint = articles / 4;
    let mean_story = generator.size_zipf.mean() + 1.0;
    let mut day = 0;
    while emitted < articles {
        // New stories so that about per_day articles fall on each day.
        let starts = (per_day / mean_story).round() as usize;
        for _ in 0..starts {
            live.push(generator.story(day));
        }
        // This day's articles from every live story, in time order.
        let (lo, hi) = (day * 86_400, (day + 1) * 86_400);
        let mut slots: Vec<(i64, usize)> = Vec::new();
        for (k, s) in live.iter().enumerate() {
            let end = s.start + s.span;
            if end <= lo || s.start >= hi {
                continue;
            }
            // Articles spread evenly over the story's span.
            let n_today = ((s.articles as f64) * ((end.min(hi) - s.start.max(lo)) as f64)
                / s.span as f64)
                .ceil() as u32;
            for _ in 0..n_today {
                let t = s.start.max(lo)
                    + generator
                        .rng
                        .below((end.min(hi) - s.start.max(lo)).max(1) as usize)
                        as i64;
                slots.push((t, k));
            }
        }
        slots.sort_unstable();
        for (t, k) in slots {
            if emitted >= articles {
                break;
            }
            let (title, body, gold) = {
                let s = &mut live[k];
                let mut s2 = std::mem::replace(
                    s,
                    Story {
                        id: 0,
                        start: 0,
                        span: 1,
                        articles: 0,
                        emitted: 0,
                        en_words: Vec::new(),
                        zh_words: Vec::new(),
                        names: Vec::new(),
                        figure: 0,
                        original: None,
                    },
                );
                let (title, body) = generator.article(&mut s2);
                let gold = s2.id;
                live[k] = s2;
                (title, body, gold)
            };
            let published = base + chrono::Duration::seconds(t);
            let clock = Instant::now();
            let doc = engine.doc(&title, &body, Some(published), &watchlist);
            let a = engine.add(&doc, published);
            work += clock.elapsed();
            for &m in &a.merged {
                score.merge(m, a.story);
            }
            score.add(a.story, gold);
            for closed in engine.drain_closed() {
                score.close(closed.id);
            }
            *gold_sizes.entry(gold).or_insert(0) += 1;
            emitted += 1;
            if emitted == next_checkpoint {
                checkpoints.push((emitted, resident_kib("VmRSS:"), engine.stats()));
                next_checkpoint += articles / 4;
            }
        }
        // Stories past their span are done: count their gold pairs and drop them.
        live.retain(|s| {
            let done = s.start + s.span <= hi;
            if done && let Some(n) = gold_sizes.remove(&s.id) {
                gold_pairs += n * n.saturating_sub(1) / 2;
            }
            !done
        });
        day += 1;
    }
    for closed in engine.finish() {
        score.close(closed.id);
    }
    for (_, n) in gold_sizes.drain() {
        gold_pairs += n * n.saturating_sub(1) / 2;
    }
    let elapsed = started.elapsed();
    let stats = engine.stats();
    let p = score.same_pred_same_gold as f64 / score.same_pred.max(1) as f64;
    let r = score.same_pred_same_gold as f64 / gold_pairs.max(1) as f64;
    println!(
        "articles={emitted} days={day} stories_true={} stories_found={} copies={} merges={}",
        generator.next_story, stats.stories, stats.copies, stats.merges
    );
    println!(
        "clustering work: {:.1} s, {:.0} articles/s (one core); wall with generation: {:.1} s",
        work.as_secs_f64(),
        emitted as f64 / work.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    for (n, rss, s) in &checkpoints {
        println!(
            "after {n:>9} articles: resident {:>6.1} MiB, live stories {}, live signatures {}, live terms {}, index entries {}",
            *rss as f64 / 1024.0,
            s.live_stories,
            s.live_signatures,
            s.live_terms,
            s.postings
        );
    }
    println!(
        "peak resident: {:.1} MiB",
        resident_kib("VmHWM:") as f64 / 1024.0
    );
    println!(
        "pairwise vs generated stories: P={p:.4} R={r:.4} F1={:.4}",
        2.0 * p * r / (p + r).max(f64::EPSILON)
    );
}
