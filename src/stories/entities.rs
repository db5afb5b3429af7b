//! Watchlist and topic matching with Aho-Corasick over aliases in every script.
//!
//! Aliases and text are both normalised (NFKC, lowercase), so "ＪＤ", "jd" and "JD" meet. A
//! Latin alias must stand as a whole word ("JD" does not match inside "JDX"); a CJK alias
//! matches anywhere, as Chinese has no spaces.

use std::collections::BTreeSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::config::{EntityConfig, TopicConfig};
use crate::text::tokens::normalize;

/// Finds named things (entities or topics) in text by their aliases.
#[derive(Debug, Clone)]
pub struct Matcher {
    names: Vec<String>,
    weights: Vec<f64>,
    /// For each pattern, the index of the thing it names.
    owner: Vec<usize>,
    /// The normalised aliases, in pattern order.
    patterns: Vec<String>,
    ac: Option<AhoCorasick>,
    /// This matcher's aliases and the lexicon's (places and terms) in one automaton, made on
    /// first use by [`Matcher::scan_with_lexicon`].
    joint: std::sync::OnceLock<Option<AhoCorasick>>,
}

impl Matcher {
    /// Builds a matcher from `(name, weight, aliases)`; the name is itself an alias.
    pub fn new(things: Vec<(String, f64, Vec<String>)>) -> Matcher {
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        let mut names = Vec::new();
        let mut weights = Vec::new();
        for (i, (name, weight, aliases)) in things.into_iter().enumerate() {
            let mut seen = BTreeSet::new();
            for alias in std::iter::once(name.clone()).chain(aliases) {
                let a = normalize(alias.trim());
                if !a.is_empty() && seen.insert(a.clone()) {
                    patterns.push(a);
                    owner.push(i);
                }
            }
            names.push(name);
            weights.push(weight);
        }
        let ac = automaton(&patterns);
        Matcher {
            names,
            weights,
            owner,
            patterns,
            ac,
            joint: std::sync::OnceLock::new(),
        }
    }

    /// A matcher over the config's watchlist.
    pub fn watchlist(entities: &[EntityConfig]) -> Matcher {
        Matcher::new(
            entities
                .iter()
                .map(|e| (e.name.get_ref().clone(), e.weight, e.aliases.clone()))
                .collect(),
        )
    }

    /// A matcher over the config's topics (keywords are the aliases).
    pub fn topics(topics: &[TopicConfig]) -> Matcher {
        Matcher::new(
            topics
                .iter()
                .map(|t| (t.name.get_ref().clone(), 1.0, t.keywords.clone()))
                .collect(),
        )
    }

    /// Indices of the things mentioned in `text`.
    pub fn find(&self, text: &str) -> BTreeSet<usize> {
        let Some(ac) = &self.ac else {
            return BTreeSet::new();
        };
        let norm = normalize(text);
        ac.find_iter(&norm)
            .filter(|m| stands_alone(&norm, m))
            .map(|m| self.owner[m.pattern().as_usize()])
            .collect()
    }

    /// For text already [`normalize`]d, in one pass: what [`Matcher::find`] and
    /// [`Matcher::mask`] return.
    pub fn scan(&self, norm: &str) -> (BTreeSet<usize>, String) {
        let mut found = BTreeSet::new();
        let Some(ac) = &self.ac else {
            return (found, norm.to_string());
        };
        let masked = blank_matches(ac, norm, |p| {
            found.insert(self.owner[p]);
        });
        (found, masked)
    }

    /// [`Matcher::scan`] of this matcher and of the bilingual lexicon of places and terms
    /// ([`crate::stories::lexicon`]) in one pass over text already [`normalize`]d: the things
    /// found, the lexicon's entries found, and the text with both's aliases blanked.
    ///
    /// Where one of this matcher's aliases overlaps a lexicon entry, the leftmost (then the
    /// longest) counts, as among one matcher's own aliases: in "北京东路" Beijing is found,
    /// not "京东".
    pub fn scan_with_lexicon(&self, norm: &str) -> (BTreeSet<usize>, BTreeSet<usize>, String) {
        let other = super::lexicon::matcher();
        let joint = self.joint.get_or_init(|| {
            let both: Vec<&str> = self
                .patterns
                .iter()
                .chain(&other.patterns)
                .map(String::as_str)
                .collect();
            automaton(&both)
        });
        let (mut mine, mut theirs) = (BTreeSet::new(), BTreeSet::new());
        let Some(ac) = joint else {
            return (mine, theirs, norm.to_string());
        };
        let split = self.patterns.len();
        let masked = blank_matches(ac, norm, |p| {
            match p.checked_sub(split) {
                None => mine.insert(self.owner[p]),
                Some(q) => theirs.insert(other.owner[q]),
            };
        });
        (mine, theirs, masked)
    }

    /// The text, normalised, with every matched alias blanked out (one space per byte, so
    /// offsets are kept): what remains after the things found are accounted for (so an
    /// entity counts once, in any language).
    pub fn mask(&self, text: &str) -> String {
        self.scan(&normalize(text)).1
    }

    /// Like [`Matcher::mask`], but keeps the text's case (matching is still case-insensitive).
    ///
    /// Used where capitalisation carries meaning, such as finding proper names.
    pub fn mask_keep_case(&self, text: &str) -> String {
        let Some(ac) = &self.ac else {
            return text.to_string();
        };
        if text.is_ascii() {
            // Lowercasing ASCII keeps every byte in place: blank the matches' bytes.
            let lower = text.to_ascii_lowercase();
            let mut out = text.as_bytes().to_vec();
            for m in ac.find_iter(&lower).filter(|m| stands_alone(&lower, m)) {
                out[m.start()..m.end()].fill(b' ');
            }
            return String::from_utf8(out).unwrap_or_default();
        }
        // Normalisation can change lengths; mask on the normalised form char by char when the
        // lengths agree, else fall back to the normalised text.
        let norm = normalize(text);
        let orig: Vec<char> = text.chars().collect();
        let normc: Vec<char> = norm.chars().collect();
        if orig.len() != normc.len() {
            return self.mask(text);
        }
        let mut keep = vec![true; normc.len()];
        let byte_to_char: Vec<usize> = {
            let mut v = vec![0; norm.len() + 1];
            let mut ci = 0;
            for (bi, _) in norm.char_indices() {
                v[bi] = ci;
                ci += 1;
            }
            v[norm.len()] = ci;
            v
        };
        for m in ac.find_iter(&norm).filter(|m| stands_alone(&norm, m)) {
            keep[byte_to_char[m.start()]..byte_to_char[m.end()]].fill(false);
        }
        orig.iter()
            .zip(keep)
            .map(|(c, k)| if k { *c } else { ' ' })
            .collect()
    }

    /// Display name of thing `i`.
    pub fn name(&self, i: usize) -> &str {
        &self.names[i]
    }

    /// Weight of thing `i`.
    pub fn weight(&self, i: usize) -> f64 {
        self.weights[i]
    }

    /// Indices of the things with these display names.
    pub fn indices_of(&self, names: &[String]) -> Vec<usize> {
        names
            .iter()
            .filter_map(|n| self.names.iter().position(|m| m == n))
            .collect()
    }

    /// Number of things.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there is nothing to match.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The leftmost-longest automaton over normalised aliases (none if there are none).
fn automaton<P: AsRef<[u8]>>(patterns: &[P]) -> Option<AhoCorasick> {
    if patterns.is_empty() {
        return None;
    }
    // A DFA scans fastest; past a few thousand aliases its memory grows, so the builder
    // picks for itself there.
    let kind = (patterns.len() <= 4096).then_some(AhoCorasickKind::DFA);
    match AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .kind(kind)
        .build(patterns)
    {
        Ok(ac) => Some(ac),
        Err(e) => {
            // Only a watchlist far beyond any real beat's size gets here.
            tracing::warn!("watchlist too large to match ({e}); entities will not be tagged");
            None
        }
    }
}

/// `norm` with every alias that stands alone blanked byte for byte (so that the masked text
/// keeps every offset); `found` hears each such alias's pattern number.
fn blank_matches(ac: &AhoCorasick, norm: &str, mut found: impl FnMut(usize)) -> String {
    let mut masked = String::with_capacity(norm.len());
    let mut done = 0;
    for m in ac.find_iter(norm) {
        // A Latin alias inside a longer word ("ban" in "urban") is not a mention.
        if !stands_alone(norm, &m) {
            continue;
        }
        masked.push_str(&norm[done..m.start()]);
        masked.extend(std::iter::repeat_n(' ', m.end() - m.start()));
        done = m.end();
        found(m.pattern().as_usize());
    }
    masked.push_str(&norm[done..]);
    masked
}

/// Whether a match is not glued to Latin letters or digits around it: a Latin alias must
/// stand as a whole word ("JD" is not found in "JDX"); CJK aliases match anywhere.
fn stands_alone(norm: &str, m: &aho_corasick::Match) -> bool {
    let before = norm[..m.start()].chars().next_back();
    let after = norm[m.end()..].chars().next();
    let first = norm[m.start()..].chars().next();
    let last = norm[..m.end()].chars().next_back();
    let latin_edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    !(latin_edge(first) && latin_edge(before) || latin_edge(last) && latin_edge(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> Matcher {
        Matcher::new(vec![
            (
                "JD.com".into(),
                1.5,
                vec!["JD".into(), "京东".into(), "京東".into()],
            ),
            (
                "RedNote".into(),
                1.0,
                vec!["Xiaohongshu".into(), "小红书".into()],
            ),
            ("Temu".into(), 1.0, vec![]),
        ])
    }

    #[test]
    fn aliases_in_every_script() {
        let m = m();
        assert_eq!(m.find("京东MALL北京首店试营业"), BTreeSet::from([0]));
        assert_eq!(
            m.find("ＪＤ opens a mall; Xiaohongshu too"),
            BTreeSet::from([0, 1])
        );
        assert_eq!(m.find("小红书上线新功能"), BTreeSet::from([1]));
    }

    #[test]
    fn simplified_aliases_match_traditional_text() {
        let m = m();
        // The watchlist names RedNote only in Simplified; a Taiwan or Hong Kong source writes
        // it in Traditional, and full-width Latin letters fold too.
        assert_eq!(m.find("小紅書推出新功能"), BTreeSet::from([1]));
        assert_eq!(m.find("ＲｅｄＮｏｔｅ與京東合作"), BTreeSet::from([0, 1]));
        assert_eq!(
            m.mask("小紅書與Temu"),
            format!("{}与{}", " ".repeat(9), " ".repeat(4))
        );
    }

    #[test]
    fn one_pass_with_the_lexicon_finds_what_two_passes_do() {
        let m = m();
        let places = crate::stories::lexicon::matcher();
        for text in [
            "京东mall北京首店试营业",
            "jd opens in beijing and shanghai; xiaohongshu in hong kong",
            "jdx and temurin in urban peking",
            "",
        ] {
            let (mine, masked) = m.scan(text);
            let (theirs, masked) = places.scan(&masked);
            assert_eq!(m.scan_with_lexicon(text), (mine, theirs, masked), "{text}");
        }
        // Where a watched alias and a place overlap, the leftmost wins: Beijing's east side,
        // not JD.com.
        let (mine, theirs, masked) = m.scan_with_lexicon("北京东路");
        assert!(mine.is_empty());
        assert_eq!(theirs.len(), 1);
        assert_eq!(masked, format!("{}东路", " ".repeat(6)));
    }

    #[test]
    fn mask_blanks_aliases() {
        assert_eq!(
            m().mask("京东MALL and Temu"),
            format!("{}mall and {}", " ".repeat(6), " ".repeat(4))
        );
    }

    #[test]
    fn latin_aliases_need_word_boundaries() {
        let m = m();
        assert!(m.find("JDX Logistics and Temurin").is_empty());
        assert_eq!(m.find("Temu's rivals"), BTreeSet::from([2]));
        // Nor are such words blanked out of the text the clusterer sees.
        assert_eq!(m.mask("JDX and Temurin"), "jdx and temurin");
        assert_eq!(m.mask_keep_case("JDX and Temurin"), "JDX and Temurin");
        assert_eq!(m.mask_keep_case("JDX 与 Temurin"), "JDX 与 Temurin");
        assert_eq!(m.scan("jdx and temu").1, "jdx and     ");
    }
}
