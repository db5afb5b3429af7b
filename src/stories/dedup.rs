//! Near-duplicate detection: MinHash signatures with locality-sensitive hashing.
//!
//! Each article becomes a set of word shingles (3 words; jieba words for Chinese). A MinHash
//! signature of `bands × rows` values estimates the Jaccard similarity of two sets; LSH puts
//! articles that agree on a whole band into the same bucket, so only likely pairs are
//! compared. Pairs whose estimated similarity reaches the threshold are joined (union-find).

use std::collections::HashMap;

use crate::model::Article;
use crate::text::tokens::{shingles, words};

/// Tuning of near-duplicate detection.
#[derive(Debug, Clone, Copy)]
pub struct DedupOptions {
    /// LSH bands.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// Words per shingle.
    pub shingle: usize,
    /// Estimated Jaccard similarity at or above which two articles are copies.
    pub threshold: f64,
    /// Fewest shingles an article needs to be compared at all (headlines alone are not).
    pub min_shingles: usize,
}

impl Default for DedupOptions {
    fn default() -> Self {
        DedupOptions {
            bands: 16,
            rows: 4,
            shingle: 3,
            threshold: 0.5,
            min_shingles: 12,
        }
    }
}

/// A MinHash signature of `len` values over hashed items, by one-permutation hashing: each
/// item falls into one of `len` bins by its hash and each bin keeps its minimum, so the cost
/// is one hash per item whatever the length. Empty bins borrow from the next filled bin
/// (densification with a per-distance offset), so that short texts still compare fairly.
pub fn signature(items: &[u64], len: usize) -> Vec<u32> {
    let len = len.max(1);
    let mut sig = vec![u32::MAX; len];
    let mut filled = vec![false; len];
    for &x in items {
        let h = mix(x);
        // The high half picks the bin (multiply-shift range reduction); the low half is the value.
        let bin = (((h >> 32) * len as u64) >> 32) as usize;
        let v = h as u32;
        if v <= sig[bin] {
            sig[bin] = v;
            filled[bin] = true;
        }
    }
    if !filled.iter().any(|&f| f) {
        return sig;
    }
    let out: Vec<u32> = (0..len)
        .map(|i| {
            let mut d = 0;
            while !filled[(i + d) % len] {
                d += 1;
            }
            // The offset keeps borrowed values apart from the lender's own.
            sig[(i + d) % len].wrapping_add((d as u32).wrapping_mul(0x9e37_79b9))
        })
        .collect();
    out
}

/// A 64-bit finaliser (from SplitMix64), so that bins and values come from well-mixed bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Estimated Jaccard similarity of two signatures.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64
}

/// Groups of near-duplicate articles (indices into `articles`), each sorted, in order of
/// their first member. Every article is in exactly one group.
pub fn groups(articles: &[Article], opts: DedupOptions) -> Vec<Vec<usize>> {
    let len = opts.bands * opts.rows;
    let sigs: Vec<Option<Vec<u32>>> = articles
        .iter()
        .map(|a| {
            let sh = shingles(&words(a.body()), opts.shingle);
            (sh.len() >= opts.min_shingles).then(|| signature(&sh, len))
        })
        .collect();
    let mut uf = UnionFind::new(articles.len());
    for band in 0..opts.bands {
        let mut buckets: HashMap<&[u32], Vec<usize>> = HashMap::new();
        for (i, sig) in sigs.iter().enumerate() {
            if let Some(sig) = sig {
                buckets
                    .entry(&sig[band * opts.rows..(band + 1) * opts.rows])
                    .or_default()
                    .push(i);
            }
        }
        for members in buckets.values() {
            for (k, &i) in members.iter().enumerate() {
                for &j in &members[k + 1..] {
                    if let (Some(a), Some(b)) = (&sigs[i], &sigs[j])
                        && uf.find(i) != uf.find(j)
                        && similarity(a, b) >= opts.threshold
                    {
                        uf.union(i, j);
                    }
                }
            }
        }
    }
    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..articles.len() {
        by_root.entry(uf.find(i)).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = by_root.into_values().collect();
    out.sort_by_key(|g| g[0]);
    out
}

/// Disjoint sets over `0..n`.
pub struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    /// The representative of `i`'s set.
    pub fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    /// Joins the sets of `a` and `b`; the smaller index becomes the root.
    pub fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi] = lo;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn art(text: &str) -> Article {
        Article {
            text: text.to_string(),
            ..Default::default()
        }
    }

    #[test]
    fn copies_and_light_rewrites_group() {
        let base = "JD.com soft-opened its first JD Mall in Beijing on Friday, a store of more than fifty thousand square metres selling appliances, furniture and groceries under one roof, and said more cities would follow next year.";
        let rewrite = "JD.com soft-opened its first JD Mall in Beijing on Friday, a store of more than fifty thousand square metres selling appliances, furniture and groceries under one roof, and said more cities would follow in 2026.";
        let other = "Meituan's Keeta delivery service launched in São Paulo this week with a promise of thirty-minute meals and a fleet of local riders, its first step into Latin America after Hong Kong and Riyadh.";
        let g = groups(
            &[art(base), art(other), art(rewrite), art(base)],
            DedupOptions::default(),
        );
        assert_eq!(g, vec![vec![0, 2, 3], vec![1]]);
    }

    #[test]
    fn signatures_estimate_jaccard_similarity() {
        // Two sets of n items sharing a given fraction; the estimate tracks the truth.
        for (n, shared) in [
            (1000usize, 0.5f64),
            (1000, 0.9),
            (200, 0.7),
            (30, 0.8),
            (30, 0.0),
        ] {
            let common = (n as f64 * shared) as u64;
            let a: Vec<u64> = (0..n as u64).collect();
            let b: Vec<u64> = (0..common)
                .chain(10_000..10_000 + n as u64 - common)
                .collect();
            let truth = common as f64 / (2 * n as u64 - common) as f64;
            let est = similarity(&signature(&a, 64), &signature(&b, 64));
            assert!((est - truth).abs() < 0.15, "n={n} truth={truth} est={est}");
        }
        assert_eq!(signature(&[1, 2, 3], 64), signature(&[3, 2, 1], 64));
    }

    #[test]
    fn headlines_alone_are_never_duplicates() {
        let g = groups(
            &[art("JD opens mall"), art("JD opens mall")],
            DedupOptions::default(),
        );
        assert_eq!(g.len(), 2);
    }
}
