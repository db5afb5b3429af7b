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
//!
//! A second week (`fixtures/week2.jsonl`, made by `fixtures/make_week2.py`; 8–14 December 2025)
//! was written after the first passed, to check that the method carries over to news it was
//! not built on: eight new events (one in Chinese only), seven minor on-beat items from one
//! outlet each, a phone launch on the beat from four outlets, a loud cold wave off it, and
//! about 200 distractors. Written down before its first run: the edition's eight stories are
//! the eight events, each once. Nothing was changed after that run; it met the expectation.

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

/// What `roundup draft` picks from a fixture week, drafted with the example beat as shipped:
/// for each story, the event most of its articles report (none when no event has half), and
/// the headlines, for messages.
fn picks(fixture: &str, from: &str, to: &str, size: usize) -> (Vec<Option<String>>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    stdout_ok(&roundup(
        dir.path(),
        &["init", "--example", "china-digital"],
    ));
    let week = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture),
    )
    .unwrap();
    write(dir.path(), fixture, &week);
    let imported = stdout_ok(&roundup(dir.path(), &["import", fixture]));
    let lines = week.lines().count();
    assert!(
        imported.contains(&format!("imported {lines} new")),
        "{imported}"
    );
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
    let size_arg = size.to_string();
    let json = stdout_ok(&roundup(
        dir.path(),
        &[
            "draft", "--from", from, "--to", to, "--size", &size_arg, "--format", "json",
        ],
    ));
    let edition: serde_json::Value = serde_json::from_str(&json).unwrap();
    let stories = edition["stories"].as_array().unwrap();
    assert_eq!(stories.len(), size);
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
    (picked, summary)
}

#[test]
fn the_editions_twelve_are_the_weeks_twelve_events() {
    let (picked, summary) = picks("week.jsonl", "2025-11-17", "2025-11-23", 12);
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

/// The second week's eight events (see the header).
const EVENTS2: [&str; 8] = [
    "jd-free-late",
    "temu-raid",
    "ali-rednote",
    "popmart-q3",
    "starbucks-stake",
    "cac-weibo",
    "us-tariff-cut",
    "gucci-close",
];

#[test]
fn a_second_week_the_method_was_not_built_on() {
    let (picked, summary) = picks("week2.jsonl", "2025-12-08", "2025-12-14", 8);
    let distinct: BTreeSet<&str> = picked.iter().flatten().map(String::as_str).collect();
    let found = EVENTS2.iter().filter(|e| distinct.contains(*e)).count();
    assert_eq!(found, 8, "{found} of 8 events: {summary:#?}");
    assert_eq!(distinct.len(), 8, "each event once: {summary:#?}");
}
