//! The offline commands: init and check, import and draft, the filters, and serve.

mod common;

use std::time::Duration;

use common::*;

#[test]
fn init_writes_configs_and_check_names_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_ok(&roundup(dir.path(), &["init"]));
    assert!(out.contains("roundup.toml"));
    assert!(stdout_ok(&roundup(dir.path(), &["check"])).contains("ok"));
    let again = roundup(dir.path(), &["init"]);
    assert!(!again.status.success(), "init must not overwrite");
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    stdout_ok(&roundup(
        dir.path(),
        &["init", "--example", "china-digital", "--force"],
    ));
    let text = std::fs::read_to_string(dir.path().join("roundup.toml")).unwrap();
    for alias in [
        "阿里巴巴",
        "小红书",
        "Xiaohongshu",
        "RedNote",
        "拼多多",
        "希音",
        "饿了么",
        "字节跳动",
    ] {
        assert!(text.contains(alias), "{alias}");
    }
    assert!(
        text.contains("could not be"),
        "the example says its URLs are unchecked"
    );
    let ok = stdout_ok(&roundup(dir.path(), &["check"]));
    assert!(ok.contains("Asia/Shanghai"), "{ok}");

    let bad = text.replacen(
        "timezone = \"Asia/Shanghai\"",
        "timezone = \"Asia/Shanghia\"",
        1,
    );
    let line = bad.lines().position(|l| l.contains("Shanghia")).unwrap() + 1;
    write(dir.path(), "roundup.toml", &bad);
    let out = roundup(dir.path(), &["check"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("roundup.toml:{line}: unknown timezone")),
        "{err}"
    );

    let unknown = roundup(dir.path(), &["init", "--example", "nope", "--force"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("china-digital"));
}

const JSONL: &str = r#"{"id": "a1", "source": "Wire A", "title": "Temu fined 4 million euros by Dutch regulator", "link": "https://a.example/temu?ref=feed&x=1", "published": "2025-11-19T18:00:00+08:00", "text": "The Dutch consumer authority ACM fined Temu 4 million euros over fake discounts and countdown timers. Temu said it would appeal.", "lang": "en"}
{"id": "a2", "source": "Wire B", "title": "Temu to appeal Dutch fine over fake discounts", "link": "https://b.example/2", "published": "2025-11-20T09:00:00Z", "summary": "Temu will appeal the 4 million euro ACM fine over fake discounts."}
not json at all
{"id": "a3", "source": "36氪", "title": "荷兰监管机构对Temu罚款400万欧元", "link": "https://36kr.example/p/3", "published": "2025-11-20T10:00:00+08:00", "lang": "zh"}
{"id": "a4", "source": "Wire A", "title": "City marathon draws 30,000 runners", "link": "https://a.example/marathon", "published": "2025-11-18T08:00:00+08:00"}
"#;

#[test]
fn import_then_draft_as_json_markdown_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    stdout_ok(&roundup(
        dir.path(),
        &["init", "--example", "china-digital"],
    ));
    write(dir.path(), "items.jsonl", JSONL);
    let out = roundup(dir.path(), &["import", "items.jsonl"]);
    let stdout = stdout_ok(&out);
    assert!(
        stdout.contains("imported 4 new, 0 updated, 0 unchanged, 1 bad lines"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("items.jsonl:3: not a JSON object"));
    let again = stdout_ok(&roundup(dir.path(), &["import", "items.jsonl"]));
    assert!(
        again.contains("imported 0 new, 0 updated, 4 unchanged"),
        "{again}"
    );

    let json = stdout_ok(&common::draft_week_json(dir.path(), 1));
    let e: serde_json::Value = serde_json::from_str(&json).unwrap();
    let stories = e["stories"].as_array().unwrap();
    assert_eq!(stories.len(), 1);
    let top = &stories[0];
    assert_eq!(top["rank"], 1);
    assert!(top["headline"].as_str().unwrap().contains("Temu"), "{top}");
    assert!(!top["summary"].as_str().unwrap().is_empty());
    // Every summary sentence names its source article, and together they are the summary.
    let sentences = top["sentences"].as_array().unwrap();
    let n_articles = top["articles"].as_array().unwrap().len();
    assert!(!sentences.is_empty(), "{top}");
    let mut joined = String::new();
    for s in sentences {
        assert!(
            (s["article"].as_u64().unwrap() as usize) < n_articles,
            "{s}"
        );
        joined.push_str(s["text"].as_str().unwrap());
    }
    let squash = |t: &str| t.split_whitespace().collect::<String>();
    assert_eq!(squash(&joined), squash(top["summary"].as_str().unwrap()));
    let entities: Vec<&str> = top["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert!(entities.contains(&"Temu"), "{entities:?}");
    let terms = top["score"]["terms"].as_object().unwrap();
    for t in [
        "coverage", "entities", "topics", "recency", "momentum", "language", "off_beat",
    ] {
        assert!(terms.contains_key(t), "{t}");
    }
    let sum: f64 = terms.values().map(|v| v.as_f64().unwrap()).sum();
    assert!((sum - top["score"]["total"].as_f64().unwrap()).abs() < 0.01);
    // The English and the headline-only Chinese report are one story; links are as imported.
    let links: Vec<&str> = top["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["link"].as_str().unwrap())
        .collect();
    assert!(
        links.contains(&"https://a.example/temu?ref=feed&x=1"),
        "{links:?}"
    );
    assert!(links.contains(&"https://36kr.example/p/3"), "{links:?}");
    assert_eq!(links.len(), 3, "{links:?}");
    let bench = e["bench"].as_array().unwrap();
    assert!(
        bench
            .iter()
            .any(|b| b["headline"].as_str().unwrap().contains("marathon"))
    );

    let md = stdout_ok(&roundup(
        dir.path(),
        &["draft", "--from", "2025-11-17", "--to", "2025-11-23"],
    ));
    assert!(md.contains("## 1. "), "{md}");
    assert!(md.contains("## 2. City marathon"), "{md}");

    // An inverted window is refused with a clear message.
    let bad = roundup(
        dir.path(),
        &["draft", "--from", "2025-11-23", "--to", "2025-11-17"],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is after"));

    // stories lists the window's stories with their outlets.
    let list = stdout_ok(&roundup(
        dir.path(),
        &["stories", "--from", "2025-11-17", "--to", "2025-11-23"],
    ));
    assert!(list.lines().next().unwrap().contains("36氪"), "{list}");

    // serve: the public archive (empty until an edition is published), the desk behind a
    // login (tests/desk.rs signs in), and the sources' health.
    let port = common::free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_roundup"))
        .args(["serve", "--addr", &addr])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&addr, Duration::from_secs(20));
    let (status, page) = http_get(&addr, "/").unwrap();
    let (login_status, login) = http_get(&addr, "/login").unwrap();
    let (draft_status, _) = http_get(&addr, "/desk/draft.json").unwrap();
    let (missing, _) = http_get(&addr, "/nope").unwrap();
    let (sources_status, sources_page) = http_get(&addr, "/sources").unwrap();
    child.kill().ok();
    child.wait().ok();
    assert_eq!(status, 200);
    assert!(page.contains("No edition has been published yet"), "{page}");
    assert_eq!(login_status, 200);
    assert!(login.contains("name=\"password\""), "{login}");
    assert_eq!(draft_status, 303, "the draft is for signed-in editors");
    assert_eq!(missing, 404);
    assert_eq!(sources_status, 200);
    assert!(
        sources_page.contains("36氪") && sources_page.contains("Wire A"),
        "{sources_page}"
    );
}

#[test]
fn filters_print_json_lines_and_carry_on() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let page = fixtures.join("temu-fine.html");
    let gbk = fixtures.join("gbk-meta-charset.html");
    // gzip a copy to check .html.gz input
    let gz = dir.path().join("page.html.gz");
    {
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).unwrap(),
            flate2::Compression::default(),
        );
        std::io::Write::write_all(&mut enc, &std::fs::read(&page).unwrap()).unwrap();
        enc.finish().unwrap();
    }
    let out = stdout_ok(&roundup(
        dir.path(),
        &[
            "extract",
            page.to_str().unwrap(),
            gbk.to_str().unwrap(),
            "page.html.gz",
            "missing.html",
        ],
    ));
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[0]["title"],
        "Temu fined 4 million euros by Dutch regulator"
    );
    assert_eq!(
        rows[0]["canonical_url"],
        "https://fixture.invalid/temu-fine"
    );
    assert_eq!(rows[0]["published"], "2025-11-19T10:00:00+00:00");
    assert_eq!(rows[0]["lang"], "en");
    assert!(
        rows[0]["text"]
            .as_str()
            .unwrap()
            .contains("countdown timers")
    );
    assert!(
        !rows[0]["text"]
            .as_str()
            .unwrap()
            .contains("All rights reserved")
    );
    assert_eq!(rows[1]["lang"], "zh");
    assert!(
        rows[1]["text"].as_str().unwrap().contains("当日送货上门"),
        "{}",
        rows[1]
    );
    assert_eq!(rows[2]["path"], "page.html.gz");
    assert_eq!(rows[2]["id"], "page");
    assert_eq!(rows[2]["text"], rows[0]["text"]);
    assert!(rows[3]["error"].as_str().unwrap().contains("cannot read"));

    write(
        dir.path(),
        "docs.jsonl",
        r#"{"id": 1, "title": "JD.com soft-opens its first JD Mall in Beijing", "text": "The 50,000 square metre JD Mall opened in Beijing."}
{"id": 2, "title": "京东MALL北京首店试营业", "text": "京东MALL北京首店试营业，面积5万平方米。"}
{"id": 3, "title": "City marathon draws 30,000 runners", "text": "Runners braved the rain."}
{"title": "no id"}
"#,
    );
    write(
        dir.path(),
        "beat.toml",
        "[[entity]]\nname = \"JD.com\"\naliases = [\"京东\", \"JD\"]\n",
    );
    let out = stdout_ok(&roundup(
        dir.path(),
        &["--config", "beat.toml", "cluster", "--input", "docs.jsonl"],
    ));
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows[0]["error"].as_str().unwrap().contains("id"));
    let cluster = |id: i64| {
        rows.iter().find(|r| r["id"] == id).unwrap()["cluster"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(cluster(1), cluster(2));
    assert_ne!(cluster(1), cluster(3));

    write(
        dir.path(),
        "clusters.jsonl",
        r#"{"id": "c1", "articles": [{"title": "", "text": "Temu was fined 4 million euros by the Dutch regulator on Wednesday. The company said it would appeal. Lawyers said the case would be watched closely across Europe."}]}
{"id": "c2"}
"#,
    );
    let out = stdout_ok(&roundup(
        dir.path(),
        &["summarize", "--input", "clusters.jsonl", "--words", "20"],
    ));
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["id"], "c1");
    assert!(
        rows[0]["headline"]
            .as_str()
            .unwrap()
            .starts_with("Temu was fined"),
        "{}",
        rows[0]
    );
    let summary = rows[0]["summary"].as_str().unwrap();
    assert!(
        summary.lines().count() >= 2,
        "one sentence per line: {summary}"
    );
    assert!(summary.split_whitespace().count() <= 20);
    assert!(rows[1]["error"].as_str().unwrap().contains("articles"));

    // Unusable arguments exit non-zero.
    let bad = roundup(dir.path(), &["summarize", "--input", "nope.jsonl"]);
    assert!(!bad.status.success());
}

#[test]
fn import_a_folder_of_pages_and_prune_old_text() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "roundup.toml",
        "[beat]\nname = \"Saved\"\n\n[store]\nretention_days = 30\n",
    );
    let pages = dir.path().join("saved");
    std::fs::create_dir_all(pages.join("2025")).unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::copy(fixtures.join("temu-fine.html"), pages.join("temu.html")).unwrap();
    std::fs::copy(
        fixtures.join("zh-article-instant-retail.html"),
        pages.join("2025/retail.htm"),
    )
    .unwrap();
    std::fs::write(pages.join("notes.txt"), "not a page").unwrap();
    let out = stdout_ok(&roundup(dir.path(), &["import", "saved"]));
    assert!(out.contains("imported 2 new"), "{out}");
    assert!(
        stdout_ok(&roundup(dir.path(), &["import", "saved"]))
            .contains("0 new, 0 updated, 2 unchanged")
    );
    let hit = stdout_ok(&roundup(
        dir.path(),
        &["search", "履约体验", "--format", "jsonl"],
    ));
    let row: serde_json::Value = serde_json::from_str(hit.lines().next().unwrap()).unwrap();
    assert_eq!(row["source"], "示例财经", "filed under its og:site_name");
    assert!(
        row["link"].as_str().unwrap().starts_with("file://"),
        "{row}"
    );
    let temu = stdout_ok(&roundup(
        dir.path(),
        &["search", "countdown", "--format", "jsonl"],
    ));
    assert!(
        temu.contains("https://fixture.invalid/temu-fine"),
        "keyed by its canonical URL: {temu}"
    );

    // Both pages are from 2025, long before the 30 days kept: their text goes, they stay.
    let pruned = stdout_ok(&roundup(dir.path(), &["prune"]));
    assert!(pruned.contains("pruned the text of 2 articles"), "{pruned}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let articles = rt.block_on(async {
        let store = roundup::store::Store::open(&dir.path().join("roundup.db"))
            .await
            .unwrap();
        let w = roundup::model::Window {
            from: chrono::DateTime::UNIX_EPOCH,
            to: chrono::Utc::now() + chrono::Duration::days(1),
        };
        store.articles_in(w).await.unwrap()
    });
    assert_eq!(articles.len(), 2);
    assert!(
        articles
            .iter()
            .all(|a| a.text.is_empty() && !a.title.is_empty())
    );
    assert!(
        stdout_ok(&roundup(dir.path(), &["search", "countdown"])).contains("Temu"),
        "still searchable"
    );
}

#[test]
fn opml_import_and_export_keep_folders() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "roundup.toml",
        "# mine\n[beat]\nname = \"OPML beat\"\n\n[[source]]\nname = \"Wire\"\nurl = \"https://wire.example/feed\"\n",
    );
    write(
        dir.path(),
        "subs.opml",
        r#"<?xml version="1.0"?><opml version="2.0"><head><title>Subs</title></head><body>
  <outline text="China"><outline text="E-commerce">
    <outline type="rss" text="Retail Pulse" xmlUrl="https://retail.example/feed.json"/>
    <outline type="rss" text="Wire" xmlUrl="https://other-wire.example/rss"/>
  </outline></outline>
  <outline type="rss" text="Already here" xmlUrl="https://wire.example/feed"/>
</body></opml>"#,
    );
    let out = stdout_ok(&roundup(dir.path(), &["opml", "import", "subs.opml"]));
    assert!(
        out.contains("added 2 sources") && out.contains("1 skipped"),
        "{out}"
    );
    let text = std::fs::read_to_string(dir.path().join("roundup.toml")).unwrap();
    assert!(text.starts_with("# mine"));
    assert!(
        text.contains("name = \"Wire (2)\"") && text.contains("category = \"China/E-commerce\""),
        "{text}"
    );
    stdout_ok(&roundup(dir.path(), &["check"]));
    let exported = stdout_ok(&roundup(dir.path(), &["opml", "export"]));
    assert!(exported.contains("<outline text=\"China\""), "{exported}");
    assert!(
        exported.contains("xmlUrl=\"https://retail.example/feed.json\""),
        "{exported}"
    );
    // Exported and imported elsewhere, the folders survive.
    let other = tempfile::tempdir().unwrap();
    write(other.path(), "roundup.toml", "[beat]\nname = \"Copy\"\n");
    write(other.path(), "back.opml", &exported);
    assert!(
        stdout_ok(&roundup(other.path(), &["opml", "import", "back.opml"]))
            .contains("added 3 sources")
    );
    let copy = std::fs::read_to_string(other.path().join("roundup.toml")).unwrap();
    assert_eq!(
        copy.matches("category = \"China/E-commerce\"").count(),
        2,
        "{copy}"
    );
    let bad = roundup(dir.path(), &["opml", "import", "roundup.toml"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an OPML file"));
}
