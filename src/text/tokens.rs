//! Words, shingles and normalisation for every script.
//!
//! Text is first folded with NFKC (full-width letters and digits become ASCII), lowercased,
//! and Traditional Chinese characters are written in their Simplified forms.
//! Runs of CJK characters are cut into words by jieba (one shared instance, loaded on first
//! use); other runs are split into letters-and-digits words. Common function words are
//! dropped by [`content_words`] so that similarity reflects what a text is about.

use std::sync::LazyLock;

use jieba_rs::Jieba;
use unicode_normalization::UnicodeNormalization;

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);
static EN_STOP_SET: LazyLock<rustc_hash::FxHashSet<&'static str>> =
    LazyLock::new(|| EN_STOP.iter().copied().collect());
static ZH_STOP_SET: LazyLock<rustc_hash::FxHashSet<&'static str>> =
    LazyLock::new(|| ZH_STOP.iter().copied().collect());

/// Whether `c` is a CJK ideograph (Han), as used by Chinese and Japanese.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}'
        | '\u{20000}'..='\u{2a6df}')
}

/// NFKC-folds and lowercases text, and writes Chinese in Simplified characters: full-width
/// forms become half-width, and "小紅書" meets "小红书".
pub fn normalize(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    // Most text is already in NFKC form (all of Chinese, most of the rest): a quick check
    // spares the decomposition.
    let folded = match unicode_normalization::is_nfkc_quick(text.chars()) {
        unicode_normalization::IsNormalized::Yes => text.to_lowercase(),
        _ => text.nfkc().collect::<String>().to_lowercase(),
    };
    if folded.chars().any(is_cjk) {
        fast2s::convert(&folded)
    } else {
        folded
    }
}

/// All words of `text`, normalised, in order: jieba words for CJK runs, alphanumeric runs else.
///
/// Decimal points and thousands separators inside numbers are kept ("11.11", "1,000").
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_word(&normalize(text), |w| out.push(w.to_string()));
    out
}

/// Calls `f` with each word of text that is already [`normalize`]d, in order, as
/// [`words`] would return them, without allocating per word.
pub fn each_word(norm: &str, mut f: impl FnMut(&str)) {
    let bytes = norm.as_bytes();
    if norm.is_ascii() {
        // The same rules byte by byte: no characters to decode and no CJK runs.
        let mut word: Option<usize> = None;
        for (i, &b) in bytes.iter().enumerate() {
            let joins_number = (b == b'.' || b == b',')
                && word.is_some()
                && bytes[i - 1].is_ascii_digit()
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            if b.is_ascii_alphanumeric() || joins_number || (b == b'\'' && word.is_some()) {
                word.get_or_insert(i);
            } else if let Some(start) = word.take() {
                emit_word(&norm[start..i], &mut f);
            }
        }
        if let Some(start) = word {
            emit_word(&norm[start..], &mut f);
        }
        return;
    }
    let mut word: Option<usize> = None;
    let mut cjk: Option<usize> = None;
    let mut chars = norm.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if is_cjk(c) {
            if let Some(start) = word.take() {
                emit_word(&norm[start..i], &mut f);
            }
            cjk.get_or_insert(i);
            continue;
        }
        if let Some(start) = cjk.take() {
            emit_cjk(&norm[start..i], &mut f);
        }
        let joins_number = (c == '.' || c == ',')
            && word.is_some()
            && bytes[i - 1].is_ascii_digit()
            && chars.peek().is_some_and(|(_, n)| n.is_ascii_digit());
        if c.is_alphanumeric() || joins_number || (c == '\'' && word.is_some()) {
            word.get_or_insert(i);
        } else if let Some(start) = word.take() {
            emit_word(&norm[start..i], &mut f);
        }
    }
    if let Some(start) = word {
        emit_word(&norm[start..], &mut f);
    }
    if let Some(start) = cjk {
        emit_cjk(&norm[start..], &mut f);
    }
}

fn emit_word(w: &str, f: &mut impl FnMut(&str)) {
    let w = w.trim_end_matches('\'');
    if !w.is_empty() {
        let w = w.strip_suffix("'s").unwrap_or(w);
        if w.contains(',') {
            f(&w.replace(',', ""));
        } else {
            f(w);
        }
    }
}

fn emit_cjk(run: &str, f: &mut impl FnMut(&str)) {
    for w in JIEBA.cut(run, false) {
        f(w.word);
    }
}

/// Words that carry meaning: [`words`] without function words, single Latin letters or
/// single-character Chinese particles; English plurals folded.
pub fn content_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_content_word(&normalize(text), |w| out.push(w.to_string()));
    out
}

/// Calls `f` with each content word (see [`content_words`]) of already [`normalize`]d text.
pub fn each_content_word(norm: &str, mut f: impl FnMut(&str)) {
    each_word(norm, |w| {
        if let Some(c) = content_word(w) {
            f(&c);
        }
    });
}

/// The content word a word of [`each_word`] stands for: its [`stem_cow`], or `None` for a
/// function word.
pub fn content_word(word: &str) -> Option<std::borrow::Cow<'_, str>> {
    (!is_stopword(word)).then(|| stem_cow(word))
}

/// A text's letters and digits only, lowercased: the same text whatever its spacing,
/// punctuation and case.
pub fn letters_and_digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            }
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The first `n` characters of `text` (all of it if shorter), without copying.
pub fn first_chars(text: &str, n: usize) -> &str {
    // A text has no more characters than bytes, and an ASCII byte is a character.
    if text.len() <= n {
        return text;
    }
    if text.as_bytes()[..n].is_ascii() {
        return &text[..n];
    }
    match text.char_indices().nth(n) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// A light English stemmer: folds plurals and a few suffixes so "stores" meets "store".
pub fn stem(word: &str) -> String {
    stem_cow(word).into_owned()
}

/// [`stem`], borrowing when the word is unchanged.
pub fn stem_cow(word: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if !word.is_ascii() || word.len() <= 3 || word.bytes().any(|c| c.is_ascii_digit()) {
        return Cow::Borrowed(word);
    }
    for (suffix, repl) in [("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", "")] {
        if let Some(base) = word.strip_suffix(suffix)
            && base.len() >= 3
        {
            return if repl.is_empty() {
                Cow::Borrowed(base)
            } else {
                Cow::Owned(format!("{base}{repl}"))
            };
        }
    }
    if let Some(base) = word.strip_suffix('s')
        && !base.ends_with('s')
        && !base.ends_with('u')
        && !base.ends_with('i')
    {
        return Cow::Borrowed(base);
    }
    Cow::Borrowed(word)
}

/// Whether a normalised word is a function word in English or Chinese.
pub fn is_stopword(w: &str) -> bool {
    let mut chars = w.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        // Single Latin letters and single-character Chinese function words carry little.
        return !c.is_ascii_digit() && (c.is_ascii() || ZH_STOP_CHARS.contains(c));
    }
    if w.is_ascii() {
        EN_STOP_SET.contains(w)
    } else {
        ZH_STOP_SET.contains(w)
    }
}

const ZH_STOP_CHARS: &str = "的了在是和与及或也都而就将把被对从向于这那个为之其以等着过吗呢吧啊";

const ZH_STOP: &[&str] = &[
    "我们", "他们", "你们", "这个", "那个", "一个", "没有", "已经", "以及", "因为", "所以", "但是",
    "如果", "可以", "表示", "进行", "通过", "目前", "其中", "此外", "同时", "对于", "记者", "报道",
    "消息", "今天", "昨天", "日前", "近日",
];

/// English function words, sorted for binary search.
const EN_STOP: &[&str] = &[
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "last",
    "may",
    "me",
    "might",
    "more",
    "most",
    "must",
    "my",
    "myself",
    "new",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "said",
    "same",
    "says",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "us",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "year",
    "you",
    "your",
    "yours",
];

/// Overlapping k-word shingles, hashed to 64 bits, for near-duplicate detection.
pub fn shingles(words: &[String], k: usize) -> Vec<u64> {
    let hashes: Vec<u64> = words
        .iter()
        .map(|w| xxhash_rust::xxh3::xxh3_64(w.as_bytes()))
        .collect();
    shingles_of_hashes(&hashes, k)
}

/// Like [`shingles`], over the words of already [`normalize`]d text, without keeping the
/// words themselves.
pub fn shingle_hashes(norm: &str, k: usize) -> Vec<u64> {
    let mut hashes = Vec::new();
    each_word(norm, |w| {
        hashes.push(xxhash_rust::xxh3::xxh3_64(w.as_bytes()))
    });
    shingles_of_hashes(&hashes, k)
}

/// Overlapping k-word shingles over words already hashed (see [`shingles`]).
pub fn shingles_of_hashes(hashes: &[u64], k: usize) -> Vec<u64> {
    if hashes.is_empty() {
        return Vec::new();
    }
    let k = k.min(hashes.len()).max(1);
    hashes
        .windows(k)
        .map(|w| {
            // Order matters: rotate before mixing each next word in.
            w.iter().fold(0u64, |acc, &h| {
                (acc.rotate_left(23) ^ h).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            })
        })
        .collect()
}

/// Text prepared for a full-text index: words separated by spaces (jieba-cut Chinese).
pub fn for_index(text: &str) -> String {
    words(text).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_text_splits_as_any_text_does() {
        for text in [
            "JD.com's sales rose 1,000.5 yuan, up 3.5% on 11.11",
            "rock'n'roll 'quoted' words' end, 1,2 and 1.x x.1 9,",
            "a-b_c d--e  f...g 2025",
            "",
        ] {
            let mut ascii = words(text);
            ascii.push("é".to_string());
            // A non-ASCII word at the end sends the text down the character path.
            assert_eq!(words(&format!("{text} é")), ascii, "{text}");
        }
    }

    #[test]
    fn first_chars_counts_characters_not_bytes() {
        assert_eq!(first_chars("abc", 5), "abc");
        assert_eq!(first_chars("abcdef", 3), "abc");
        assert_eq!(first_chars("ab京东商城", 4), "ab京东");
        assert_eq!(first_chars("京东", 1), "京");
        assert_eq!(first_chars("abc京", 3), "abc");
        assert_eq!(first_chars("", 3), "");
    }

    #[test]
    fn full_width_and_case_fold() {
        assert_eq!(normalize("ＪＤ．ｃｏｍ １１．１１"), "jd.com 11.11");
        assert_eq!(words("ＪＤ　Mall"), vec!["jd", "mall"]);
    }

    #[test]
    fn traditional_chinese_is_written_simplified() {
        assert_eq!(normalize("小紅書"), "小红书");
        assert_eq!(normalize("阿里巴巴集團　ＡＢＣ"), "阿里巴巴集团 abc");
        assert_eq!(
            content_words("京東在北京開設首家門店"),
            content_words("京东在北京开设首家门店")
        );
        // Simplified text and other scripts pass through unchanged.
        assert_eq!(normalize("拼多多 Temu"), "拼多多 temu");
    }

    #[test]
    fn chinese_is_segmented() {
        let w = words("京东在北京开设首家京东MALL");
        assert!(w.contains(&"京东".to_string()), "{w:?}");
        assert!(w.contains(&"北京".to_string()), "{w:?}");
        assert!(w.contains(&"mall".to_string()), "{w:?}");
    }

    #[test]
    fn numbers_keep_their_points() {
        assert_eq!(
            words("Sales rose 12.5% to 1,200 units"),
            vec!["sales", "rose", "12.5", "to", "1200", "units"]
        );
    }

    #[test]
    fn content_words_drop_function_words() {
        assert_eq!(
            content_words("The stores of JD.com"),
            vec!["store", "jd", "com"]
        );
        assert_eq!(content_words("京东的门店"), vec!["京东", "门店"]);
    }

    #[test]
    fn stopwords_are_sorted() {
        let mut sorted = EN_STOP.to_vec();
        sorted.sort();
        assert_eq!(sorted, EN_STOP);
    }
}

/// Quantities in canonical form, so that one figure written in two languages meets:
/// "50 billion yuan", "500亿元" and "50bn" all give `q:5e10`; "12%" and "12％" give `q:12%`.
/// Dates, times, years and bare numbers under 100 are left out: they say little about which
/// event a report is about, and any two reports of one day share them.
pub fn quantities(text: &str) -> Vec<String> {
    quantities_normalized(&normalize(text))
}

/// [`quantities`] of text already [`normalize`]d.
pub fn quantities_normalized(norm: &str) -> Vec<String> {
    static DATE_TIME: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}(?:[t ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:\.[0-9]+)?(?:z|[+-][0-9]{2}:?[0-9]{2})?)?|[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?|[0-9]{4}年|[0-9]{1,2}月[0-9]{1,2}[日号]?|[0-9]{1,2}[日号时点]",
        )
        .expect("static regex")
    });
    static NUM: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"[0-9]+(?:[.,][0-9]+)*").expect("static regex"));
    /// Units after a number (longest first where one is a prefix of another), with scale.
    const UNITS: &[(&str, Option<f64>)] = &[
        ("%", None),
        ("percent", None),
        ("per cent", None),
        ("trillion", Some(1e12)),
        ("billion", Some(1e9)),
        ("bn", Some(1e9)),
        ("million", Some(1e6)),
        ("mn", Some(1e6)),
        ("thousand", Some(1e3)),
        ("万亿", Some(1e12)),
        ("亿", Some(1e8)),
        ("万", Some(1e4)),
        ("千", Some(1e3)),
    ];
    // Dates and times are not quantities: skip numbers inside them. Digits are ASCII here
    // (normalisation folds full-width ones), which keeps both searches on the fast path.
    if !norm.bytes().any(|b| b.is_ascii_digit()) && !norm.contains(|c: char| c.is_numeric()) {
        return Vec::new();
    }
    let dates: Vec<(usize, usize)> = DATE_TIME
        .find_iter(norm)
        .map(|m| (m.start(), m.end()))
        .collect();
    let mut out = Vec::new();
    for m in NUM.find_iter(norm) {
        if dates.iter().any(|&(s, e)| m.start() < e && m.end() > s) {
            continue;
        }
        let digits = m.as_str().replace(',', "");
        let Ok(value) = digits.parse::<f64>() else {
            continue;
        };
        let rest = norm[m.end()..].trim_start();
        let unit = UNITS.iter().find(|(u, _)| rest.starts_with(u));
        let token = match unit {
            Some((_, None)) => format!("q:{}%", trim_float(value)),
            Some((_, Some(scale))) => format!("q:{:e}", value * scale),
            None => {
                if (1900.0..=2100.0).contains(&value) && !digits.contains('.') || value < 100.0 {
                    continue;
                }
                format!("q:{:e}", value)
            }
        };
        out.push(token);
    }
    out
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod quantity_tests {
    use super::quantities;

    #[test]
    fn one_figure_in_two_languages() {
        assert_eq!(
            quantities("Alibaba pledges 50 billion yuan"),
            vec!["q:5e10"]
        );
        assert_eq!(quantities("阿里巴巴投入500亿元补贴"), vec!["q:5e10"]);
        assert_eq!(quantities("prices cut by 12%"), quantities("降价１２％"));
        assert_eq!(quantities("50,000 square metres"), quantities("5万平方米"));
        assert!(quantities("in 2025, 3 stores and 12 cities").is_empty());
        assert!(quantities("Li Hua 2025-11-19T07:00:00+08:00, 11月19日 10:30").is_empty());
        assert_eq!(quantities("30,000 runners"), vec!["q:3e4"]);
    }
}
