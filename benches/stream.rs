//! Scale benchmark: a stream of generated articles through near-copy detection and incremental
//! story clustering ([`roundup::stories::stream`]) on one core.
//!
//! ARTICLES generated articles (default 1,000,000) over about DAYS days (default 100), from
//! the generator in `common/generator.rs` (its header describes the stories and texts), arrive in time
//! order.
//!
//! Reported: articles per second of clustering work (feature extraction, copy detection and
//! clustering; the generator's own time is excluded) and its split between reading the doc and
//! adding it; the process's resident memory at each quarter of the stream and at its peak; the
//! quality of the result against the generator's stories (pairwise precision, recall and F1,
//! counted as stories close, so the scorer's memory is bounded by the live window too).
//!
//! Run: `cargo bench --bench stream` (`-- --articles N --days D` to change the sizes; `--lead`,
//! `--threshold`, `--candidates` and `--story-terms` override the engine's defaults).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use roundup::stories::entities::Matcher;
use roundup::stories::stream::{StreamClusterer, StreamOptions};

#[path = "common/args.rs"]
mod args;
#[path = "common/generator.rs"]
mod generator;

use args::arg;

/// The allocator the `roundup` binary ships with (`src/main.rs`), so the rate is the one it gets.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let articles: u64 = arg("--articles", 1_000_000);
    let days: i64 = arg("--days", 100);
    let defaults = StreamOptions::default();
    let opts = StreamOptions {
        lead_chars: arg("--lead", defaults.lead_chars),
        threshold: arg("--threshold", defaults.threshold),
        candidates: arg("--candidates", defaults.candidates),
        story_terms: arg("--story-terms", defaults.story_terms),
        ..defaults
    };

    let mut stream = generator::Articles::new(articles, days);
    let watchlist = Matcher::new(stream.watchlist());
    let mut engine = StreamClusterer::new(opts);
    let mut score = Score::default();
    let mut gold_sizes: HashMap<u32, u64> = HashMap::new();
    let mut work = Duration::ZERO;
    let mut doc_time = Duration::ZERO;
    let started = Instant::now();
    let mut emitted: u64 = 0;
    let mut checkpoints = Vec::new();
    let mut next_checkpoint = articles / 4;
    for item in stream.by_ref() {
        let clock = Instant::now();
        let doc = engine.doc(&item.title, &item.body, Some(item.published), &watchlist);
        doc_time += clock.elapsed();
        let a = engine.add(&doc, item.published);
        work += clock.elapsed();
        for &m in &a.merged {
            score.merge(m, a.story);
        }
        score.add(a.story, item.story);
        for closed in engine.drain_closed() {
            score.close(closed.id);
        }
        *gold_sizes.entry(item.story).or_insert(0) += 1;
        emitted += 1;
        if emitted == next_checkpoint {
            checkpoints.push((emitted, resident_kib("VmRSS:"), engine.stats()));
            next_checkpoint += articles / 4;
        }
    }
    for closed in engine.finish() {
        score.close(closed.id);
    }
    let gold_pairs: u64 = gold_sizes
        .values()
        .map(|n| n * n.saturating_sub(1) / 2)
        .sum();
    let elapsed = started.elapsed();
    let stats = engine.stats();
    let p = score.same_pred_same_gold as f64 / score.same_pred.max(1) as f64;
    let r = score.same_pred_same_gold as f64 / gold_pairs.max(1) as f64;
    println!(
        "articles={emitted} days={} stories_true={} stories_found={} copies={} merges={}",
        stream.days() + 1,
        stream.stories(),
        stats.stories,
        stats.copies,
        stats.merges
    );
    println!(
        "clustering work: {:.1} s, {:.0} articles/s (one core); wall with generation: {:.1} s",
        work.as_secs_f64(),
        emitted as f64 / work.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    let per_article = |d: Duration| d.as_secs_f64() * 1e6 / emitted.max(1) as f64;
    println!(
        "per article: {:.1} µs reading the doc (StreamClusterer::doc), {:.1} µs clustering it (add)",
        per_article(doc_time),
        per_article(work - doc_time)
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
