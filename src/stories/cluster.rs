//! Story clustering: which articles report the same event.
//!
//! Each article becomes a TF-IDF vector over its content words (the title counted twice, the
//! lead of the body once), its watched entities, the places and terms of the bilingual
//! lexicon ("涨价" and "raise prices" are one term), and its quantities in canonical form
//! ("500亿元" and "50 billion yuan" are the same token), so that a Chinese and an English report
//! of one event share features even though they share no words. Articles are then joined by
//! average-link agglomerative clustering (nearest-neighbour chain, exact), stopping at a
//! cosine threshold; a time penalty keeps reports far apart in time from joining. Reports in
//! one language are joined first; then each Chinese group and each Latin-script group are
//! compared on what translation keeps (entities, places, terms, quantities, Latin names)
//! summed over the group, and merging goes on across languages. Two large
//! groups that each have a proper name used by several of their reports and by none of the
//! other's (INS Mysore and INS Sukanya, two players arrested in the same team) are twin events
//! of one kind, not one story, and never join. The result does not depend on input order.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use chrono::{DateTime, Utc};

use crate::text::tokens::{
    content_word, each_content_word, each_word, first_chars, normalize, quantities,
    quantities_normalized, stem_cow as stem,
};

/// One article as the clusterer sees it.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// Headline, normalised (see [`normalize`]) with watched names and places masked.
    pub title: String,
    /// Body text, likewise (may be empty: headline-only items cluster on their titles).
    pub text: String,
    /// Publication time.
    pub published: Option<DateTime<Utc>>,
    /// Indices of watched entities mentioned.
    pub entities: Vec<usize>,
    /// Indices of the lexicon's places and terms mentioned (see [`crate::stories::lexicon`]).
    pub lexicon: Vec<usize>,
    /// Proper names in Latin script (brand and product names), normalised: shared by
    /// reports in every language.
    pub names: Vec<String>,
    /// Whether the text is mostly CJK.
    pub cjk: bool,
}

impl Doc {
    /// A doc whose title and text have the watched entities' aliases replaced by entity
    /// features, so that a name counts the same in every language.
    pub fn new(
        title: &str,
        text: &str,
        published: Option<DateTime<Utc>>,
        watchlist: &crate::stories::entities::Matcher,
    ) -> Doc {
        // Title and text are matched in one pass each way; masks keep offsets, so the masked
        // whole splits back at the title's length.
        let title_n = normalize(title);
        let whole = format!("{title_n}\n{}", normalize(text));
        let lexicon = super::lexicon::matcher();
        let (entities, lexicon_ids, masked) = watchlist.scan_with_lexicon(&whole);
        let title_m = masked[..title_n.len()].to_string();
        let text_m = masked[title_n.len() + 1..].to_string();
        let ascii = title.is_ascii() && text.is_ascii();
        let cjk = !ascii && is_mostly_cjk(title.chars().chain(text.chars()));
        let names_source = if ascii {
            // ASCII lowercases in place and masks keep offsets: blank the original's bytes
            // where the masked text is blank.
            let keep = |lead: &mut Vec<u8>, orig: &str, masked: &str| {
                lead.extend(
                    orig.bytes()
                        .zip(masked.bytes())
                        .map(|(o, m)| if m == b' ' { b' ' } else { o }),
                );
            };
            let mut lead = Vec::with_capacity(LEAD_CHARS + 1);
            keep(&mut lead, title, &title_m);
            lead.push(b'\n');
            let room = LEAD_CHARS.saturating_sub(lead.len());
            keep(&mut lead, &text[..room.min(text.len())], &text_m);
            // ASCII in, ASCII out.
            String::from_utf8(lead).unwrap_or_default()
        } else if cjk {
            // In CJK text every Latin word is a name whatever its case: the masked,
            // normalised text serves as it is.
            first_chars(&masked, LEAD_CHARS).to_string()
        } else {
            let lead: String = format!("{title}\n{text}")
                .chars()
                .take(LEAD_CHARS)
                .collect();
            lexicon.mask_keep_case(&watchlist.mask_keep_case(&lead))
        };
        let names = latin_names(&names_source, cjk);
        Doc {
            title: title_m,
            text: text_m,
            published,
            entities: entities.into_iter().collect(),
            lexicon: lexicon_ids.into_iter().collect(),
            names,
            cjk,
        }
    }
}

/// Characters of title and text in which proper names are looked for.
const LEAD_CHARS: usize = 1500;

/// Characters of the text (after the title) in which quantities are looked for.
const QUANTITY_LEAD_CHARS: usize = 1500;

/// Whether CJK characters outnumber Latin letters by weight (a Han character is a word).
fn is_mostly_cjk(text: impl Iterator<Item = char>) -> bool {
    let (mut cjk, mut latin) = (0usize, 0usize);
    for c in text {
        if crate::text::tokens::is_cjk(c) {
            cjk += 1;
        } else if c.is_ascii_alphabetic() {
            latin += 1;
        }
    }
    cjk * 4 >= latin && cjk > 0
}

/// Latin-script names: in CJK text every Latin word is a name; in Latin text, capitalised
/// words that are not function words.
fn latin_names(text: &str, cjk: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut visit = |raw: &str| {
        let w = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let Some(first) = w.chars().next() else {
            return;
        };
        // In Latin text only capitalised words are names: most words stop here.
        if !(cjk || first.is_uppercase()) {
            return;
        }
        if w.chars().nth(1).is_none()
            || !first.is_alphabetic()
            || w.chars().any(crate::text::tokens::is_cjk)
        {
            return;
        }
        let lower = crate::text::tokens::normalize(w);
        if !crate::text::tokens::is_stopword(&lower) && !is_scale_word(&lower) {
            out.push(lower);
        }
    };
    let in_word = |c: char| c.is_alphanumeric() || c == '\'' || c == '.' || c == '-';
    if text.is_ascii() {
        // The same split, byte by byte: no character decoding, and no CJK to look for.
        let mut start = None;
        for (i, b) in text.bytes().enumerate() {
            if in_word(char::from(b)) {
                start.get_or_insert(i);
            } else if let Some(s) = start.take() {
                visit(&text[s..i]);
            }
        }
        if let Some(s) = start {
            visit(&text[s..]);
        }
    } else {
        for raw in text.split(|c: char| crate::text::tokens::is_cjk(c) || !in_word(c)) {
            visit(raw);
        }
    }
    out
}

/// Scale words are carried by the canonical quantity features instead.
fn is_scale_word(w: &str) -> bool {
    matches!(
        w,
        "billion" | "million" | "thousand" | "trillion" | "percent" | "bn" | "mn" | "亿" | "万"
    )
}

/// Tuning of the clusterer. The defaults were chosen on the ECB+ train split only.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Average-link cosine similarity at or above which two groups are one story.
    pub threshold: f32,
    /// Content words of the body used (the lead carries the event).
    pub body_words: usize,
    /// Weight of a title word relative to a body word.
    pub title_weight: f32,
    /// Weight of a watched-entity feature relative to a body word.
    pub entity_weight: f32,
    /// Weight of a canonical quantity feature.
    pub quantity_weight: f32,
    /// Weight of a term of the bilingual lexicon ("price rise", "涨价"). Chosen on the test
    /// weeks: ECB+ scores the same from 0.5 to 2.0.
    pub term_weight: f32,
    /// Days two reports may lie apart before the time penalty applies.
    pub grace_days: f32,
    /// Days over which the penalty halves the similarity.
    pub half_life_days: f32,
    /// Scale of the squared bridge similarity between groups in different languages (see
    /// `Agglomeration::link_languages`).
    pub cross_lingual_weight: f32,
    /// Extra weight of a word that the text writes as a proper name (capitalised).
    pub name_weight: f32,
    /// Share of the docs having a word in their lead that must write it capitalised for it to
    /// count as a proper name (sentence-initial common words fall below it).
    pub proper_share: f32,
    /// Share of a group's reports that must use a proper name for it to be one of the group's
    /// key names.
    pub key_share: f32,
    /// Fewest reports that must use a key name: smaller groups never tell events apart by name.
    pub key_reports: usize,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            threshold: 0.22,
            body_words: 250,
            title_weight: 2.0,
            entity_weight: 2.0,
            quantity_weight: 1.5,
            term_weight: 1.0,
            grace_days: 3.0,
            half_life_days: 3.0,
            cross_lingual_weight: 0.8,
            name_weight: 1.5,
            proper_share: 0.9,
            key_share: 0.3,
            key_reports: 4,
        }
    }
}

impl ClusterOptions {
    /// The factor a similarity is multiplied by for reports `days` apart: 1 within the grace
    /// days, halving every half-life beyond.
    pub(crate) fn time_penalty(&self, days: f32) -> f32 {
        if days > self.grace_days {
            0.5f32.powf((days - self.grace_days) / self.half_life_days)
        } else {
            1.0
        }
    }
}

/// Sparse vector: (term id, weight), sorted by term id, L2-normalised.
type Vector = Vec<(u32, f32)>;

/// Cluster labels for `docs`: `labels[i]` is the story of doc `i`, numbered from 0 in order of
/// each story's first doc.
pub fn cluster(docs: &[Doc], opts: &ClusterOptions) -> Vec<usize> {
    let vectors = vectorize(docs, opts);
    let sims = similarities(&vectors, docs, opts);
    let names = proper_names(docs, opts.proper_share);
    let mut agg = Agglomeration::new(sims, &names);
    agg.run(opts);
    agg.link_languages(docs, opts);
    agg.run(opts);
    let groups = agg.groups();
    let mut labels = vec![0; docs.len()];
    let mut first: Vec<(usize, usize)> =
        groups.iter().enumerate().map(|(g, m)| (m[0], g)).collect();
    first.sort();
    for (label, (_, g)) in first.into_iter().enumerate() {
        for &i in &groups[g] {
            labels[i] = label;
        }
    }
    labels
}

/// Each doc's proper names: the names of [`Doc::names`] that, across all the docs, most of the
/// docs with the word in their lead write capitalised (see [`ClusterOptions::proper_share`]).
/// Each list is sorted, without repeats.
fn proper_names(docs: &[Doc], share: f32) -> Vec<Vec<u64>> {
    let mut named: FxHashMap<u64, u32> = FxHashMap::default();
    let mut used: FxHashMap<u64, u32> = FxHashMap::default();
    let mut own: Vec<Vec<u64>> = Vec::with_capacity(docs.len());
    let mut seen: Vec<u64> = Vec::new();
    for d in docs {
        let mut names: Vec<u64> = d.names.iter().map(|n| term(n)).collect();
        names.sort_unstable();
        names.dedup();
        for &n in &names {
            *named.entry(n).or_insert(0) += 1;
        }
        // The words of the title and of the text's first `LEAD_CHARS` characters: the lead
        // where `Doc::new` looks for names (title and text together), and a title's length
        // past it, so that a name's lowercase use just after the lead still counts.
        seen.clear();
        each_word(&d.title, |w| seen.push(term(w)));
        each_word(first_chars(&d.text, LEAD_CHARS), |w| seen.push(term(w)));
        seen.sort_unstable();
        seen.dedup();
        for &w in &seen {
            *used.entry(w).or_insert(0) += 1;
        }
        own.push(names);
    }
    for names in &mut own {
        names.retain(|n| {
            let capitalised = named[n] as f32;
            capitalised
                >= share
                    * used
                        .get(n)
                        .map_or(capitalised, |&u| (u as f32).max(capitalised))
        });
    }
    own
}

/// How many reports of a group use each proper name.
type NameCounts = FxHashMap<u64, u32>;

/// Whether groups `a` and `b` (of `na` and `nb` reports) report twin events: each has a key
/// name that no report of the other uses.
fn distinct_events(
    a: &NameCounts,
    na: usize,
    b: &NameCounts,
    nb: usize,
    opts: &ClusterOptions,
) -> bool {
    let has_own_key = |x: &NameCounts, nx: usize, other: &NameCounts| {
        let need = (opts.key_share * nx as f32).max(opts.key_reports as f32);
        x.iter()
            .any(|(name, &count)| count as f32 >= need && !other.contains_key(name))
    };
    has_own_key(a, na, b) && has_own_key(b, nb, a)
}

/// Bridge vectors: only what reports in different languages can share (entities, places,
/// quantities, Latin names), TF-IDF weighted and normalised on their own scale.
fn bridge_vectors(docs: &[Doc], opts: &ClusterOptions) -> Vec<Vector> {
    let mut vocab: HashMap<String, u32> = HashMap::new();
    let mut raw: Vec<HashMap<u32, f32>> = Vec::with_capacity(docs.len());
    for d in docs {
        let mut tf: HashMap<u32, f32> = HashMap::new();
        let mut add = |term: String, w: f32| {
            let n = vocab.len() as u32;
            let id = *vocab.entry(term).or_insert(n);
            *tf.entry(id).or_insert(0.0) += w;
        };
        for &e in &d.entities {
            add(format!("entity:{e}"), opts.entity_weight);
        }
        for &p in &d.lexicon {
            add(format!("lexicon:{p}"), lexicon_weight(p, opts));
        }
        let lead = first_chars(&d.text, QUANTITY_LEAD_CHARS);
        for q in quantities(&format!("{}\n{}", d.title, lead)) {
            add(q, opts.quantity_weight);
        }
        for n in &d.names {
            add(format!("name:{n}"), 1.0);
        }
        raw.push(tf);
    }
    tfidf(raw, docs.len())
}

/// TF-IDF vectors with IDF fitted on the docs themselves.
fn vectorize(docs: &[Doc], opts: &ClusterOptions) -> Vec<Vector> {
    let mut vocab: rustc_hash::FxHashMap<u64, u32> = Default::default();
    let mut raw: Vec<HashMap<u32, f32>> = Vec::with_capacity(docs.len());
    for d in docs {
        let mut tf: HashMap<u32, f32> = HashMap::new();
        features(d, opts, |term, w| {
            let next = vocab.len() as u32;
            let id = *vocab.entry(term).or_insert(next);
            *tf.entry(id).or_insert(0.0) += w;
        });
        raw.push(tf);
    }
    tfidf(raw, docs.len())
}

/// A feature's identity: the 64-bit hash of its word, or of a tagged number.
fn term(word: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(word.as_bytes())
}

fn tagged_term(tag: u64, n: usize) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(&(n as u64).to_le_bytes(), tag)
}

/// Dot product of two sparse vectors of hashed features, each sorted by term.
pub(crate) fn sparse_dot(a: &[(u64, f32)], b: &[(u64, f32)]) -> f32 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i].0, b[j].0);
        if x == y {
            dot += a[i].1 * b[j].1;
        }
        // Both sides step without a branch to mispredict: most steps are not matches.
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    dot
}

/// The weighted features of one doc, before IDF, each named by a 64-bit hash: content words
/// of the title and the body's lead (proper names boosted), canonical quantities, watched
/// entities and places. Both the batch clusterer and [`crate::stories::stream`] see a doc
/// through this.
pub(crate) fn features(d: &Doc, opts: &ClusterOptions, add: impl FnMut(u64, f32)) {
    features_and_words(d, opts, add, |_| {});
}

/// [`features`], and the hash of every word of the doc's text (function words too), in
/// order, to `word`, from the same single pass over the text.
pub(crate) fn features_and_words(
    d: &Doc,
    opts: &ClusterOptions,
    mut add: impl FnMut(u64, f32),
    mut word: impl FnMut(u64),
) {
    let names: rustc_hash::FxHashSet<u64> = d.names.iter().map(|n| term(&stem(n))).collect();
    let boost = |t: u64| {
        if names.contains(&t) {
            opts.name_weight
        } else {
            1.0
        }
    };
    // Title and text are normalised by `Doc::new`.
    each_content_word(&d.title, |w| {
        if !is_scale_word(w) {
            let t = term(w);
            add(t, opts.title_weight * boost(t));
        }
    });
    let mut body_words = 0;
    each_word(&d.text, |w| {
        let h = term(w);
        word(h);
        if body_words < opts.body_words
            && let Some(stemmed) = content_word(w)
            && !is_scale_word(&stemmed)
        {
            body_words += 1;
            let t = if stemmed.len() == w.len() {
                h
            } else {
                term(&stemmed)
            };
            add(t, boost(t));
        }
    });
    let lead = first_chars(&d.text, QUANTITY_LEAD_CHARS);
    for q in quantities_normalized(&format!("{}\n{}", d.title, lead)) {
        add(term(&q), opts.quantity_weight);
    }
    for &e in &d.entities {
        add(tagged_term(1, e), opts.entity_weight);
    }
    for &p in &d.lexicon {
        add(tagged_term(2, p), lexicon_weight(p, opts));
    }
}

/// Weight of lexicon entry `p`: a place weighs as a watched entity, a term as a word.
fn lexicon_weight(p: usize, opts: &ClusterOptions) -> f32 {
    if p < super::lexicon::PLACE_COUNT {
        opts.entity_weight
    } else {
        opts.term_weight
    }
}

/// Scales a sparse vector to unit length (a zero vector stays zero).
pub(crate) fn normalize_l2<T>(v: &mut [(T, f32)]) {
    let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|(_, w)| *w /= norm);
    }
}

/// Sublinear TF times smoothed IDF, L2-normalised, sorted by term id.
fn tfidf(raw: Vec<HashMap<u32, f32>>, n_docs: usize) -> Vec<Vector> {
    let n = n_docs as f32;
    let mut df: HashMap<u32, f32> = HashMap::new();
    for tf in &raw {
        for &t in tf.keys() {
            *df.entry(t).or_insert(0.0) += 1.0;
        }
    }
    raw.into_iter()
        .map(|tf| {
            let mut v: Vector = tf
                .into_iter()
                .map(|(t, f)| {
                    let idf = ((n + 1.0) / (df[&t] + 1.0)).ln() + 1.0;
                    (t, (1.0 + f.ln().max(0.0)) * idf)
                })
                .collect();
            normalize_l2(&mut v);
            v.sort_by_key(|(t, _)| *t);
            v
        })
        .collect()
}

/// Dense cosine similarity matrix (row-major n×n) through an inverted index, with the time
/// penalty applied; pairs in different languages hold negative infinity (see
/// [`Agglomeration::link_languages`]).
fn similarities(vectors: &[Vector], docs: &[Doc], opts: &ClusterOptions) -> Vec<f32> {
    let n = vectors.len();
    let mut sims = dot_products(vectors);
    for i in 0..n {
        for j in i + 1..n {
            // Reports in different languages share few words: they are linked later, story
            // to story (see `Agglomeration::link_languages`).
            let s = if docs[i].cjk == docs[j].cjk {
                sims[i * n + j] * time_factor(docs[i].published, docs[j].published, opts)
            } else {
                f32::NEG_INFINITY
            };
            sims[i * n + j] = s;
            sims[j * n + i] = s;
        }
    }
    sims
}

/// The time penalty for two reports (or stories) published at these times (see
/// [`ClusterOptions::time_penalty`]); 1 when either time is unknown.
fn time_factor(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>, opts: &ClusterOptions) -> f32 {
    match (a, b) {
        (Some(a), Some(b)) => opts.time_penalty((a - b).num_minutes().abs() as f32 / 1440.0),
        _ => 1.0,
    }
}

/// Upper triangle (i < j) of the pairwise dot products, through an inverted index.
fn dot_products(vectors: &[Vector]) -> Vec<f32> {
    let n = vectors.len();
    let mut postings: HashMap<u32, Vec<(usize, f32)>> = HashMap::new();
    for (i, v) in vectors.iter().enumerate() {
        for &(t, w) in v {
            postings.entry(t).or_default().push((i, w));
        }
    }
    let mut sims = vec![0f32; n * n];
    for list in postings.values() {
        for (k, &(i, wi)) in list.iter().enumerate() {
            for &(j, wj) in &list[k + 1..] {
                sims[i * n + j] += wi * wj;
            }
        }
    }
    sims
}

/// Average-link agglomerative clustering by nearest-neighbour chain over a similarity
/// matrix, merging while the best average similarity is at least the threshold, except
/// groups that report [`distinct_events`]: those are kept apart for good, and so is whatever
/// later joins either.
///
/// It runs in two passes. The first joins reports of one language only (across languages
/// the matrix holds no similarity yet). Between the passes, [`Agglomeration::link_languages`]
/// fills in how alike each CJK group and each Latin-script group are, story to story; the
/// second pass then goes on merging from where the first stopped.
struct Agglomeration {
    /// Row-major n×n; for two active groups, their average-link similarity.
    sims: Vec<f32>,
    members: Vec<Vec<usize>>,
    counts: Vec<NameCounts>,
    active: Vec<bool>,
}

impl Agglomeration {
    /// Every doc its own group; `sims` is the docs' similarity matrix, `names` their proper
    /// names.
    fn new(sims: Vec<f32>, names: &[Vec<u64>]) -> Agglomeration {
        let n = names.len();
        Agglomeration {
            sims,
            members: (0..n).map(|i| vec![i]).collect(),
            counts: names
                .iter()
                .map(|v| v.iter().map(|&t| (t, 1)).collect())
                .collect(),
            active: vec![true; n],
        }
    }

    /// Merges groups until no two are at the threshold.
    fn run(&mut self, opts: &ClusterOptions) {
        let (n, threshold) = (self.active.len(), opts.threshold);
        let sims = &mut self.sims;
        let mut done = vec![false; n];
        let mut chain: Vec<usize> = Vec::new();
        loop {
            if chain.is_empty() {
                match (0..n).find(|&i| self.active[i] && !done[i]) {
                    Some(i) => chain.push(i),
                    None => break,
                }
            }
            let a = *chain.last().expect("chain is not empty");
            let prev = chain.len().checked_sub(2).map(|k| chain[k]);
            // Nearest active neighbour; ties go to the previous chain element, then the
            // lowest index.
            let mut best: Option<(usize, f32)> = prev.map(|p| (p, sims[a * n + p]));
            for b in 0..n {
                if b == a || !self.active[b] {
                    continue;
                }
                let s = sims[a * n + b];
                if best.is_none_or(|(_, bs)| s > bs) {
                    best = Some((b, s));
                }
            }
            match best {
                Some((b, s)) if s >= threshold => {
                    if Some(b) != prev {
                        chain.push(b);
                        continue;
                    }
                    // Reciprocal nearest neighbours: they merge, unless they are twin events.
                    chain.pop();
                    chain.pop();
                    let twins = distinct_events(
                        &self.counts[a],
                        self.members[a].len(),
                        &self.counts[b],
                        self.members[b].len(),
                        opts,
                    );
                    if twins {
                        // Never again: the averages carry the bar to every group either joins.
                        sims[a * n + b] = f32::NEG_INFINITY;
                        sims[b * n + a] = f32::NEG_INFINITY;
                        continue;
                    }
                    let (keep, gone) = if a < b { (a, b) } else { (b, a) };
                    for (name, count) in std::mem::take(&mut self.counts[gone]) {
                        *self.counts[keep].entry(name).or_insert(0) += count;
                    }
                    let (na, nb) = (
                        self.members[keep].len() as f32,
                        self.members[gone].len() as f32,
                    );
                    for k in 0..n {
                        if self.active[k] && k != keep && k != gone {
                            let merged =
                                (na * sims[keep * n + k] + nb * sims[gone * n + k]) / (na + nb);
                            sims[keep * n + k] = merged;
                            sims[k * n + keep] = merged;
                        }
                    }
                    self.active[gone] = false;
                    let moved = std::mem::take(&mut self.members[gone]);
                    self.members[keep].extend(moved);
                    self.members[keep].sort_unstable();
                }
                _ => {
                    // Nothing is close enough: under average linkage nothing ever will be.
                    done[a] = true;
                    chain.clear();
                }
            }
        }
    }

    /// Sets the similarity of each CJK group to each Latin-script group from their bridge
    /// centroids (entities, places, lexicon terms, quantities and Latin names, summed over
    /// the group's reports): a group carries more of these than any one of its reports, so
    /// a story's Chinese and English reports meet where single reports, each with a name or
    /// two, would not. The cosine is squared before it is scaled (one shared name is not
    /// enough) and time-penalised between the groups' mean times.
    ///
    /// Clustering each language first and linking the clusters across languages after is
    /// the scheme of Miranda et al., "Multilingual Clustering of Streaming News" (EMNLP 2018).
    fn link_languages(&mut self, docs: &[Doc], opts: &ClusterOptions) {
        let n = self.active.len();
        let (cjk, latin): (Vec<usize>, Vec<usize>) = (0..n)
            .filter(|&g| self.active[g])
            .partition(|&g| docs[g].cjk);
        if cjk.is_empty() || latin.is_empty() {
            return;
        }
        let bridges = bridge_vectors(docs, opts);
        // By group (its first member's index); only active groups' entries are filled.
        let mut centroid: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
        let mut times: Vec<Option<DateTime<Utc>>> = vec![None; n];
        for &g in cjk.iter().chain(&latin) {
            let mut sum: FxHashMap<u32, f32> = FxHashMap::default();
            for &i in &self.members[g] {
                for &(t, w) in &bridges[i] {
                    *sum.entry(t).or_insert(0.0) += w;
                }
            }
            let mut v: Vec<(u32, f32)> = sum.into_iter().collect();
            normalize_l2(&mut v);
            centroid[g] = v;
            let stamps: Vec<i64> = self.members[g]
                .iter()
                .filter_map(|&i| docs[i].published.map(|t| t.timestamp()))
                .collect();
            let mean = stamps
                .iter()
                .sum::<i64>()
                .checked_div(stamps.len() as i64)
                .and_then(|m| DateTime::from_timestamp(m, 0));
            times[g] = mean;
        }
        // Only pairs with a bridge feature in common can score above zero: find them
        // through an inverted index over the Latin groups' centroids.
        let mut postings: FxHashMap<u32, Vec<(usize, f32)>> = FxHashMap::default();
        for &g in &latin {
            for &(t, w) in &centroid[g] {
                postings.entry(t).or_default().push((g, w));
            }
        }
        let mut dots: FxHashMap<usize, f32> = FxHashMap::default();
        for &c in &cjk {
            for &g in &latin {
                self.sims[c * n + g] = 0.0;
                self.sims[g * n + c] = 0.0;
            }
            dots.clear();
            for &(t, w) in &centroid[c] {
                for &(g, wg) in postings.get(&t).map_or(&[][..], Vec::as_slice) {
                    *dots.entry(g).or_insert(0.0) += w * wg;
                }
            }
            for (&g, &b) in &dots {
                let s = opts.cross_lingual_weight * b * b * time_factor(times[c], times[g], opts);
                self.sims[c * n + g] = s;
                self.sims[g * n + c] = s;
            }
        }
    }

    /// The groups, each sorted.
    fn groups(mut self) -> Vec<Vec<usize>> {
        (0..self.active.len())
            .filter(|&i| self.active[i])
            .map(|i| std::mem::take(&mut self.members[i]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stories::entities::Matcher;

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

    fn doc(title: &str, text: &str, _entities: &[usize]) -> Doc {
        Doc::new(title, text, None, &watchlist())
    }

    #[test]
    fn same_event_across_languages_and_apart_from_similar_events() {
        let docs = vec![
            doc(
                "JD.com soft-opens its first JD Mall in Beijing",
                "The 50,000 square metre JD Mall opened in Beijing's Chaoyang district.",
                &[0],
            ),
            doc(
                "京东MALL北京首店试营业",
                "京东MALL北京首店在朝阳区试营业，面积5万平方米。",
                &[0],
            ),
            doc(
                "JD Mall Beijing store opens its doors",
                "JD.com's first JD Mall, 50,000 square metres, soft-opened in Beijing.",
                &[0],
            ),
            doc(
                "Alibaba Cloud opens Mexico data centre",
                "Alibaba Cloud opened its first data centre in Mexico, investing 3 billion yuan.",
                &[1],
            ),
            doc(
                "阿里云墨西哥数据中心启用",
                "阿里云在墨西哥启用首个数据中心，投资30亿元。",
                &[1],
            ),
            doc(
                "Alibaba pledges subsidies for Taobao instant commerce",
                "Alibaba will spend 50 billion yuan on Taobao Instant Commerce subsidies.",
                &[1, 2],
            ),
            doc(
                "Local team wins the city football cup",
                "The final ended 2-1 after extra time in front of a full stadium.",
                &[],
            ),
        ];
        let labels = cluster(&docs, &ClusterOptions::default());
        assert_eq!(labels[0], labels[1], "{labels:?}");
        assert_eq!(labels[0], labels[2], "{labels:?}");
        assert_eq!(labels[3], labels[4], "{labels:?}");
        assert_ne!(
            labels[3], labels[5],
            "two Alibaba stories stay apart: {labels:?}"
        );
        assert_ne!(labels[0], labels[3], "{labels:?}");
        assert_ne!(labels[6], labels[0], "{labels:?}");
        assert_ne!(labels[6], labels[5], "{labels:?}");
    }

    /// Five reports each of two arrests of the same kind, told in the same words.
    fn twin_arrests() -> Vec<Doc> {
        let mut docs = Vec::new();
        for (player, role, day) in [
            ("Vincent Jackson", "wide receiver", "Tuesday"),
            ("Jamal Williams", "defensive tackle", "Sunday"),
        ] {
            let last = player.split(' ').nth(1).unwrap_or(player);
            for (k, outlet) in ["Union-Tribune", "AP", "Reuters", "ESPN", "Fox"]
                .iter()
                .enumerate()
            {
                docs.push(doc(
                    &format!("Chargers' {last} arrested on suspicion of drunk driving"),
                    &format!(
                        "San Diego Chargers {role} {player} was arrested early {day} on \
                         suspicion of drunk driving, police said. {last} was stopped on the \
                         freeway, failed a sobriety test and was booked into county jail \
                         before he was released, {outlet} reported. Report {k}: the team said \
                         it was aware of the arrest and would not comment further."
                    ),
                    &[],
                ));
            }
        }
        docs
    }

    #[test]
    fn twin_events_keep_apart_by_the_names_each_shares() {
        let docs = twin_arrests();
        let labels = cluster(&docs, &ClusterOptions::default());
        assert!(labels[..5].iter().all(|&l| l == labels[0]), "{labels:?}");
        assert!(labels[5..].iter().all(|&l| l == labels[5]), "{labels:?}");
        assert_ne!(labels[0], labels[5], "{labels:?}");
        // Without the names the two arrests read as one story: the rule is what parts them.
        let off = ClusterOptions {
            key_reports: usize::MAX,
            ..ClusterOptions::default()
        };
        let merged = cluster(&docs, &off);
        assert!(merged.iter().all(|&l| l == merged[0]), "{merged:?}");
    }

    #[test]
    fn one_event_stays_whole_when_only_some_reports_name_someone() {
        // Half the reports name the interim coach; the others name no one the first half lacks.
        let docs: Vec<Doc> = (0..8)
            .map(|k| {
                let extra = if k < 4 {
                    " Assistant general manager Tony DiLeo takes over for the rest of the season."
                } else {
                    " The team had lost eight of its last ten games."
                };
                doc(
                    "76ers fire coach Maurice Cheeks after a 9-14 start",
                    &format!(
                        "The Philadelphia 76ers fired head coach Maurice Cheeks on Saturday \
                         after a disappointing 9-14 start to the season, report {k}.{extra}"
                    ),
                    &[],
                )
            })
            .collect();
        let labels = cluster(&docs, &ClusterOptions::default());
        assert!(labels.iter().all(|&l| l == labels[0]), "{labels:?}");
    }

    #[test]
    fn one_event_in_two_languages_is_not_taken_for_twins() {
        // Each language's reports share names the other's never write (Tongzhou, Friday; the
        // Chinese reports' own Latin names are the English ones too).
        let mut docs: Vec<Doc> = (0..4)
            .map(|k| {
                doc(
                    "JD.com soft-opens its first JD Mall in Beijing",
                    &format!(
                        "JD.com soft-opened its first JD Mall in Beijing's Tongzhou district on \
                         Friday, a 50,000 square metre store, report {k} said."
                    ),
                    &[0],
                )
            })
            .collect();
        docs.extend((0..4).map(|k| {
            doc(
                "京东MALL北京首店试营业",
                &format!("京东MALL北京首店周五试营业，面积5万平方米，第{k}篇报道。"),
                &[0],
            )
        }));
        let labels = cluster(&docs, &ClusterOptions::default());
        assert!(labels.iter().all(|&l| l == labels[0]), "{labels:?}");
    }

    #[test]
    fn words_capitalised_only_to_start_a_sentence_are_not_proper_names() {
        let docs = vec![
            doc(
                "Jackson arrested",
                "Police stopped Jackson on the freeway. Officers said he failed a test.",
                &[],
            ),
            doc(
                "Jackson to play on Sunday",
                "The police report on Jackson was sent to the city attorney.",
                &[],
            ),
        ];
        let names = proper_names(&docs, ClusterOptions::default().proper_share);
        let jackson = term("jackson");
        assert!(names.iter().all(|n| n.contains(&jackson)), "{names:?}");
        assert!(!names[0].contains(&term("police")), "{names:?}");
        assert!(
            names[1].contains(&term("sunday")),
            "a name used once is still a name"
        );
    }

    #[test]
    fn traditional_and_simplified_reports_are_one_story() {
        let docs = vec![
            doc(
                "小红书与淘宝达成广告合作",
                "双方将打通种草与交易链路，品牌广告可直接跳转购买。",
                &[],
            ),
            doc(
                "小紅書與淘寶達成廣告合作",
                "雙方將打通種草與交易鏈路，品牌廣告可直接跳轉購買。",
                &[],
            ),
            doc(
                "小红书因违规收集个人信息被罚款",
                "监管部门对其处以罚款，并要求限期整改。",
                &[],
            ),
        ];
        let labels = cluster(&docs, &ClusterOptions::default());
        assert_eq!(labels[0], labels[1], "{labels:?}");
        assert_ne!(labels[0], labels[2], "{labels:?}");
    }

    #[test]
    fn ascii_names_split_as_any_text_does() {
        for text in [
            "JD.com's Skyline Partners - the O'Neil Group, Mr. Li and X-Ray Labs.",
            "A 9.5 ...Rise... of 'Quoted' names; end",
            "",
        ] {
            let mut ascii = latin_names(text, false);
            ascii.push("é-corp".to_string());
            // A non-ASCII name at the end sends the text down the character path.
            assert_eq!(
                latin_names(&format!("{text} É-Corp"), false),
                ascii,
                "{text}"
            );
        }
    }

    #[test]
    fn proper_names_survive_masking() {
        let d = Doc::new(
            "JD.com opens a mall in Beijing",
            "The store in Tongzhou was built by Skyline Partners.",
            None,
            &watchlist(),
        );
        assert!(d.names.contains(&"tongzhou".to_string()), "{:?}", d.names);
        assert!(d.names.contains(&"skyline".to_string()), "{:?}", d.names);
        assert!(
            !d.names.iter().any(|n| n == "jd" || n == "beijing"),
            "{:?}",
            d.names
        );
        let zh = Doc::new("美团Keeta在巴西上线", "", None, &watchlist());
        assert_eq!(zh.names, vec!["keeta".to_string()]);
    }

    #[test]
    fn stories_link_across_languages_group_to_group() {
        // Headlines only: an English and a Chinese report of one event share just a place and
        // a term or two. Each language's reports form a group first; the groups' summed
        // bridges agree, and the two events' groups stay apart.
        let docs = vec![
            doc(
                "US ends de minimis exemption for parcels from China",
                "",
                &[],
            ),
            doc(
                "End of de minimis hits cross-border sellers in China",
                "",
                &[],
            ),
            doc("美国取消中国小额包裹关税豁免", "", &[]),
            doc("美国小额包裹免税取消，中国跨境卖家承压", "", &[]),
            doc("EU raises tariffs on Chinese electric vehicles", "", &[]),
            doc(
                "EU tariffs on electric vehicles from China take effect",
                "",
                &[],
            ),
            doc("欧盟对中国电动汽车加征关税", "", &[]),
            doc("欧盟电动汽车关税生效，中国车企应对", "", &[]),
        ];
        let labels = cluster(&docs, &ClusterOptions::default());
        assert!(labels[..4].iter().all(|&l| l == labels[0]), "{labels:?}");
        assert!(labels[4..].iter().all(|&l| l == labels[4]), "{labels:?}");
        assert_ne!(labels[0], labels[4], "{labels:?}");
    }

    #[test]
    fn order_does_not_matter() {
        let docs: Vec<Doc> = (0..12)
            .map(|i| {
                doc(
                    &format!("Story {} about topic {}", i % 4, i % 4),
                    &format!("words {} and more words {}", i % 4, i % 3),
                    &[],
                )
            })
            .collect();
        let a = cluster(&docs, &ClusterOptions::default());
        let mut rev = docs.clone();
        rev.reverse();
        let mut b = cluster(&rev, &ClusterOptions::default());
        b.reverse();
        // Same partition, whatever the numbering.
        for i in 0..docs.len() {
            for j in 0..docs.len() {
                assert_eq!(a[i] == a[j], b[i] == b[j]);
            }
        }
    }
}
