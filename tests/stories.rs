//! Stories as coverage arrives over days: each day's items are imported into the store and
//! the window's stories listed again, as the pipeline does after every fetch round.

mod common;

use common::*;

/// The window's stories as `roundup stories --format jsonl` lists them, best first.
fn list(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let out = stdout_ok(&roundup(
        dir,
        &[
            "stories",
            "--from",
            "2025-11-17",
            "--to",
            "2025-11-23",
            "--format",
            "jsonl",
        ],
    ));
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Imports `items` (JSON Lines) and returns the window's stories, each as its sorted links.
fn import_and_list(dir: &std::path::Path, day: usize, items: &str) -> Vec<Vec<String>> {
    let name = format!("day{day}.jsonl");
    write(dir, &name, items);
    stdout_ok(&roundup(dir, &["import", &name]));
    let mut stories: Vec<Vec<String>> = list(dir)
        .iter()
        .map(|v| {
            let mut links: Vec<String> = v["articles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            links.sort();
            links
        })
        .collect();
    stories.sort();
    stories
}

/// One JSON Lines item; an empty `text` makes a headline-only item.
fn item(id: &str, source: &str, published: &str, title: &str, text: &str) -> String {
    let mut v = serde_json::json!({
        "id": id, "source": source, "link": format!("https://{source}.example/{id}"),
        "published": published, "title": title,
    });
    if !text.is_empty() {
        v["text"] = text.into();
    }
    v.to_string() + "\n"
}

fn story_of<'a>(stories: &'a [Vec<String>], link: &str) -> &'a Vec<String> {
    stories
        .iter()
        .find(|s| s.iter().any(|l| l == link))
        .unwrap_or_else(|| panic!("no story has {link}: {stories:?}"))
}

#[test]
fn stories_grow_over_days_take_late_reports_and_merge() {
    let dir = tempfile::tempdir().unwrap();
    stdout_ok(&roundup(
        dir.path(),
        &["init", "--example", "china-digital"],
    ));
    let jd1 = "https://wire.example/jd1";
    let temu1 = "https://wire.example/temu1";

    // Day 1: two unrelated stories.
    let day1 = item(
        "jd1",
        "wire",
        "2025-11-17T09:00:00+08:00",
        "JD.com soft-opens its first JD Mall in Beijing",
        "JD.com soft-opened its first JD Mall in Beijing's Chaoyang district on Monday, a 50,000 square metre store for appliances and furniture.",
    ) + &item(
        "temu1",
        "wire",
        "2025-11-17T11:00:00+08:00",
        "Temu fined 4 million euros by Dutch regulator",
        "The Dutch consumer authority ACM fined Temu 4 million euros over fake discounts and countdown timers.",
    );
    let s = import_and_list(dir.path(), 1, &day1);
    assert_eq!(s.len(), 2, "{s:?}");

    // Day 2: coverage continues, in Chinese too; a new story starts.
    let day2 = item(
        "jd2",
        "36kr",
        "2025-11-18T10:00:00+08:00",
        "京东MALL北京首店试营业",
        "京东MALL北京首店在朝阳区试营业，面积5万平方米，主打家电家居。",
    ) + &item(
        "shein1",
        "wire",
        "2025-11-18T12:00:00+08:00",
        "Shein opens its first permanent store in Paris",
        "Shein opened a permanent store in the BHV Marais department store in Paris, drawing queues and protests.",
    );
    let s = import_and_list(dir.path(), 2, &day2);
    assert_eq!(story_of(&s, jd1).len(), 2, "the JD Mall story grows: {s:?}");
    assert_eq!(s.len(), 3, "{s:?}");

    // Day 3: a report published on day 1 arrives late; it joins its story, not the newest.
    let day3 = item(
        "temu2",
        "latewire",
        "2025-11-17T20:00:00+08:00",
        "Temu to appeal Dutch fine over fake discounts",
        "Temu said it would appeal the 4 million euro fine from the Dutch ACM over fake discounts.",
    ) + &item(
        "shein2",
        "wire",
        "2025-11-19T09:00:00+08:00",
        "Shein Paris store draws crowds on opening weekend",
        "Crowds queued at the new Shein store in Paris's BHV Marais while protesters gathered outside.",
    );
    let s = import_and_list(dir.path(), 3, &day3);
    assert_eq!(story_of(&s, temu1).len(), 2, "{s:?}");
    assert!(story_of(&s, temu1).contains(&"https://latewire.example/temu2".to_string()));
    assert_eq!(
        story_of(&s, "https://wire.example/shein1").len(),
        2,
        "{s:?}"
    );
    assert_eq!(s.len(), 3, "{s:?}");

    // Day 4: two headlines that share too little to be told one story...
    let day4 = item(
        "pdd1",
        "a",
        "2025-11-20T09:00:00+08:00",
        "Pinduoduo quarterly revenue rises 9 per cent",
        "",
    ) + &item(
        "pdd2",
        "b",
        "2025-11-20T10:00:00+08:00",
        "Temu owner misses analyst estimates as growth slows",
        "",
    );
    let s = import_and_list(dir.path(), 4, &day4);
    assert_eq!(s.len(), 5, "{s:?}");
    // ...until a full report shows they are: the two stories become one.
    let day5 = item(
        "pdd3",
        "c",
        "2025-11-20T12:00:00+08:00",
        "Temu owner Pinduoduo misses estimates as quarterly revenue rises 9 per cent",
        "PDD Holdings, which owns Pinduoduo and Temu, said quarterly revenue rose 9 per cent, missing analyst estimates as growth slows.",
    );
    let s = import_and_list(dir.path(), 5, &day5);
    assert_eq!(s.len(), 4, "{s:?}");
    assert_eq!(story_of(&s, "https://a.example/pdd1").len(), 3, "{s:?}");
    assert!(story_of(&s, "https://a.example/pdd1").contains(&"https://b.example/pdd2".to_string()));
}

#[test]
fn muted_sources_words_and_entities_stay_out() {
    let dir = tempfile::tempdir().unwrap();
    stdout_ok(&roundup(
        dir.path(),
        &["init", "--example", "china-digital"],
    ));
    let config = std::fs::read_to_string(dir.path().join("roundup.toml")).unwrap();
    write(
        dir.path(),
        "roundup.toml",
        &config
            .replacen("sources = []", "sources = [\"Gossip Daily\"]", 1)
            .replacen("entities = []", "entities = [\"Temu\"]", 1),
    );
    let items = item(
        "jd1",
        "wire",
        "2025-11-17T09:00:00+08:00",
        "JD.com soft-opens its first JD Mall in Beijing",
        "JD.com soft-opened its first JD Mall in Beijing's Chaoyang district on Monday.",
    ) + &item(
        "g1",
        "Gossip Daily",
        "2025-11-17T10:00:00+08:00",
        "Meituan founder seen at a Beijing restaurant",
        "",
    ) + &item(
        "l1",
        "wire",
        "2025-11-18T10:00:00+08:00",
        "Alibaba lottery app draws record sales",
        "",
    ) + &item(
        "t1",
        "wire",
        "2025-11-18T11:00:00+08:00",
        "Temu fined 4 million euros by Dutch regulator",
        "The Dutch consumer authority ACM fined Temu 4 million euros over fake discounts.",
    );
    let s = import_and_list(dir.path(), 1, &items);
    assert_eq!(
        s,
        vec![vec!["https://wire.example/jd1".to_string()]],
        "{s:?}"
    );
}

/// The novelty term of the story holding `link`, from `roundup stories`.
fn novelty_of(dir: &std::path::Path, link: &str) -> f64 {
    let stories = list(dir);
    stories
        .iter()
        .find(|v| v["articles"].as_array().unwrap().iter().any(|a| a == link))
        .map(|v| v["score"]["terms"]["novelty"].as_f64().unwrap())
        .unwrap_or_else(|| panic!("no story has {link}: {stories:?}"))
}

#[test]
fn a_story_an_earlier_edition_told_is_not_picked_again_unless_it_moved_on() {
    let dir = tempfile::tempdir().unwrap();
    stdout_ok(&roundup(
        dir.path(),
        &["init", "--example", "china-digital"],
    ));
    let jd = "https://wire.example/jd1";
    let temu = "https://wire.example/temu1";
    let day1 = item(
        "jd1",
        "wire",
        "2025-11-17T09:00:00+08:00",
        "JD.com soft-opens its first JD Mall in Beijing",
        "JD.com soft-opened its first JD Mall in Beijing's Chaoyang district, a 50,000 square metre store.",
    ) + &item(
        "jd2",
        "36kr",
        "2025-11-17T10:00:00+08:00",
        "京东MALL北京首店试营业",
        "",
    ) + &item(
        "temu1",
        "wire",
        "2025-11-17T11:00:00+08:00",
        "Temu fined 4 million euros by Dutch regulator",
        "The Dutch consumer authority ACM fined Temu 4 million euros over fake discounts.",
    );
    import_and_list(dir.path(), 1, &day1);
    assert_eq!(novelty_of(dir.path(), jd), 0.0);

    // An edition published on 18 November, before Roundup, told the JD Mall story.
    write(
        dir.path(),
        "weekly.md",
        "# China Digital Digest Weekly\n\n## 1. JD.com opens its first JD Mall in Beijing\n\nThe 50,000 square metre store opened in Chaoyang.\n",
    );
    let no_date = roundup(dir.path(), &["edition", "import", "weekly.md"]);
    assert!(!no_date.status.success());
    assert!(String::from_utf8_lossy(&no_date.stderr).contains("--date YYYY-MM-DD"));
    let out = stdout_ok(&roundup(
        dir.path(),
        &["edition", "import", "weekly.md", "--date", "2025-11-18"],
    ));
    assert!(out.contains("(1 story), published 2025-11-18"), "{out}");
    assert_eq!(novelty_of(dir.path(), jd), -3.0, "already told");
    assert_eq!(novelty_of(dir.path(), temu), 0.0, "never told");

    // New coverage after the edition: the story moved on and counts as news again.
    let day3 = item(
        "jd3",
        "wire",
        "2025-11-20T09:00:00+08:00",
        "JD Mall Beijing draws 100,000 visitors in its first weekend",
        "JD.com said its first JD Mall in Beijing drew 100,000 visitors over the weekend.",
    ) + &item(
        "jd4",
        "pandaily",
        "2025-11-20T12:00:00+08:00",
        "JD Mall in Beijing: 100,000 visitors in first weekend",
        "The new JD Mall in Beijing's Chaoyang district drew 100,000 visitors, JD.com said.",
    );
    let s = import_and_list(dir.path(), 3, &day3);
    assert_eq!(story_of(&s, jd).len(), 4, "{s:?}");
    assert_eq!(novelty_of(dir.path(), jd), 0.0, "moved on");
}
