//! Multi-story roundup items: one feed item whose headline lists several stories, such as
//! "8点1氪｜小红书上线…；京东…；拼多多…" or "Morning brief: A; B; C".
//!
//! Such an item is split into one article per listed story before clustering, so that each
//! story can join the coverage it belongs to. Each part keeps the item's link, source and
//! time; the body paragraphs that talk about a part (by shared content words) become its
//! text, and a part that no paragraph matches stays headline-only.

use std::collections::HashSet;

use crate::model::Article;
use crate::text::tokens::content_words;

/// Column separators between a roundup's name and its list ("8点1氪｜…", "Brief: …").
const COLUMN: &[char] = &['｜', '|', '丨', '：', ':'];
/// Separators between the listed stories.
const LIST: &[char] = &['；', ';'];
/// Longest column name, in characters, that is taken as a roundup's name.
const MAX_COLUMN_CHARS: usize = 24;

/// The stories a headline lists, or `None` when it names one story.
///
/// A headline is a roundup when, after an optional short column name, it holds two or more
/// parts separated by semicolons, each with at least three content words (a headline such
/// as "Alibaba: profits rise; shares fall" is one story told in two clauses).
pub fn headline_parts(title: &str) -> Option<Vec<String>> {
    let title = title.trim();
    let list = match title.find(COLUMN) {
        Some(at) if title[..at].chars().count() <= MAX_COLUMN_CHARS => {
            let sep = title[at..].chars().next().map_or(1, char::len_utf8);
            &title[at + sep..]
        }
        _ => title,
    };
    let parts: Vec<String> = list
        .split(LIST)
        .map(|p| p.trim().trim_end_matches(['。', '.']).trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    let substantial = parts.iter().all(|p| content_words(p).len() >= 3);
    (parts.len() >= 2 && substantial).then_some(parts)
}

/// The article as the stories it reports: several articles for a roundup, else itself.
pub fn split(article: Article) -> Vec<Article> {
    let Some(parts) = headline_parts(&article.title) else {
        return vec![article];
    };
    let words: Vec<HashSet<String>> = parts
        .iter()
        .map(|p| content_words(p).into_iter().collect())
        .collect();
    let mut bodies: Vec<Vec<&str>> = vec![Vec::new(); parts.len()];
    // A paragraph goes to the part it shares most words with; a paragraph that shares none
    // continues the part before it (a roundup gives each story a lead line, then details).
    let mut current: Option<usize> = None;
    for para in article
        .body()
        .split('\n')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let pw: HashSet<String> = content_words(para).into_iter().collect();
        let best = words
            .iter()
            .enumerate()
            .map(|(k, w)| (w.intersection(&pw).count(), k))
            .filter(|&(shared, _)| shared >= 2)
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        if let Some((_, k)) = best {
            current = Some(k);
        }
        if let Some(k) = current {
            bodies[k].push(para);
        }
    }
    parts
        .into_iter()
        .zip(bodies)
        .map(|(title, body)| Article {
            title,
            text: body.join("\n\n"),
            summary: None,
            ..article.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundup_headlines_are_recognised() {
        let parts = headline_parts(
            "8点1氪｜小红书上线独立电商App；京东MALL北京首店试营业；拼多多三季度营收增长",
        )
        .unwrap();
        assert_eq!(
            parts,
            vec![
                "小红书上线独立电商App",
                "京东MALL北京首店试营业",
                "拼多多三季度营收增长"
            ]
        );
        assert_eq!(
            headline_parts("Morning brief: Temu fined in Korea; Shein opens Paris store")
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn single_story_headlines_stay_whole() {
        for title in [
            "JD.com soft-opens its first JD Mall in Beijing",
            "Alibaba: profits rise; shares fall",
            "京东MALL北京首店试营业 | 36氪",
            "Analysis: why Temu is winning",
            "",
        ] {
            assert!(headline_parts(title).is_none(), "{title}");
        }
    }

    #[test]
    fn body_paragraphs_follow_their_story() {
        let article = Article {
            link: "https://36kr.com/p/1".into(),
            title: "8点1氪｜小红书上线独立电商App；京东MALL北京首店试营业".into(),
            text: "早上好，以下是今天的新闻。\n\n小红书上线独立电商App，主打种草转化。\n\n\
                   该应用目前仅支持安卓。\n\n京东MALL北京首店今日试营业。\n\n门店面积5万平方米。"
                .into(),
            ..Default::default()
        };
        let parts = split(article);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].title, "小红书上线独立电商App");
        assert!(parts[0].text.contains("仅支持安卓"), "{}", parts[0].text);
        assert!(!parts[0].text.contains("早上好"));
        assert!(parts[1].text.contains("5万平方米"), "{}", parts[1].text);
        assert!(!parts[1].text.contains("小红书"));
        assert!(parts.iter().all(|p| p.link == "https://36kr.com/p/1"));
    }

    #[test]
    fn a_headline_only_roundup_gives_headline_only_stories() {
        let parts = split(Article {
            title: "Morning brief: Temu fined in Korea; Shein opens Paris store".into(),
            summary: Some("Two stories this morning.".into()),
            ..Default::default()
        });
        assert_eq!(parts.len(), 2);
        assert!(
            parts
                .iter()
                .all(|p| p.text.is_empty() && p.summary.is_none())
        );
    }
}
