//! Incremental story clustering over an unbounded stream of articles.
//!
//! Articles arrive one at a time, roughly in time order, over days. Each is first checked for
//! being a near-copy of a live article (MinHash with LSH, see [`crate::stories::dedup`]); a
//! copy joins its original's story. Otherwise it is compared, through an inverted index over
//! the stories' strongest terms, with every live story's centroid, and joins the closest
//! one at or above the threshold, else opens a new story. When an article is close to two
//! stories that turn out to be close to each other, they are merged.
//!
//! A story stays open while coverage continues and closes after `idle_days` without a new
//! article; closed stories leave the index. Term statistics (document frequencies), copy
//! buckets and story centroids all cover only the live window, so memory is bounded by the
//! window, not by the length of the stream. Features are those of the batch clusterer
//! ([`crate::stories::cluster`]), so a doc means the same to both.

use std::collections::VecDeque;

use rustc_hash::FxHashMap as HashMap;

use chrono::{DateTime, Utc};

use super::cluster::{ClusterOptions, Doc, features_and_words, sparse_dot};
use super::dedup::{DedupOptions, signature, similarity};

/// Tuning of the stream clusterer.
#[derive(Debug, Clone)]
pub struct StreamOptions {
    /// Cosine similarity between an article and a story's centroid at or above which the
    /// article joins the story.
    pub threshold: f32,
    /// Cosine similarity between two stories' centroids at or above which they merge.
    pub merge_threshold: f32,
    /// Characters of an article's text that [`StreamClusterer::doc`] keeps.
    pub lead_chars: usize,
    /// Strongest terms kept per article.
    pub doc_terms: usize,
    /// Strongest terms kept per story centroid (and indexed).
    pub story_terms: usize,
    /// Strongest terms of a story under which it is indexed.
    pub index_terms: usize,
    /// Strongest terms of an article looked up in the index to find candidate stories.
    pub probe_terms: usize,
    /// Candidate stories (most shared terms first) compared in full with an article.
    pub candidates: usize,
    /// Days without a new article after which a story closes.
    pub idle_days: f64,
    /// Days of history behind term statistics and copy detection.
    pub memory_days: i64,
    /// Near-copy detection.
    pub dedup: DedupOptions,
    /// Features and their weights (shared with the batch clusterer).
    pub features: ClusterOptions,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            // Chosen on the ECB+ train split alone (see BENCHMARKS.md).
            threshold: 0.225,
            merge_threshold: 0.5,
            lead_chars: 1000,
            doc_terms: 40,
            story_terms: 80,
            index_terms: 24,
            probe_terms: 12,
            candidates: 5,
            idle_days: 3.0,
            memory_days: 7,
            dedup: DedupOptions::default(),
            features: ClusterOptions::default(),
        }
    }
}

/// Where an article went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The article's number in the stream (0, 1, 2...).
    pub doc: u64,
    /// The story it belongs to.
    pub story: u64,
    /// The earlier article it is a near-copy of, if any.
    pub copy_of: Option<u64>,
    /// Stories merged into `story` because of this article (their ids are retired).
    pub merged: Vec<u64>,
}

/// A story that closed: no article joined it for `idle_days`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedStory {
    /// Story id, as in [`Assignment::story`].
    pub id: u64,
    /// Articles it holds, copies included.
    pub articles: u32,
    /// Time of its first and last article.
    pub first: DateTime<Utc>,
    /// Time of its last article.
    pub last: DateTime<Utc>,
}

/// Counters of the engine's state, for progress and memory reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Articles seen.
    pub articles: u64,
    /// Of which near-copies.
    pub copies: u64,
    /// Stories opened.
    pub stories: u64,
    /// Merges of two stories.
    pub merges: u64,
    /// Stories open now.
    pub live_stories: usize,
    /// Articles whose signatures are kept for copy detection now.
    pub live_signatures: usize,
    /// Distinct terms counted now.
    pub live_terms: usize,
    /// Entries of the story index now.
    pub postings: usize,
}

/// Sparse vector sorted by term.
type Vector = Vec<(u64, f32)>;

/// One of an article's terms while it is weighed.
#[derive(Clone, Copy)]
struct Term {
    id: u64,
    weight: f32,
    /// Position of its first occurrence among the article's features.
    first: u32,
}

struct LiveStory {
    /// Sum of member vectors, pruned to the strongest terms, sorted by term.
    centroid: Vector,
    norm: f32,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    articles: u32,
    /// Members since the centroid was last pruned.
    pending: u32,
    /// Terms under which the story is in the index, sorted.
    indexed: Vec<u64>,
}

/// One day of the engine's memory, forgotten as a whole when it leaves the window.
#[derive(Default)]
struct Day {
    /// Articles whose signatures were kept on this day.
    remembered: Vec<u64>,
    /// Their signatures, one after another (each `bands * rows` values).
    signatures: Vec<u32>,
    /// Distinct terms of each article counted on this day, one after another.
    terms: Vec<u64>,
    docs: u32,
}

/// The incremental clusterer. Feed it with [`StreamClusterer::add`]; closed stories are
/// collected with [`StreamClusterer::drain_closed`].
pub struct StreamClusterer {
    opts: StreamOptions,
    next_doc: u64,
    next_story: u64,
    stats: StreamStats,
    stories: HashMap<u64, LiveStory>,
    /// Term → stories whose pruned centroid held it when indexed (checked on use).
    postings: HashMap<u64, Vec<u64>>,
    /// Retired (merged) story → the story it went into, with the day of the merge.
    redirect: HashMap<u64, (u64, i64)>,
    days: VecDeque<(i64, Day)>,
    /// Emptied buffers of forgotten days, kept for the days to come: a day's term list runs
    /// to megabytes, and growing a fresh one each day cost copies and page faults.
    spare_days: Vec<Day>,
    /// LSH bucket key → the latest live article in it (an older one in the same bucket is
    /// found through its other bands, or through the copy that took its place).
    buckets: HashMap<u64, u64>,
    /// Live article → where its signature is kept (day, offset in the day's signatures) and
    /// its story at the time. (Signatures live in their day's buffer, which is recycled, so
    /// that a day's worth of them is not allocated one by one and freed at once.)
    signatures: HashMap<u64, (i64, usize, u64)>,
    df: HashMap<u64, u32>,
    docs_in_memory: u32,
    clock: Option<DateTime<Utc>>,
    last_sweep_day: i64,
    closed: Vec<ClosedStory>,
}

impl StreamClusterer {
    /// An empty clusterer.
    pub fn new(opts: StreamOptions) -> StreamClusterer {
        StreamClusterer {
            opts,
            next_doc: 0,
            next_story: 0,
            stats: StreamStats::default(),
            stories: HashMap::default(),
            postings: HashMap::default(),
            redirect: HashMap::default(),
            days: VecDeque::new(),
            spare_days: Vec::new(),
            buckets: HashMap::default(),
            signatures: HashMap::default(),
            df: HashMap::default(),
            docs_in_memory: 0,
            clock: None,
            last_sweep_day: i64::MIN,
            closed: Vec::new(),
        }
    }

    /// The doc the engine sees for an article: its title and the lead of its text (the
    /// first `lead_chars` characters), where a news report puts its event.
    pub fn doc(
        &self,
        title: &str,
        text: &str,
        published: Option<DateTime<Utc>>,
        watchlist: &super::entities::Matcher,
    ) -> Doc {
        let lead = crate::text::tokens::first_chars(text, self.opts.lead_chars);
        Doc::new(title, lead, published, watchlist)
    }

    /// Clusters a whole set of docs as a stream: in publication order (input order among
    /// equals and undated docs). Returns story labels numbered from 0 in input order of each
    /// story's first doc, as [`crate::stories::cluster::cluster`] does.
    pub fn labels(mut self, docs: &[Doc]) -> Vec<usize> {
        let now = Utc::now();
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.sort_by_key(|&i| docs[i].published.unwrap_or(now));
        let mut story = vec![0u64; docs.len()];
        for i in order {
            story[i] = self.add(&docs[i], now).story;
        }
        let mut numbers: HashMap<u64, usize> = HashMap::default();
        story
            .into_iter()
            .map(|s| {
                let s = self.resolve(s);
                let next = numbers.len();
                *numbers.entry(s).or_insert(next)
            })
            .collect()
    }

    /// Counters of what the engine holds now.
    pub fn stats(&self) -> StreamStats {
        StreamStats {
            live_stories: self.stories.len(),
            live_signatures: self.signatures.len(),
            live_terms: self.df.len(),
            postings: self.postings.values().map(Vec::len).sum(),
            ..self.stats
        }
    }

    /// Adds the next article; `at` stands in for a missing publication time (arrival).
    pub fn add(&mut self, doc: &Doc, at: DateTime<Utc>) -> Assignment {
        let t = doc.published.unwrap_or(at);
        let id = self.next_doc;
        self.next_doc += 1;
        self.stats.articles += 1;
        self.advance(t);
        let day = t.timestamp().div_euclid(86_400);

        // One pass over the text gives the clustering features and the words for shingles.
        // Weights add up per term in the order they come; the map's size is fixed up front, so
        // its order depends on the doc alone.
        let mut gathered: HashMap<u64, Term> =
            HashMap::with_capacity_and_hasher(256, Default::default());
        let mut word_hashes: Vec<u64> = Vec::with_capacity(256);
        let mut position = 0u32;
        features_and_words(
            doc,
            &self.opts.features,
            |id, weight| {
                gathered
                    .entry(id)
                    .or_insert(Term {
                        id,
                        weight: 0.0,
                        first: position,
                    })
                    .weight += weight;
                position += 1;
            },
            |h| word_hashes.push(h),
        );
        let terms: Vec<Term> = gathered.into_values().collect();

        // 1. Near-copies of a live article join its story.
        let sig = self.signature(&word_hashes);
        let copy = sig.as_deref().and_then(|s| self.find_copy(s));
        let sig = match (sig, copy) {
            (Some(sig), Some((original, story))) => {
                let story = self.resolve(story);
                if let Some(s) = self.stories.get_mut(&story) {
                    s.articles += 1;
                    s.last = s.last.max(t);
                    s.first = s.first.min(t);
                }
                self.stats.copies += 1;
                self.remember(day, id, sig, story);
                return Assignment {
                    doc: id,
                    story,
                    copy_of: Some(original),
                    merged: Vec::new(),
                };
            }
            (sig, _) => sig,
        };

        // 2. The closest live stories by centroid similarity. The article's terms count in
        //    the window's statistics from here on.
        let vector = self.weigh_and_count(day, &terms);
        let ranked = self.nearest(&vector, t);
        let (story, merged) = match ranked.first() {
            Some(&(best, sim)) if sim >= self.opts.threshold => {
                let mut merged = Vec::new();
                for &(other, osim) in &ranked[1..] {
                    if osim < self.opts.threshold {
                        break;
                    }
                    if self.centroid_similarity(best, other) >= self.opts.merge_threshold {
                        self.merge(other, best, day);
                        merged.push(other);
                    }
                }
                self.join(best, &vector, t);
                (best, merged)
            }
            _ => (self.open(&vector, t), Vec::new()),
        };
        if let Some(sig) = sig {
            self.remember(day, id, sig, story);
        }
        Assignment {
            doc: id,
            story,
            copy_of: None,
            merged,
        }
    }

    /// Stories closed since the last call.
    pub fn drain_closed(&mut self) -> Vec<ClosedStory> {
        std::mem::take(&mut self.closed)
    }

    /// Closes every live story (end of the stream) and returns all not yet drained.
    pub fn finish(&mut self) -> Vec<ClosedStory> {
        let ids: Vec<u64> = self.stories.keys().copied().collect();
        for id in ids {
            self.close(id);
        }
        self.closed.sort_by_key(|c| c.id);
        self.drain_closed()
    }

    /// The story an id now stands for, following merges.
    pub fn resolve(&self, mut story: u64) -> u64 {
        while let Some(&(to, _)) = self.redirect.get(&story) {
            story = to;
        }
        story
    }

    fn signature(&self, word_hashes: &[u64]) -> Option<Vec<u32>> {
        let d = &self.opts.dedup;
        let sh = crate::text::tokens::shingles_of_hashes(word_hashes, d.shingle);
        (sh.len() >= d.min_shingles).then(|| signature(&sh, d.bands * d.rows))
    }

    /// The first live article, band by band, whose signature is close enough to `sig`, with
    /// its story.
    fn find_copy(&self, sig: &[u32]) -> Option<(u64, u64)> {
        band_keys(sig, self.opts.dedup.rows)
            .into_iter()
            .find_map(|key| {
                let other = *self.buckets.get(&key)?;
                let &(day, at, story) = self.signatures.get(&other)?;
                let (_, kept) = self.days.iter().rfind(|(d, _)| *d == day)?;
                let osig = kept.signatures.get(at..at + sig.len())?;
                (similarity(osig, sig) >= self.opts.dedup.threshold).then_some((other, story))
            })
    }

    fn day_mut(&mut self, day: i64) -> &mut Day {
        // Articles arrive roughly in order: the day is the newest or close behind it.
        let pos = self.days.iter().rposition(|(d, _)| *d == day);
        let i = match pos {
            Some(i) => i,
            None => {
                let at = self
                    .days
                    .iter()
                    .rposition(|(d, _)| *d < day)
                    .map_or(0, |i| i + 1);
                let fresh = self.spare_days.pop().unwrap_or_default();
                self.days.insert(at, (day, fresh));
                at
            }
        };
        &mut self.days[i].1
    }

    fn remember(&mut self, day: i64, doc: u64, sig: Vec<u32>, story: u64) {
        for key in band_keys(&sig, self.opts.dedup.rows) {
            self.buckets.insert(key, doc);
        }
        let kept = self.day_mut(day);
        kept.remembered.push(doc);
        let at = kept.signatures.len();
        kept.signatures.extend_from_slice(&sig);
        self.signatures.insert(doc, (day, at, story));
    }

    /// TF-IDF over the live window's statistics, the strongest terms kept (the earlier in
    /// the doc among equals), L2-normalised; then the article's terms (distinct) are counted
    /// in those statistics, one lookup per term.
    fn weigh_and_count(&mut self, day: i64, terms: &[Term]) -> Vector {
        let n = self.docs_in_memory as f32 + 1.0;
        // The lookups first, in a loop of their own, so that their cache misses overlap.
        let seen: Vec<u32> = terms
            .iter()
            .map(|t| {
                let seen = self.df.entry(t.id).or_insert(0);
                *seen += 1;
                *seen - 1
            })
            .collect();
        let mut v: Vec<Term> = terms
            .iter()
            .zip(seen)
            .map(|(t, seen)| {
                let df = seen as f32 + 1.0;
                let idf = ((n + 1.0) / (df + 1.0)).ln() + 1.0;
                Term {
                    weight: (1.0 + t.weight.ln().max(0.0)) * idf,
                    ..*t
                }
            })
            .collect();
        self.docs_in_memory += 1;
        let d = self.day_mut(day);
        d.docs += 1;
        d.terms.extend(terms.iter().map(|t| t.id));
        let norm = v.iter().map(|t| t.weight * t.weight).sum::<f32>().sqrt();
        if v.len() > self.opts.doc_terms {
            v.select_nth_unstable_by(self.opts.doc_terms, |a, b| {
                b.weight.total_cmp(&a.weight).then(a.first.cmp(&b.first))
            });
            v.truncate(self.opts.doc_terms);
        }
        v.sort_unstable_by_key(|t| t.id);
        let scale = if norm > 0.0 { norm.recip() } else { 1.0 };
        v.into_iter().map(|t| (t.id, t.weight * scale)).collect()
    }

    /// Live stories by similarity to `v`, best first, with the time penalty applied.
    ///
    /// Candidates are the stories that index at least one of the doc's strongest terms,
    /// most shared terms first; only the best of them are compared in full.
    fn nearest(&self, v: &Vector, t: DateTime<Utc>) -> Vec<(u64, f32)> {
        let mut probe: Vec<&(u64, f32)> = v.iter().collect();
        if probe.len() > self.opts.probe_terms {
            probe.select_nth_unstable_by(self.opts.probe_terms, |a, b| b.1.total_cmp(&a.1));
            probe.truncate(self.opts.probe_terms);
        }
        // Stories listed under the probe terms, with how many of them each shares.
        // (Counted in a map sized once: a few hundred entries a doc, sorting which cost more.)
        let lists: Vec<&Vec<u64>> = probe
            .iter()
            .filter_map(|&&(term, _)| self.postings.get(&term))
            .collect();
        let listed = lists.iter().map(|l| l.len()).sum();
        let mut counts: HashMap<u64, u32> =
            HashMap::with_capacity_and_hasher(listed, Default::default());
        for &s in lists.iter().copied().flatten() {
            *counts.entry(s).or_insert(0) += 1;
        }
        let mut candidates: Vec<(u64, u32)> = counts.into_iter().collect();
        if candidates.len() > self.opts.candidates {
            candidates.select_nth_unstable_by(self.opts.candidates, |a, b| {
                b.1.cmp(&a.1).then(a.0.cmp(&b.0))
            });
            candidates.truncate(self.opts.candidates);
        }
        let found: Vec<(u64, &LiveStory)> = candidates
            .into_iter()
            .filter_map(|(s, _)| Some((s, self.stories.get(&s)?)))
            .collect();
        // Every cache line of the candidates' centroids is read once first: these loads do
        // not depend on each other, so their misses overlap, where the merge below, whose
        // every step depends on the last, would wait for them one after another.
        let mut touched = 0u64;
        for (_, story) in &found {
            for entry in story.centroid.iter().step_by(4) {
                touched ^= entry.0;
            }
        }
        std::hint::black_box(touched);
        let f = &self.opts.features;
        let mut ranked: Vec<(u64, f32)> = found
            .into_iter()
            .map(|(s, story)| {
                let dot = sparse_dot(&story.centroid, v);
                let mut sim = dot / story.norm.max(f32::EPSILON);
                // Distance from the story's span, in days.
                let gap = if t < story.first {
                    story.first - t
                } else if t > story.last {
                    t - story.last
                } else {
                    chrono::Duration::zero()
                };
                sim *= f.time_penalty(gap.num_minutes() as f32 / 1440.0);
                (s, sim)
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(4);
        ranked
    }

    fn centroid_similarity(&self, a: u64, b: u64) -> f32 {
        let (Some(sa), Some(sb)) = (self.stories.get(&a), self.stories.get(&b)) else {
            return 0.0;
        };
        let dot = sparse_dot(&sa.centroid, &sb.centroid);
        dot / (sa.norm * sb.norm).max(f32::EPSILON)
    }

    fn open(&mut self, v: &Vector, t: DateTime<Utc>) -> u64 {
        let id = self.next_story;
        self.next_story += 1;
        self.stats.stories += 1;
        let story = LiveStory {
            norm: norm(v),
            centroid: v.clone(),
            first: t,
            last: t,
            articles: 1,
            pending: 0,
            indexed: Vec::new(),
        };
        self.stories.insert(id, story);
        self.index(id);
        id
    }

    fn join(&mut self, id: u64, v: &Vector, t: DateTime<Utc>) {
        let Some(story) = self.stories.get_mut(&id) else {
            return;
        };
        story.centroid = sparse_add(&story.centroid, v);
        story.articles += 1;
        story.first = story.first.min(t);
        story.last = story.last.max(t);
        story.pending += 1;
        let limit = self.opts.story_terms;
        if story.centroid.len() > 2 * limit || story.pending >= 8 {
            prune(&mut story.centroid, limit);
            story.pending = 0;
        }
        story.norm = norm(&story.centroid);
        self.index(id);
    }

    /// Puts the story in the index under its strongest terms. Terms that have dropped out
    /// stay listed until the next sweep (a stale entry only adds a candidate).
    fn index(&mut self, id: u64) {
        let Some(story) = self.stories.get_mut(&id) else {
            return;
        };
        for term in top_terms(&story.centroid, self.opts.index_terms) {
            if let Err(at) = story.indexed.binary_search(&term) {
                story.indexed.insert(at, term);
                self.postings.entry(term).or_default().push(id);
            }
        }
    }

    fn merge(&mut self, from: u64, into: u64, day: i64) {
        let Some(gone) = self.stories.remove(&from) else {
            return;
        };
        self.stats.merges += 1;
        self.redirect.insert(from, (into, day));
        if let Some(story) = self.stories.get_mut(&into) {
            story.centroid = sparse_add(&story.centroid, &gone.centroid);
            prune(&mut story.centroid, self.opts.story_terms);
            story.norm = norm(&story.centroid);
            story.articles += gone.articles;
            story.first = story.first.min(gone.first);
            story.last = story.last.max(gone.last);
        }
        self.index(into);
    }

    fn close(&mut self, id: u64) {
        if let Some(s) = self.stories.remove(&id) {
            self.closed.push(ClosedStory {
                id,
                articles: s.articles,
                first: s.first,
                last: s.last,
            });
        }
    }

    /// Moves the clock to `t`; once per new day, closes idle stories and forgets days past
    /// the memory window.
    fn advance(&mut self, t: DateTime<Utc>) {
        let clock = match self.clock {
            Some(c) if c >= t => return,
            _ => t,
        };
        self.clock = Some(clock);
        let today = clock.timestamp().div_euclid(86_400);
        if today == self.last_sweep_day {
            return;
        }
        self.last_sweep_day = today;
        let idle = chrono::Duration::minutes((self.opts.idle_days * 1440.0) as i64);
        let mut idle_ids: Vec<u64> = self
            .stories
            .iter()
            .filter(|(_, s)| clock - s.last > idle)
            .map(|(&id, _)| id)
            .collect();
        idle_ids.sort_unstable();
        for id in idle_ids {
            self.close(id);
        }
        while let Some((day, _)) = self.days.front() {
            if *day > today - self.opts.memory_days {
                break;
            }
            if let Some((_, mut old)) = self.days.pop_front() {
                let len = self.opts.dedup.bands * self.opts.dedup.rows;
                for doc in old.remembered.drain(..) {
                    let Some((_, at, _)) = self.signatures.remove(&doc) else {
                        continue;
                    };
                    let Some(sig) = old.signatures.get(at..at + len) else {
                        continue;
                    };
                    for key in band_keys(sig, self.opts.dedup.rows) {
                        if self.buckets.get(&key) == Some(&doc) {
                            self.buckets.remove(&key);
                        }
                    }
                }
                old.signatures.clear();
                for t in old.terms.drain(..) {
                    if let Some(c) = self.df.get_mut(&t) {
                        *c = c.saturating_sub(1);
                        if *c == 0 {
                            self.df.remove(&t);
                        }
                    }
                }
                self.docs_in_memory = self.docs_in_memory.saturating_sub(old.docs);
                old.docs = 0;
                self.spare_days.push(old);
            }
        }
        let horizon = today - self.opts.memory_days;
        self.redirect.retain(|_, (_, day)| *day > horizon);
        // Re-index every story under its strongest terms now; drop closed stories' entries.
        // The lists are refilled from the live stories (one lookup per entry, where checking
        // each old entry against its story took two).
        let limit = self.opts.index_terms;
        self.postings.values_mut().for_each(Vec::clear);
        for (&id, story) in self.stories.iter_mut() {
            story.indexed = top_terms(&story.centroid, limit);
            story.indexed.sort_unstable();
            for &term in &story.indexed {
                self.postings.entry(term).or_default().push(id);
            }
        }
        self.postings.retain(|_, list| !list.is_empty());
    }
}

/// One LSH bucket key per band of `rows` signature values.
fn band_keys(sig: &[u32], rows: usize) -> Vec<u64> {
    sig.chunks(rows.max(1))
        .enumerate()
        .map(|(band, chunk)| {
            chunk.iter().fold(band as u64, |acc, &v| {
                (acc.rotate_left(29) ^ u64::from(v)).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            })
        })
        .collect()
}

fn norm(v: &Vector) -> f32 {
    v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt()
}

fn sparse_add(a: &Vector, b: &Vector) -> Vector {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                i += 1;
                j += 1;
                (x.0, x.1 + y.1)
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                i += 1;
                *x
            }
            (Some(x), None) => {
                i += 1;
                *x
            }
            (_, Some(y)) => {
                j += 1;
                *y
            }
            (None, None) => break,
        };
        out.push(next);
    }
    out
}

/// The `limit` strongest terms of a vector.
fn top_terms(v: &Vector, limit: usize) -> Vec<u64> {
    let mut by_weight: Vec<&(u64, f32)> = v.iter().collect();
    if by_weight.len() > limit {
        by_weight.select_nth_unstable_by(limit, |a, b| b.1.total_cmp(&a.1));
        by_weight.truncate(limit);
    }
    by_weight.into_iter().map(|(t, _)| *t).collect()
}

/// Keeps the `limit` strongest terms, sorted by term.
fn prune(v: &mut Vector, limit: usize) {
    if v.len() > limit {
        v.select_nth_unstable_by(limit, |a, b| b.1.total_cmp(&a.1));
        v.truncate(limit);
        v.sort_unstable_by_key(|(t, _)| *t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stories::entities::Matcher;
    use chrono::TimeZone;

    fn watchlist() -> Matcher {
        Matcher::new(vec![
            ("JD.com".into(), 1.0, vec!["JD".into(), "京东".into()]),
            (
                "Alibaba".into(),
                1.0,
                vec!["阿里巴巴".into(), "阿里".into()],
            ),
            ("Taobao".into(), 1.0, vec!["淘宝".into()]),
        ])
    }

    fn day(d: i64, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap() + chrono::Duration::days(d)
    }

    /// Feeds `(title, text, time)` in order; returns each article's final story.
    fn run(engine: &mut StreamClusterer, items: &[(&str, &str, DateTime<Utc>)]) -> Vec<u64> {
        let w = watchlist();
        let stories: Vec<u64> = items
            .iter()
            .map(|(title, text, t)| {
                let doc = engine.doc(title, text, Some(*t), &w);
                engine.add(&doc, *t).story
            })
            .collect();
        stories.into_iter().map(|s| engine.resolve(s)).collect()
    }

    #[test]
    fn among_equally_strong_terms_the_earlier_are_kept() {
        let mut engine = StreamClusterer::new(StreamOptions {
            doc_terms: 2,
            ..StreamOptions::default()
        });
        // Ids in the opposite order of the terms' first occurrence, all of one weight.
        let terms: Vec<Term> = (0..5u32)
            .map(|i| Term {
                id: 100 - u64::from(i),
                weight: 1.0,
                first: i,
            })
            .rev()
            .collect();
        let v = engine.weigh_and_count(0, &terms);
        let kept: Vec<u64> = v.iter().map(|&(t, _)| t).collect();
        assert_eq!(kept, vec![99, 100]);
        // Normalised over all five terms, not only the kept ones.
        let expected = 1.0 / 5f32.sqrt();
        assert!(v.iter().all(|&(_, w)| (w - expected).abs() < 1e-6), "{v:?}");

        // Sorted by term whether or not any were dropped, as the merges that score it need.
        let mut roomy = StreamClusterer::new(StreamOptions::default());
        let v = roomy.weigh_and_count(0, &terms);
        assert_eq!(v.len(), 5);
        assert!(v.windows(2).all(|p| p[0].0 < p[1].0), "{v:?}");
    }

    #[test]
    fn one_event_across_languages_and_days_stays_apart_from_similar_events() {
        let mut engine = StreamClusterer::new(StreamOptions::default());
        let s = run(
            &mut engine,
            &[
                (
                    "JD.com soft-opens its first JD Mall in Beijing",
                    "The 50,000 square metre JD Mall opened in Beijing's Chaoyang district.",
                    day(0, 8),
                ),
                (
                    "Alibaba pledges subsidies for Taobao instant commerce",
                    "Alibaba will spend 50 billion yuan on Taobao Instant Commerce subsidies.",
                    day(0, 9),
                ),
                (
                    "京东MALL北京首店试营业",
                    "京东MALL北京首店在朝阳区试营业，面积5万平方米。",
                    day(0, 10),
                ),
                (
                    "Alibaba Cloud opens Mexico data centre",
                    "Alibaba Cloud opened its first data centre in Mexico, investing 3 billion yuan.",
                    day(1, 9),
                ),
                (
                    "JD Mall Beijing store opens its doors",
                    "JD.com's first JD Mall, 50,000 square metres, soft-opened in Beijing.",
                    day(1, 12),
                ),
                (
                    "阿里云墨西哥数据中心启用",
                    "阿里云在墨西哥启用首个数据中心，投资30亿元。",
                    day(2, 3),
                ),
            ],
        );
        assert_eq!(s[0], s[2], "JD Mall in Chinese joins: {s:?}");
        assert_eq!(s[0], s[4], "JD Mall a day later joins: {s:?}");
        assert_eq!(s[3], s[5], "Alibaba Cloud Mexico in Chinese joins: {s:?}");
        assert_ne!(s[1], s[3], "two Alibaba stories stay apart: {s:?}");
        assert_ne!(s[0], s[1], "{s:?}");
        assert_ne!(s[0], s[3], "{s:?}");
    }

    #[test]
    fn a_late_article_joins_its_story_not_the_newest() {
        let mut engine = StreamClusterer::new(StreamOptions::default());
        let s = run(
            &mut engine,
            &[
                (
                    "Meituan launches Keeta delivery in Sao Paulo",
                    "Meituan's Keeta began food delivery in Sao Paulo with local riders.",
                    day(0, 8),
                ),
                (
                    "Shein opens first permanent store in Paris",
                    "Shein opened a permanent store in the BHV department store in Paris.",
                    day(2, 8),
                ),
                (
                    "Shein Paris store draws crowds and protests",
                    "Crowds queued at the Shein store in Paris while protesters gathered outside BHV.",
                    day(2, 12),
                ),
                // Published on day 0, arriving after the Shein reports.
                (
                    "Keeta starts Sao Paulo food delivery, Meituan says",
                    "Meituan said Keeta delivery started in Sao Paulo with local riders.",
                    day(0, 20),
                ),
            ],
        );
        assert_eq!(s[0], s[3], "{s:?}");
        assert_eq!(s[1], s[2], "{s:?}");
        assert_ne!(s[0], s[1], "{s:?}");
    }

    #[test]
    fn copies_join_their_original_and_say_so() {
        let text = "JD.com soft-opened its first JD Mall in Beijing on Friday, a store of more than \
                    fifty thousand square metres selling appliances, furniture and groceries under \
                    one roof, and said more cities would follow next year.";
        let mut engine = StreamClusterer::new(StreamOptions::default());
        let w = watchlist();
        let a = engine.add(&engine.doc("JD Mall opens", text, None, &w), day(0, 8));
        let b = engine.add(
            &engine.doc("Syndicated: JD Mall opens", text, None, &w),
            day(0, 9),
        );
        assert_eq!(b.copy_of, Some(a.doc));
        assert_eq!(b.story, a.story);
        assert_eq!(engine.stats().copies, 1);
    }

    #[test]
    fn idle_stories_close_and_memory_covers_only_the_window() {
        let opts = StreamOptions::default();
        let (idle, memory) = (opts.idle_days, opts.memory_days);
        let mut engine = StreamClusterer::new(opts);
        let w = Matcher::new(Vec::new());
        let mut closed = Vec::new();
        // Sixty days, a new story each day with four reports in its own words.
        for d in 0..60i64 {
            for k in 0..4u32 {
                let words = format!("topic{d}alpha topic{d}beta topic{d}gamma report{k}");
                let text = format!("{words} {words} more about topic{d}delta and topic{d}alpha.");
                let t = day(d, 6 + 3 * k);
                let doc = engine.doc(&words, &text, Some(t), &w);
                engine.add(&doc, t);
            }
            closed.extend(engine.drain_closed());
            let stats = engine.stats();
            assert!(
                stats.live_stories as f64 <= idle + 2.0,
                "day {d}: {stats:?}"
            );
            assert!(
                stats.live_signatures <= 4 * (memory as usize + 1),
                "day {d}: {stats:?}"
            );
        }
        closed.extend(engine.finish());
        assert_eq!(closed.len(), 60, "one story per day");
        assert!(closed.iter().all(|c| c.articles == 4), "{closed:?}");
        assert!(engine.stats().live_terms > 0 || engine.stats().live_stories == 0);
    }

    #[test]
    fn two_stories_that_grow_alike_merge() {
        let mut engine = StreamClusterer::new(StreamOptions::default());
        let w = Matcher::new(Vec::new());
        let mut add = |title: &str, text: &str, h: u32| {
            let doc = engine.doc(title, text, Some(day(0, h)), &w);
            engine.add(&doc, day(0, h))
        };
        // Two headline-only reports with nothing in common: two stories.
        let x = add("quorvex blandine", "", 1);
        let y = add("morrakai tuskenel", "", 2);
        assert_ne!(x.story, y.story);
        // Full reports use both pairs of names: they pull the stories together.
        let mut merged = Vec::new();
        for h in 3..12 {
            let a = add(
                "quorvex blandine morrakai tuskenel",
                "quorvex blandine met morrakai tuskenel; quorvex and morrakai agreed.",
                h,
            );
            merged.extend(a.merged);
        }
        assert_eq!(merged.len(), 1, "{merged:?}");
        assert_eq!(engine.resolve(x.story), engine.resolve(y.story));
        assert_eq!(engine.stats().live_stories, 1);
    }
}
