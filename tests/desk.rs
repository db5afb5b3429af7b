//! The editor's desk over real HTTP: login and CSRF, editorial actions that survive a
//! rebuilt draft, adding an article by URL, publishing, the archive and its feeds, static
//! export and /metrics. (The same desk in a real browser: tests/ui.rs.)

mod common;

use common::site::Site;
use common::{ok, serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_and_csrf_guard_the_desk() {
    roundup::sources::fetch::install_crypto_provider();
    let mut site = Site::start("");
    // Signed out: the desk sends us to the login page, and its forms do nothing.
    let (status, _, location) = site.get("/desk").await;
    assert_eq!((status, location.as_deref()), (303, Some("/login")));
    let (status, _, _) = site.get("/desk/draft.json").await;
    assert_eq!(status, 303, "the draft is not public");
    let (status, page, _) = site
        .post("/login", &[("name", "ann"), ("password", "wrong")])
        .await;
    assert_eq!(status, 401);
    assert!(page.contains("Wrong name or password"));
    let (status, _, _) = site
        .post("/login", &[("name", "nobody"), ("password", "wrong")])
        .await;
    assert_eq!(status, 401);

    site.login().await;
    let desk = site.desk().await;
    assert_eq!(desk.keys.len(), 12, "the demo's twelve stories");
    // A form from another session (or a forged one) is refused and changes nothing.
    let (status, page, _) = site
        .post(
            "/desk/act",
            &[
                ("csrf", "0000"),
                ("action", "drop"),
                ("story", &desk.keys[0]),
            ],
        )
        .await;
    assert_eq!(status, 403);
    assert!(page.contains("Form expired"));
    assert_eq!(site.desk().await.keys, desk.keys);

    // Signing out ends the session for good.
    let (status, _, _) = site.post("/logout", &[("csrf", &desk.csrf)]).await;
    assert_eq!(status, 303);
    let (status, _, _) = site.get("/desk").await;
    assert_eq!(status, 303);
}

#[test]
fn editorial_work_survives_rebuilds_and_is_published_immutably() {
    roundup::sources::fetch::install_crypto_provider();
    // The fixture server runs its own runtime, so the test drives its async part itself.
    let pages = serve(vec![(
        "/scoop.html",
        ok(
            "text/html; charset=utf-8",
            "<html><head><title>Scoop: Pinduoduo opens a Shenzhen lab</title><meta property=\"og:site_name\" content=\"Scoop Daily\"><meta property=\"og:image\" content=\"https://img.example.org/lab.jpg\"></head><body><article><h1>Pinduoduo opens a Shenzhen lab</h1><p>Pinduoduo opened a research lab in Shenzhen on Friday, its first outside Shanghai, to work on logistics software for farm produce.</p><p>The lab will hire 300 engineers over two years, the company said.</p></article></body></html>".as_bytes().to_vec(),
        ),
    )]);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(editorial_work(&pages.base));
}

async fn editorial_work(pages: &str) {
    let mut site = Site::start("");
    site.login().await;
    let desk = site.desk().await;
    let (k, h) = (&desk.keys, &desk.headlines);
    let csrf = desk.csrf.clone();

    // Move the third story to the top, pin it, rewrite the second, drop the fifth.
    site.act(&csrf, &[("action", "move"), ("story", &k[2]), ("to", "1")])
        .await;
    site.act(&csrf, &[("action", "pin"), ("story", &k[2])])
        .await;
    site.act(
        &csrf,
        &[
            ("action", "edit"),
            ("story", &k[0]),
            ("headline", "Our own headline"),
            ("summary", "Written **by hand**.\n\nSecond paragraph."),
        ],
    )
    .await;
    site.act(&csrf, &[("action", "drop"), ("story", &k[4])])
        .await;
    site.act(
        &csrf,
        &[("action", "intro"), ("text", "This week, by hand.")],
    )
    .await;
    // Merge the fourth into the second (by then the third on the page).
    site.act(
        &csrf,
        &[("action", "merge"), ("story", &k[3]), ("into", &k[1])],
    )
    .await;
    let after = site.desk().await;
    assert_eq!(after.keys[0], k[2]);
    assert_eq!(after.headlines[0], h[2]);
    assert_eq!(after.headlines[1], "Our own headline");
    assert!(!after.keys.contains(&k[4]) && !after.keys.contains(&k[3]));
    assert_eq!(after.keys.len(), 12, "the bench fills the freed slots");
    assert!(after.html.contains("Written <strong>by hand</strong>."));
    // A stale form (the dropped story again) is refused with a message, not stored.
    let location = site
        .act(&csrf, &[("action", "move"), ("story", &k[4]), ("to", "2")])
        .await;
    assert!(
        location.contains("error=that+change+no+longer+applies"),
        "{location}"
    );

    // Rebuilding the draft (as `roundup run` does when articles arrive) keeps it all.
    common::stdout_ok(&site.roundup(&["draft", "--from", "2025-11-17", "--to", "2025-11-23"]));
    let rebuilt = site.desk().await;
    assert_eq!(rebuilt.keys, after.keys);
    assert_eq!(rebuilt.headlines, after.headlines);

    // Add an article by URL: fetched and extracted now, pinned at the end.
    site.roundup(&["check"]);
    let url = format!("{pages}/scoop.html");
    let (status, body, location) = site
        .post("/desk/add-url", &[("csrf", &csrf), ("url", &url)])
        .await;
    assert_eq!(status, 303, "{body}");
    assert!(
        location.as_deref().unwrap_or("").contains("ok="),
        "{location:?}"
    );
    let added = site.desk().await;
    assert_eq!(added.keys.last(), Some(&url), "{:?}", added.headlines);
    assert!(
        added
            .headlines
            .last()
            .unwrap()
            .contains("Pinduoduo opens a Shenzhen lab")
    );
    assert_eq!(added.keys.len(), 12, "the lowest unpinned story made room");
    let (_, bad, location) = site
        .post("/desk/add-url", &[("csrf", &csrf), ("url", "not a url")])
        .await;
    assert!(location.unwrap_or(bad).contains("error=cannot+add"));

    // Search the store and pull a story in.
    let (_, hits, _) = site.get("/desk?q=%E5%B0%8F%E7%BA%A2%E4%B9%A6").await;
    assert!(hits.contains("data-testid=\"hits\""), "{hits}");

    // Publish: the edition is served at a stable address and is never changed after.
    let (status, _, location) = site.post("/desk/publish", &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert_eq!(location, "/editions/2025-11-23.html");
    let (status, page, _) = site.get(&location).await;
    assert_eq!(status, 200);
    assert!(page.contains("Our own headline") && page.contains("This week, by hand."));
    assert!(
        page.contains("src=\"https://img.example.org/lab.jpg\""),
        "lead image"
    );
    site.act(
        &csrf,
        &[
            ("action", "edit"),
            ("story", &k[0]),
            ("headline", "Changed later"),
            ("summary", "x"),
        ],
    )
    .await;
    let (_, again, _) = site.get(&location).await;
    assert!(again.contains("Our own headline") && !again.contains("Changed later"));
    let (_, second, location2) = site.post("/desk/publish", &[("csrf", &csrf)]).await;
    assert_eq!(
        location2.as_deref(),
        Some("/editions/2025-11-23-2.html"),
        "{second}"
    );
    let (_, md, _) = site.get("/editions/2025-11-23.md").await;
    assert!(
        md.contains("## 2. Our own headline\n\nWritten **by hand**."),
        "{md}"
    );

    // The archive and its feeds.
    let (_, index, _) = site.get("/").await;
    assert!(
        index.contains("editions/2025-11-23.html") && index.contains("editions/2025-11-23-2.html")
    );
    let (_, atom, _) = site.get("/feed.atom").await;
    let feed = roundup::sources::feed::parse(atom.as_bytes(), None).unwrap();
    assert_eq!(feed.entries.len(), 2);
    assert!(
        feed.entries
            .iter()
            .any(|e| e.link.ends_with("/editions/2025-11-23.html"))
    );
    let (_, json, _) = site.get("/feed.json").await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["items"].as_array().unwrap().len(), 2);
    let (status, alibaba, _) = site.get("/entity/alibaba.atom").await;
    assert_eq!(status, 200);
    let alibaba = roundup::sources::feed::parse(alibaba.as_bytes(), None).unwrap();
    assert!(!alibaba.entries.is_empty());
    assert!(alibaba.entries.iter().all(|e| e.link.contains("#story-")));
    let (status, _, _) = site.get("/entity/nobody.atom").await;
    assert_eq!(status, 404);
    let (status, _, _) = site.get("/editions/1999-01-01.html").await;
    assert_eq!(status, 404);

    // Static export: the same archive as files, with working relative links.
    let out = site.dir.join("site");
    let printed = common::stdout_ok(&site.roundup(&["export", "--out", out.to_str().unwrap()]));
    assert!(printed.starts_with("wrote "), "{printed}");
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    let index = html_escape::decode_html_entities(&index);
    assert!(index.contains("href=\"editions/2025-11-23.html\""));
    let page = std::fs::read_to_string(out.join("editions/2025-11-23.html")).unwrap();
    let page = html_escape::decode_html_entities(&page);
    assert!(page.contains("Our own headline") && page.contains("href=\"../index.html\""));
    assert!(out.join("feed.atom").exists() && out.join("entity/alibaba.atom").exists());

    // The CLI lists both editions; /metrics counts them.
    let list = common::stdout_ok(&site.roundup(&["edition", "list"]));
    assert!(
        list.contains("2025-11-23\t") && list.contains("2025-11-23-2\t"),
        "{list}"
    );
    let (_, metrics, _) = site.get("/metrics").await;
    assert!(
        metrics.contains("roundup_editions_published 2\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("roundup_editions_published_total 2\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("roundup_sources{state=\"ok\"} 9\n"),
        "{metrics}"
    );
}
