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

/// Whether `c` is a CJK ideograph (Han), as used by Chinese and Japanese.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}'
        | '\u{20000}'..='\u{2a6df}')
}

/// NFKC-folds and lowercases text, and writes Chinese in Simplified characters: full-width
/// forms become half-width, and "小紅書" meets "小红书".
pub fn normalize(text: &str) -> String {
    let folded: String = text.nfkc().flat_map(char::to_lowercase).collect();
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
    let norm = normalize(text);
    let mut out = Vec::new();
    let mut cjk_run = String::new();
    let mut word = String::new();
    let chars: Vec<char> = norm.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if is_cjk(c) {
            flush_word(&mut word, &mut out);
            cjk_run.push(c);
            continue;
        }
        flush_cjk(&mut cjk_run, &mut out);
        let joins_number = (c == '.' || c == ',')
            && word.chars().last().is_some_and(|p| p.is_ascii_digit())
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_alphanumeric() || joins_number || (c == '\'' && !word.is_empty()) {
            word.push(c);
        } else {
            flush_word(&mut word, &mut out);
        }
    }
    flush_word(&mut word, &mut out);
    flush_cjk(&mut cjk_run, &mut out);
    out
}

fn flush_word(word: &mut String, out: &mut Vec<String>) {
    let w = word.trim_end_matches('\'');
    if !w.is_empty() {
        let w = w.strip_suffix("'s").unwrap_or(w);
        out.push(w.replace(',', ""));
    }
    word.clear();
}

fn flush_cjk(run: &mut String, out: &mut Vec<String>) {
    if !run.is_empty() {
        for w in JIEBA.cut(run, false) {
            out.push(w.word.to_string());
        }
        run.clear();
    }
}

/// Words that carry meaning: [`words`] without function words, single Latin letters or
/// single-character Chinese particles; English plurals folded.
pub fn content_words(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| !is_stopword(w))
        .map(|w| stem(&w))
        .collect()
}

/// A light English stemmer: folds plurals and a few suffixes so "stores" meets "store".
pub fn stem(word: &str) -> String {
    if !word.is_ascii() || word.len() <= 3 || word.chars().any(|c| c.is_ascii_digit()) {
        return word.to_string();
    }
    for (suffix, repl) in [("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", "")] {
        if let Some(base) = word.strip_suffix(suffix)
            && base.len() >= 3
        {
            return format!("{base}{repl}");
        }
    }
    if let Some(base) = word.strip_suffix('s')
        && !base.ends_with('s')
        && !base.ends_with('u')
        && !base.ends_with('i')
    {
        return base.to_string();
    }
    word.to_string()
}

/// Whether a normalised word is a function word in English or Chinese.
pub fn is_stopword(w: &str) -> bool {
    if w.chars().count() == 1 {
        let c = w.chars().next().unwrap_or(' ');
        // Single Latin letters and single-character Chinese function words carry little.
        return !c.is_ascii_digit() && (c.is_ascii() || ZH_STOP_CHARS.contains(c));
    }
    EN_STOP.binary_search(&w).is_ok() || ZH_STOP.contains(&w)
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
    if words.is_empty() {
        return Vec::new();
    }
    let k = k.min(words.len()).max(1);
    words
        .windows(k)
        .map(|w| {
            let joined = w.join("\u{1f}");
            xxhash_rust::xxh3::xxh3_64(joined.as_bytes())
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
    static DATE_TIME: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[t ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:z|[+-]\d{2}:?\d{2})?)?|\d{1,2}:\d{2}(?::\d{2})?|\d{4}年|\d{1,2}月\d{1,2}[日号]?|\d{1,2}[日号时点]",
        )
        .expect("static regex")
    });
    static NUM: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)(\d+(?:[.,]\d+)*)\s*(%|percent|per cent|trillion|billion|bn|million|mn|thousand|万亿|亿|万|千)?",
        )
        .expect("static regex")
    });
    let norm = normalize(text);
    let norm = DATE_TIME.replace_all(&norm, " ");
    let mut out = Vec::new();
    for c in NUM.captures_iter(&norm) {
        let digits = c[1].replace(',', "");
        let Ok(value) = digits.parse::<f64>() else {
            continue;
        };
        let unit = c.get(2).map(|m| m.as_str().to_lowercase());
        let token = match unit.as_deref() {
            Some("%" | "percent" | "per cent") => format!("q:{}%", trim_float(value)),
            Some(u) => {
                let scale = match u {
                    "trillion" | "万亿" => 1e12,
                    "billion" | "bn" => 1e9,
                    "亿" => 1e8,
                    "million" | "mn" => 1e6,
                    "万" => 1e4,
                    "thousand" | "千" => 1e3,
                    _ => 1.0,
                };
                format!("q:{:e}", value * scale)
            }
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
