//! The article generator shared by the scale benchmarks (`stream`, `draft`): stories that
//! start every day and run for one to four days with a Zipf-distributed number of articles;
//! articles of 300 words on average (60 to 540) mixing their story's own words (about 13%)
//! and names (2%) with background words drawn by Zipf's law from 60,000 pseudo-words
//! (frequent words short); one in ten in Chinese (the story's Chinese words, Chinese
//! background words, the shared Latin names and figures); one in twenty a light rewrite of an
//! earlier article of its story. Deterministic: the same sizes give the same articles.

#![allow(dead_code)]

use std::collections::HashSet;

use chrono::{DateTime, TimeZone, Utc};

/// SplitMix64: a small, fast, deterministic generator.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
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

/// One generated article.
pub struct Generated {
    /// Headline.
    pub title: String,
    /// Body text.
    pub body: String,
    /// The generator's story: the truth a clustering is scored against.
    pub story: u32,
    /// Publication time.
    pub published: DateTime<Utc>,
}

/// `total` articles over about `days` days, in time order.
pub struct Articles {
    generator: Generator,
    live: Vec<Story>,
    queue: std::vec::IntoIter<(i64, usize)>,
    day: i64,
    emitted: u64,
    total: u64,
    per_day: f64,
    mean_story: f64,
    base: DateTime<Utc>,
}

impl Articles {
    /// A stream of `total` articles starting on 1 January 2026.
    pub fn new(total: u64, days: i64) -> Articles {
        let generator = Generator::new();
        let mean_story = generator.size_zipf.mean() + 1.0;
        Articles {
            generator,
            live: Vec::new(),
            queue: Vec::new().into_iter(),
            day: 0,
            emitted: 0,
            total,
            per_day: total as f64 / days.max(1) as f64,
            mean_story,
            base: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    /// The first moment of the stream.
    pub fn start(&self) -> DateTime<Utc> {
        self.base
    }

    /// Days begun so far.
    pub fn days(&self) -> i64 {
        self.day
    }

    /// Stories begun so far.
    pub fn stories(&self) -> u32 {
        self.generator.next_story
    }

    /// A watchlist of 40 of the generator's names, each with a Chinese alias, as
    /// (name, weight, aliases).
    pub fn watchlist(&self) -> Vec<(String, f64, Vec<String>)> {
        (0..40)
            .map(|k| {
                let name = self.generator.names[k].clone();
                let zh = self.generator.zh[29_000 + k].clone();
                (name, 1.0, vec![zh])
            })
            .collect()
    }

    /// Starts the next day: new stories, and every live story's articles for the day.
    fn plan_day(&mut self) {
        let day = self.day;
        let starts = (self.per_day / self.mean_story).round() as usize;
        for _ in 0..starts {
            let s = self.generator.story(day);
            self.live.push(s);
        }
        let (lo, hi) = (day * 86_400, (day + 1) * 86_400);
        let mut slots: Vec<(i64, usize)> = Vec::new();
        for (k, s) in self.live.iter().enumerate() {
            let end = s.start + s.span;
            if end <= lo || s.start >= hi {
                continue;
            }
            // Articles spread evenly over the story's span.
            let (from, to) = (s.start.max(lo), end.min(hi));
            let n_today =
                ((s.articles as f64) * ((to - from) as f64) / s.span as f64).ceil() as u32;
            for _ in 0..n_today {
                let t = from + self.generator.rng.below((to - from).max(1) as usize) as i64;
                slots.push((t, k));
            }
        }
        slots.sort_unstable();
        self.queue = slots.into_iter();
    }

    /// Ends the current day: stories past their span are dropped.
    fn end_day(&mut self) {
        let hi = (self.day + 1) * 86_400;
        self.live.retain(|s| s.start + s.span > hi);
        self.day += 1;
    }
}

impl Iterator for Articles {
    type Item = Generated;

    fn next(&mut self) -> Option<Generated> {
        if self.emitted >= self.total {
            return None;
        }
        loop {
            if let Some((t, k)) = self.queue.next() {
                let (title, body) = self.generator.article(&mut self.live[k]);
                self.emitted += 1;
                return Some(Generated {
                    title,
                    body,
                    story: self.live[k].id,
                    published: self.base + chrono::Duration::seconds(t),
                });
            }
            if self.emitted > 0 || self.day > 0 || !self.live.is_empty() {
                self.end_day();
            }
            self.plan_day();
        }
    }
}
