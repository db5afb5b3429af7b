//! `roundup demo`, and a draft of the sample beat in which each multi-outlet story comes out
//! as one story (checked against the sample data's own labels, which the pipeline never sees).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::*;
use roundup::demo::Beat;

#[test]
fn demo_writes_an_edition_and_keeps_each_story_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = roundup(dir.path(), &["demo"]);
    let stdout = stdout_ok(&out);
    let demo = dir.path().join("roundup-demo");
    let md = std::fs::read_to_string(demo.join("edition.md")).unwrap();
    let html = std::fs::read_to_string(demo.join("edition.html")).unwrap();
    assert!(demo.join("roundup.db").exists());
    assert!(stdout.contains("roundup-demo/edition.md"), "{stdout}");
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(headings.len(), 12, "{md}");
    for (i, h) in headings.iter().enumerate() {
        assert!(h.starts_with(&format!("## {}. ", i + 1)), "{h}");
    }
    assert!(html.contains("<article id=\"story-1\">"));

    // Ground truth: which outlet/slug belongs to which event.
    let beat = Beat::sample();
    let label: HashMap<String, String> = beat
        .articles
        .iter()
        .map(|a| (format!("/{}/{}.html", a.outlet, a.slug), a.story.clone()))
        .collect();
    let mut outlets_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for a in &beat.articles {
        outlets_of.entry(&a.story).or_default().insert(&a.outlet);
    }
    let multi: Vec<&str> = outlets_of
        .iter()
        .filter(|(_, o)| o.len() >= 3)
        .map(|(s, _)| *s)
        .collect();
    assert!(multi.len() >= 6, "{multi:?}");

    let json = stdout_ok(&roundup(
        dir.path(),
        &[
            "--config",
            "roundup-demo/roundup.toml",
            "draft",
            "--from",
            "2025-11-17",
            "--to",
            "2025-11-23",
            "--format",
            "json",
        ],
    ));
    let edition: serde_json::Value = serde_json::from_str(&json).unwrap();
    let items: Vec<&serde_json::Value> = edition["stories"]
        .as_array()
        .unwrap()
        .iter()
        .chain(edition["bench"].as_array().unwrap())
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let links = item["articles"]
            .as_array()
            .unwrap()
            .iter()
            .chain(item["also_carried_by"].as_array().unwrap());
        let mut labels = BTreeSet::new();
        for a in links {
            let link = a["link"].as_str().unwrap();
            let path = url::Url::parse(link).unwrap().path().to_string();
            let l = label
                .get(&path)
                .unwrap_or_else(|| panic!("unknown link {link}"));
            labels.insert(l.clone());
            seen.insert(path, i);
        }
        assert_eq!(
            labels.len(),
            1,
            "story {} mixes events: {labels:?}",
            item["headline"]
        );
    }
    assert_eq!(
        seen.len(),
        beat.articles.len(),
        "every sample article is in the draft"
    );
    for story in multi {
        let places: BTreeSet<usize> = beat
            .articles
            .iter()
            .filter(|a| a.story == story)
            .map(|a| seen[&format!("/{}/{}.html", a.outlet, a.slug)])
            .collect();
        assert_eq!(places.len(), 1, "{story} is split over {places:?}");
    }

    // The syndicated copy is shown as "also carried by".
    let jd = items
        .iter()
        .find(|i| i["headline"].as_str().unwrap().contains("JD Mall"))
        .unwrap();
    let also: Vec<&str> = jd["also_carried_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["source"].as_str().unwrap())
        .collect();
    assert_eq!(also, vec!["Asia Wire Service"]);

    // Off-beat distractors rank below every story on the beat.
    let scores: Vec<(String, f64)> = items
        .iter()
        .map(|i| {
            (
                i["headline"].as_str().unwrap().to_string(),
                i["score"]["total"].as_f64().unwrap(),
            )
        })
        .collect();
    let marathon = scores
        .iter()
        .find(|(h, _)| h.contains("marathon"))
        .unwrap()
        .1;
    let keeta = scores.iter().find(|(h, _)| h.contains("Keeta")).unwrap().1;
    assert!(keeta > marathon + 2.0, "{scores:?}");

    // A second run resets the folder and gives the same edition.
    let again = roundup(dir.path(), &["demo"]);
    stdout_ok(&again);
    let md2 = std::fs::read_to_string(demo.join("edition.md")).unwrap();
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("http://127.0.0.1"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&md), strip(&md2));
}
