//! A realistic week on the china-digital beat (`fixtures/week.jsonl`, made by
//! `fixtures/make_week.py`): 304 items from 13 outlets in Chinese and English, most of them
//! bare headlines, twelve on-beat events, three multi-story roundup headlines, a loud typhoon
//! covered by ten outlets and about 240 off-beat distractors. Drafted with the example beat
//! as shipped.
//!
//! What an editor would expect, written down before the ranking was first run: the twelve
//! stories of the edition are the twelve events (at least ten of them, each once), nothing
//! off the beat, and not the typhoon.
//!
//! The first run met all of it but "each once": the de minimis story came out twice (the
//! English "End of de minimis hits Temu and Shein sellers" apart from "US ends de minimis
//! exemption for parcels from China"), which left the luxury price rises out. Since the
//! clusterer links stories across languages group to group, and the lexicon makes "涨价" and
//! "上调价格" one term, every event comes out once and all twelve are in: the test holds
//! that line.

mod common;

use std::collections::{BTreeSet, HashMap};

use common::*;

const EVENTS: [&str; 12] = [
    "jd-mall",
    "temu-acm",
    "taobao-subsidy",
    "keeta-brazil",
    "rednote-app",
    "shein-paris",
    "double11",
    "pdd-q3",
    "de-minimis",
    "luxury-prices",
    "douyin-samr",
    "eleme-rename",
];

#[test]
fn the_editions_twelve_are_the_weeks_twelve_events() {
    let dir = tempfile::tempdir().unwrap();
    stdout_ok(&roundup(
        dir.path(),
        &["init", "--example", "china-digital"],
    ));
    let week = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/week.jsonl"),
    )
    .unwrap();
    write(dir.path(), "week.jsonl", &week);
    let imported = stdout_ok(&roundup(dir.path(), &["import", "week.jsonl"]));
    assert!(imported.contains("imported 304 new"), "{imported}");
    let event_of: HashMap<String, String> = week
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|v| {
            Some((
                v["link"].as_str()?.to_string(),
                v["event"].as_str()?.to_string(),
            ))
        })
        .collect();

    let json = stdout_ok(&common::draft_week_json(dir.path(), 12));
    let edition: serde_json::Value = serde_json::from_str(&json).unwrap();
    let stories = edition["stories"].as_array().unwrap();
    assert_eq!(stories.len(), 12);
    // Each story is the event most of its articles report, or off the beat.
    let picked: Vec<Option<String>> = stories
        .iter()
        .map(|s| {
            let links: Vec<&str> = s["articles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["link"].as_str().unwrap())
                .collect();
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for l in &links {
                if let Some(e) = event_of.get(*l) {
                    *counts.entry(e.as_str()).or_insert(0) += 1;
                }
            }
            counts
                .into_iter()
                .max_by_key(|&(e, n)| (n, std::cmp::Reverse(e)))
                .filter(|&(_, n)| 2 * n >= links.len())
                .map(|(e, _)| e.to_string())
        })
        .collect();
    let summary: Vec<String> = stories
        .iter()
        .zip(&picked)
        .map(|(s, e)| format!("{:?} {}", e, s["headline"].as_str().unwrap()))
        .collect();
    assert!(
        !picked.iter().any(|e| e.as_deref() == Some("typhoon")),
        "the loud typhoon is off the beat: {summary:#?}"
    );
    assert!(
        picked.iter().all(Option::is_some),
        "nothing off the beat: {summary:#?}"
    );
    let distinct: BTreeSet<&str> = picked.iter().flatten().map(String::as_str).collect();
    assert_eq!(distinct.len(), 12, "each event once: {summary:#?}");
    let found = EVENTS.iter().filter(|e| distinct.contains(*e)).count();
    assert_eq!(found, 12, "{found} of 12 events: {summary:#?}");
}
