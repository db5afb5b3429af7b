//! Understanding: from a window's articles to ranked stories.
//!
//! [`mute`] applies the beat's mute rules. [`roundups`] splits items whose headline lists
//! several stories. [`dedup`] folds
//! near-duplicate copies (syndication, light rewrites) into one article with
//! "also carried by" links. [`entities`] finds watched entities and beat topics through their
//! aliases in every script. [`cluster`] groups articles that report the same event, across
//! sources, languages and days. [`rank`] scores each story as a sum of named terms.
//! [`build_stories`] runs them in that order. Everything here is synchronous and deterministic.

pub mod cluster;
pub mod dedup;
pub mod entities;
pub mod lexicon;
pub mod mute;
pub mod rank;
pub mod roundups;
pub mod stream;

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use chrono::{DateTime, Utc};

use crate::model::{Article, ArticleRef, Edition, Story, Window};

/// Most articles a window may hold for exact average-link clustering (quadratic in time and
/// memory); larger windows go through the stream clusterer, which is linear.
pub const BATCH_LIMIT: usize = 8000;

/// Share of a story's reports that must name a watched entity or a beat topic for the story
/// to be about it: what the ranking weighs, the caps count and the edition shows.
pub const ABOUT_SHARE: f64 = 0.25;

/// Story labels for a window's docs: average-link up to `limit` docs, the stream clusterer
/// beyond.
fn cluster_window(docs: &[cluster::Doc], limit: usize) -> Vec<usize> {
    if docs.len() <= limit {
        cluster::cluster(docs, &cluster::ClusterOptions::default())
    } else {
        stream::StreamClusterer::new(stream::StreamOptions::default()).labels(docs)
    }
}

/// A story as one doc: its lead headline, then its other headlines and the lead of its
/// first report with text.
fn story_doc(story: &Story, watchlist: &entities::Matcher) -> cluster::Doc {
    let title = story.articles.first().map_or("", |a| a.title.as_str());
    let mut text: String = story
        .articles
        .iter()
        .skip(1)
        .take(8)
        .map(|a| a.title.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    if let Some(a) = story.articles.iter().find(|a| !a.body().trim().is_empty()) {
        text.push('\n');
        text.extend(a.body().chars().take(1000));
    }
    cluster::Doc::new(title, &text, None, watchlist)
}

/// Groups a window's articles into ranked stories, best first; `earlier` are the editions
/// published before (with their publication times), for novelty.
pub fn build_stories(
    articles: Vec<Article>,
    config: &Config,
    window: Window,
    earlier: &[(DateTime<Utc>, Edition)],
) -> Vec<Story> {
    let watchlist = entities::Matcher::watchlist(&config.entities);
    let topics = entities::Matcher::topics(&config.topics);

    // 0. Muted sources' items are ignored; roundup items ("8点1氪｜A；B；C") become one
    //    article per story they list.
    let mute = mute::Mute::new(config);
    let articles: Vec<Article> = articles
        .into_iter()
        .filter(|a| !mute.source_muted(&a.source))
        .flat_map(roundups::split)
        .collect();

    // 1. Near-duplicates: keep one representative per group.
    let groups = dedup::groups(&articles, dedup::DedupOptions::default());
    let mut reps: Vec<(Article, Vec<ArticleRef>)> = Vec::new();
    for g in groups {
        let mut members: Vec<&Article> = g.iter().map(|&i| &articles[i]).collect();
        // The representative is the earliest (the original), then the longest text.
        members.sort_by(|a, b| {
            a.published
                .cmp(&b.published)
                .then(b.text.len().cmp(&a.text.len()))
                .then(a.id.cmp(&b.id))
        });
        let rep = members[0].clone();
        let copies = members[1..].iter().map(|a| ArticleRef::from(*a)).collect();
        reps.push((rep, copies));
    }

    // 2. Each article as the clusterer sees it (watched entities found on the way), and its
    //    beat topics.
    let docs: Vec<cluster::Doc> = reps
        .iter()
        .map(|(a, _)| cluster::Doc::new(&a.title, a.body(), a.published, &watchlist))
        .collect();
    let tagged: Vec<(BTreeSet<usize>, BTreeSet<usize>)> = reps
        .iter()
        .zip(&docs)
        .map(|((a, _), d)| {
            let text = format!("{}\n{}", a.title, a.body());
            (d.entities.iter().copied().collect(), topics.find(&text))
        })
        .collect();

    // 3. Clustering.
    let labels = cluster_window(&docs, BATCH_LIMIT);

    // 4. Assemble stories.
    let n_clusters = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut stories: Vec<Story> = (0..n_clusters).map(|_| Story::default()).collect();
    let mut story_entities: Vec<BTreeMap<usize, usize>> = vec![BTreeMap::new(); n_clusters];
    let mut story_topics: Vec<BTreeMap<usize, usize>> = vec![BTreeMap::new(); n_clusters];
    for (i, (article, copies)) in reps.into_iter().enumerate() {
        let s = labels[i];
        stories[s].articles.push(article);
        stories[s].also_carried_by.extend(copies);
        for &e in &tagged[i].0 {
            *story_entities[s].entry(e).or_insert(0) += 1;
        }
        for &t in &tagged[i].1 {
            *story_topics[s].entry(t).or_insert(0) += 1;
        }
    }
    for (i, story) in stories.iter_mut().enumerate() {
        story
            .articles
            .sort_by(|a, b| a.published.cmp(&b.published).then(a.id.cmp(&b.id)));
        // What a story is about is what a fair share of its reports name: one passing mention
        // in a large story does not make it a story about that company or topic.
        let reports = story.articles.len();
        let about = |count: usize| count as f64 >= ABOUT_SHARE * reports as f64;
        story.entities = story_entities[i]
            .iter()
            .filter(|&(_, &n)| about(n))
            .map(|(&e, _)| watchlist.name(e).to_string())
            .collect();
        story.topics = story_topics[i]
            .iter()
            .filter(|&(_, &n)| about(n))
            .map(|(&t, _)| topics.name(t).to_string())
            .collect();
    }

    // 5. Muted words and entities keep stories out.
    stories.retain(|story| match mute.story_muted(story) {
        Some(reason) => {
            tracing::info!(
                "muted story {:?}: most of its articles name {reason:?}",
                story
                    .articles
                    .first()
                    .map(|a| a.title.as_str())
                    .unwrap_or("")
            );
            false
        }
        None => true,
    });

    // 6. Ranking, with novelty against earlier published editions.
    let ranker = rank::Ranker::new(config, window).with_earlier(earlier, &watchlist);
    for story in &mut stories {
        let ents: Vec<usize> = watchlist.indices_of(&story.entities);
        let told = if earlier.is_empty() {
            None
        } else {
            ranker.repeats(story, &story_doc(story, &watchlist))
        };
        if let Some(headline) = told {
            tracing::debug!("already told as {headline:?}");
        }
        story.score = ranker.score(story, &ents, told.is_some());
    }
    stories.sort_by(|a, b| {
        b.score
            .total
            .total_cmp(&a.score.total)
            .then(b.articles.len().cmp(&a.articles.len()))
            .then(a.articles[0].link.cmp(&b.articles[0].link))
    });
    stories
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn article(source: &str, link: &str, title: &str, text: &str) -> Article {
        Article {
            source: source.into(),
            link: link.into(),
            title: title.into(),
            text: text.into(),
            published: Some(Utc.with_ymd_and_hms(2025, 11, 18, 1, 0, 0).unwrap()),
            ..Default::default()
        }
    }

    /// The china-digital example beat as shipped, and the week of 17 November 2025.
    fn example_week() -> (Config, Window) {
        let config = Config::parse(
            crate::config::example("china-digital").unwrap(),
            std::path::PathBuf::from("."),
        )
        .unwrap();
        let window = Window {
            from: Utc.with_ymd_and_hms(2025, 11, 17, 0, 0, 0).unwrap(),
            to: Utc.with_ymd_and_hms(2025, 11, 24, 0, 0, 0).unwrap(),
        };
        (config, window)
    }

    #[test]
    fn windows_past_the_batch_limit_cluster_as_a_stream() {
        let watchlist = entities::Matcher::new(vec![
            ("JD.com".into(), 1.0, vec!["JD".into(), "京东".into()]),
            ("Alibaba".into(), 1.0, vec!["阿里巴巴".into()]),
        ]);
        let day = |d: i64| {
            Some(Utc.with_ymd_and_hms(2025, 11, 17, 8, 0, 0).unwrap() + chrono::Duration::days(d))
        };
        let docs: Vec<cluster::Doc> = [
            (
                "JD.com soft-opens its first JD Mall in Beijing",
                "The 50,000 square metre JD Mall opened in Beijing's Chaoyang district.",
                0,
            ),
            (
                "Alibaba Cloud opens Mexico data centre",
                "Alibaba Cloud opened its first data centre in Mexico, investing 3 billion yuan.",
                0,
            ),
            (
                "京东MALL北京首店试营业",
                "京东MALL北京首店在朝阳区试营业，面积5万平方米。",
                1,
            ),
            (
                "JD Mall Beijing store opens its doors",
                "JD.com's first JD Mall, 50,000 square metres, soft-opened in Beijing.",
                1,
            ),
            (
                "Alibaba pledges subsidies for Taobao instant commerce",
                "Alibaba will spend 50 billion yuan on instant commerce subsidies.",
                2,
            ),
        ]
        .iter()
        .map(|(t, x, d)| cluster::Doc::new(t, x, day(*d), &watchlist))
        .collect();
        for limit in [0, BATCH_LIMIT] {
            let l = cluster_window(&docs, limit);
            assert_eq!((l[0], l[0]), (l[2], l[3]), "limit {limit}: {l:?}");
            assert_ne!(l[1], l[4], "limit {limit}: {l:?}");
            assert_ne!(l[0], l[1], "limit {limit}: {l:?}");
        }
    }

    #[test]
    fn each_story_of_a_roundup_joins_its_own_coverage() {
        let (config, window) = example_week();
        let articles = vec![
            article(
                "36Kr",
                "https://36kr.com/p/1",
                "8点1氪｜京东MALL北京首店试营业；拼多多三季度营收同比增长9%",
                "京东MALL北京首店今日在朝阳区试营业，面积5万平方米。\n\n\
                 拼多多三季度营收同比增长9%，低于市场预期。",
            ),
            article(
                "Pandaily",
                "https://pandaily.com/jd-mall",
                "JD.com soft-opens its first JD Mall in Beijing",
                "The 50,000 square metre JD Mall opened in Beijing's Chaoyang district.",
            ),
            article(
                "TechNode",
                "https://technode.com/pdd-q3",
                "PDD Holdings third-quarter revenue grows 9%, missing estimates",
                "Pinduoduo's parent PDD reported revenue up 9% year on year in the third quarter.",
            ),
        ];
        let stories = build_stories(articles, &config, window, &[]);
        let story_of = |link: &str, title_part: &str| {
            stories
                .iter()
                .position(|s| {
                    s.articles
                        .iter()
                        .any(|a| a.link == link && a.title.contains(title_part))
                })
                .unwrap_or_else(|| panic!("no story holds {link} {title_part}"))
        };
        let jd = story_of("https://pandaily.com/jd-mall", "JD Mall");
        let pdd = story_of("https://technode.com/pdd-q3", "PDD");
        assert_ne!(jd, pdd);
        assert_eq!(story_of("https://36kr.com/p/1", "京东MALL"), jd);
        assert_eq!(story_of("https://36kr.com/p/1", "拼多多"), pdd);
    }

    #[test]
    fn a_passing_mention_does_not_make_a_story_about_a_company() {
        let (config, window) = example_week();
        // Eight outlets on a typhoon; one of them adds that JD.com's deliveries are late.
        let mut articles: Vec<Article> = (0..7)
            .map(|k| {
                article(
                    &format!("Outlet {k}"),
                    &format!("https://o{k}.example/typhoon"),
                    "Typhoon Fung-wong makes landfall in Guangdong, flights cancelled",
                    "",
                )
            })
            .collect();
        articles.push(article(
            "Outlet 7",
            "https://o7.example/typhoon",
            "Typhoon Fung-wong makes landfall in Guangdong, flights cancelled, JD.com deliveries late",
            "",
        ));
        let stories = build_stories(articles, &config, window, &[]);
        assert_eq!(stories.len(), 1, "{stories:#?}");
        let typhoon = &stories[0];
        assert!(typhoon.entities.is_empty(), "{:?}", typhoon.entities);
        assert!(typhoon.score.terms["off_beat"] < 0.0, "{:?}", typhoon.score);
        // Named by a fair share of the reports, the company is what the story is about.
        let mut articles: Vec<Article> = (0..3)
            .map(|k| {
                article(
                    &format!("Outlet {k}"),
                    &format!("https://o{k}.example/jd"),
                    "JD.com soft-opens its first JD Mall in Beijing",
                    "",
                )
            })
            .collect();
        articles.push(article(
            "Outlet 3",
            "https://o3.example/jd",
            "Its first mall soft-opens in Beijing",
            "",
        ));
        let stories = build_stories(articles, &config, window, &[]);
        assert_eq!(stories[0].entities, vec!["JD.com".to_string()]);
    }
}
