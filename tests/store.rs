//! The store API, run on both backends: every test here runs once on an SQLite file and once
//! on a fresh PostgreSQL database (see `common::pg_database`).

mod common;

use std::collections::HashSet;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use roundup::model::{Article, Edition, SourceKind, Window};
use roundup::store::{FetchRecord, Location, Store, Upsert};

/// Runs `$body(location)` as two tests, `sqlite` and `postgres`, in a module named `$name`.
macro_rules! both {
    ($name:ident, $body:path) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                $body(Location::Sqlite(dir.path().join("r.db"))).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(url) = common::pg_database().await {
                    $body(Location::Postgres(url)).await;
                }
            }
        }
    };
}

both!(upserts, upserts_are_idempotent_and_searchable);
both!(concurrent_writers, concurrent_writers_all_land);
both!(beats, beats_share_a_database_and_stay_apart);
both!(health, source_health_round_trips);
both!(windows, windows_drafts_and_retention);
both!(jobs, jobs_are_claimed_once_and_return_when_leases_expire);
both!(concurrent_claims, concurrent_claims_never_overlap);
both!(rounds, one_of_many_planners_plans_a_round);
both!(locks, the_story_lock_is_exclusive);
both!(racing_opens, many_processes_open_a_new_store_at_once);
both!(published, published_editions_round_trip_per_beat);
both!(rewrites, rewrite_answers_are_cached_once);
both!(desk, desk_events_editions_users_subscribers_and_sends);

fn article(link: &str, title: &str, text: &str) -> Article {
    Article {
        link: link.to_string(),
        title: title.to_string(),
        text: text.to_string(),
        published: Some(Utc.with_ymd_and_hms(2025, 11, 18, 1, 0, 0).unwrap()),
        ..Default::default()
    }
}

async fn open(loc: &Location, beat: &str) -> Store {
    Store::connect(loc, beat).await.unwrap()
}

/// The rewriting model's answers are kept by request key; the first answer stays.
async fn rewrite_answers_are_cached_once(loc: Location) {
    let store = open(&loc, "default").await;
    assert_eq!(store.cached_rewrite("k1").await.unwrap(), None);
    store.cache_rewrite("k1", "first").await.unwrap();
    store.cache_rewrite("k1", "second").await.unwrap();
    assert_eq!(
        store.cached_rewrite("k1").await.unwrap().as_deref(),
        Some("first")
    );
}

/// Published editions are kept per beat and read back by time, replacing a re-import.
async fn published_editions_round_trip_per_beat(loc: Location) {
    let a = open(&loc, "alpha").await;
    let b = open(&loc, "beta").await;
    let t = |d: u32| Utc.with_ymd_and_hms(2025, 11, d, 12, 0, 0).unwrap();
    let edition = |title: &str, d: u32| Edition {
        title: title.to_string(),
        window: Window {
            from: t(d) - chrono::Duration::days(7),
            to: t(d),
        },
        window_label: String::new(),
        intro: String::new(),
        stories: Vec::new(),
        bench: Vec::new(),
        wrap_up: String::new(),
        generated_at: t(d),
        dropped: Vec::new(),
    };
    a.save_published(&edition("Weekly 9", 9), t(9))
        .await
        .unwrap();
    a.save_published(&edition("Weekly 16", 16), t(16))
        .await
        .unwrap();
    a.save_published(&edition("Weekly 16", 16), t(16))
        .await
        .unwrap();
    b.save_published(&edition("Other", 16), t(16))
        .await
        .unwrap();
    let got = a.published_since(t(10)).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].0, got[0].1.title.as_str()), (t(16), "Weekly 16"));
    assert_eq!(a.published_since(t(1)).await.unwrap().len(), 2);
    assert_eq!(b.published_since(t(1)).await.unwrap().len(), 1);
}

/// Workers started together all open (and so create and migrate) the same new store; every
/// one must get through, however the race for the file and its schema falls.
async fn many_processes_open_a_new_store_at_once(loc: Location) {
    for round in 0..5 {
        let loc = match &loc {
            Location::Sqlite(p) => Location::Sqlite(p.with_extension(format!("{round}.db"))),
            other => other.clone(),
        };
        let opens: Vec<_> = (0..8)
            .map(|_| {
                let loc = loc.clone();
                tokio::spawn(async move { Store::connect(&loc, "default").await })
            })
            .collect();
        let mut versions = HashSet::new();
        for open in opens {
            let store = open.await.unwrap().unwrap_or_else(|e| panic!("{e}"));
            versions.insert(store.schema_version().await.unwrap());
        }
        assert_eq!(versions.len(), 1, "all openers see one schema version");
    }
}

async fn upserts_are_idempotent_and_searchable(loc: Location) {
    let store = open(&loc, "default").await;
    let version = store.schema_version().await.unwrap();
    assert!(version >= 1);
    let src = store
        .ensure_source("36氪", None, SourceKind::Import, 1.0, Some("zh"))
        .await
        .unwrap();
    let a = article(
        "https://36kr.com/p/1",
        "京东MALL北京首店试营业",
        "京东在北京开设首家京东MALL。",
    );
    assert!(matches!(
        store.upsert_article(src, None, &a).await.unwrap(),
        Upsert::Inserted(_)
    ));
    assert!(matches!(
        store.upsert_article(src, None, &a).await.unwrap(),
        Upsert::Unchanged(_)
    ));
    let mut b = a.clone();
    b.text.push_str("更新。");
    assert!(matches!(
        store.upsert_article(src, None, &b).await.unwrap(),
        Upsert::Updated(_)
    ));
    let en = store
        .ensure_source("Reuters", None, SourceKind::Import, 1.0, Some("en"))
        .await
        .unwrap();
    store
        .upsert_article(
            en,
            None,
            &article(
                "https://example.com/jd-mall",
                "JD.com soft-opens its first JD Mall in Beijing",
                "The retailer opened the store on Saturday.",
            ),
        )
        .await
        .unwrap();
    assert_eq!(store.article_count().await.unwrap(), 2);
    let hits = store.search("北京首店", 10).await.unwrap();
    assert_eq!(hits.len(), 1, "Chinese search");
    assert_eq!(hits[0].source, "36氪");
    assert_eq!(hits[0].link, "https://36kr.com/p/1");
    let hits = store.search("soft-opens Beijing", 10).await.unwrap();
    assert_eq!(hits.len(), 1, "English search");
    assert_eq!(hits[0].source, "Reuters");
    assert!(store.search("上海", 10).await.unwrap().is_empty());
    assert!(store.search("  ", 10).await.unwrap().is_empty());
    // A quote or an operator in a query is a word, never a syntax error.
    assert!(store.search("\"jd & | !( ", 10).await.is_ok());
    let known = store
        .known_links(&[
            "https://36kr.com/p/1".to_string(),
            "https://36kr.com/p/2".to_string(),
        ])
        .await
        .unwrap();
    assert_eq!(known, HashSet::from(["https://36kr.com/p/1".to_string()]));
    // Reopening keeps everything and does not re-run migrations.
    store.close().await;
    let again = open(&loc, "default").await;
    assert_eq!(again.schema_version().await.unwrap(), version);
    assert_eq!(again.article_count().await.unwrap(), 2);
    assert_eq!(again.search("更新", 10).await.unwrap().len(), 1);
    again.close().await;
}

async fn concurrent_writers_all_land(loc: Location) {
    // Two handles, as two processes would have, and four writers on each.
    let stores = [open(&loc, "default").await, open(&loc, "default").await];
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = stores[w % 2].clone();
        tasks.push(tokio::spawn(async move {
            let src = store
                .ensure_source(&format!("s{}", w % 3), None, SourceKind::Import, 1.0, None)
                .await
                .unwrap();
            for i in 0..25 {
                // Writers 0 and 1 store the same links: one insert each, never an error.
                let a = Article {
                    link: format!("https://x.org/{}/{i}", if w < 2 { 0 } else { w }),
                    title: format!("Title {w} {i}"),
                    ..Default::default()
                };
                store.upsert_article(src, None, &a).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(stores[0].article_count().await.unwrap(), 7 * 25);
}

async fn beats_share_a_database_and_stay_apart(loc: Location) {
    let a = open(&loc, "china-digital").await;
    let b = open(&loc, "luxury").await;
    assert_eq!(a.beat(), "china-digital");
    let sa = a
        .ensure_source(
            "Wire",
            Some("https://wire.example/a.xml"),
            SourceKind::Feed,
            1.0,
            None,
        )
        .await
        .unwrap();
    let sb = b
        .ensure_source(
            "Wire",
            Some("https://wire.example/b.xml"),
            SourceKind::Feed,
            2.0,
            None,
        )
        .await
        .unwrap();
    assert_ne!(sa, sb, "one source name, two beats, two sources");
    let shared = article("https://wire.example/1", "Alibaba cuts prices", "Body.");
    assert!(matches!(
        a.upsert_article(sa, None, &shared).await.unwrap(),
        Upsert::Inserted(_)
    ));
    assert!(matches!(
        b.upsert_article(sb, None, &shared).await.unwrap(),
        Upsert::Inserted(_)
    ));
    a.upsert_article(sa, None, &article("https://wire.example/2", "Meituan", "x"))
        .await
        .unwrap();
    assert_eq!(a.article_count().await.unwrap(), 2);
    assert_eq!(b.article_count().await.unwrap(), 1);
    assert_eq!(b.search("Meituan", 10).await.unwrap().len(), 0);
    assert_eq!(a.search("Meituan", 10).await.unwrap().len(), 1);
    assert!(a.set_paused("Wire", true).await.unwrap());
    let listed_a = a.sources().await.unwrap();
    let listed_b = b.sources().await.unwrap();
    assert_eq!(listed_a.len(), 1);
    assert_eq!(listed_a[0].state, "paused");
    assert_eq!(listed_b[0].state, "new");
    assert_eq!(
        listed_b[0].url.as_deref(),
        Some("https://wire.example/b.xml")
    );
    a.enqueue("fetch", &["Wire".to_string()], Utc::now())
        .await
        .unwrap();
    assert_eq!(a.job_counts().await.unwrap().queued, 1);
    assert_eq!(b.job_counts().await.unwrap().queued, 0);
    assert!(
        b.claim("w", Duration::from_secs(30), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        Store::connect(&loc, "no spaces").await,
        Err(roundup::store::StoreError::Beat(_))
    ));
}

async fn source_health_round_trips(loc: Location) {
    let store = open(&loc, "default").await;
    let id = store
        .ensure_source(
            "Feed",
            Some("https://a.example/feed"),
            SourceKind::Feed,
            1.5,
            Some("en"),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .ensure_source(
                "Feed",
                Some("https://a.example/feed"),
                SourceKind::Feed,
                1.5,
                None
            )
            .await
            .unwrap(),
        id
    );
    let v = store.validators(id).await.unwrap();
    assert!(v.etag.is_none() && v.last_modified.is_none());
    let ok = FetchRecord::Ok {
        etag: Some("\"e1\"".into()),
        last_modified: Some("Tue, 18 Nov 2025 09:00:00 GMT".into()),
    };
    assert_eq!(store.record_fetch(id, &ok).await.unwrap(), 0);
    assert_eq!(
        store.validators(id).await.unwrap().etag.as_deref(),
        Some("\"e1\"")
    );
    for n in 1..=3 {
        let failures = store
            .record_fetch(id, &FetchRecord::Error("HTTP 500".into()))
            .await
            .unwrap();
        assert_eq!(failures, n);
    }
    let next = Utc::now() + chrono::Duration::minutes(30);
    store
        .schedule(
            id,
            "failing",
            Some(next),
            120,
            Some("https://b.example/feed"),
        )
        .await
        .unwrap();
    store
        .schedule_poll(id, Duration::from_secs(3600))
        .await
        .unwrap();
    let s = store.source_schedule(id).await.unwrap();
    assert_eq!(s.state, "failing");
    assert!(!s.paused);
    assert_eq!(s.moved_to.as_deref(), Some("https://b.example/feed"));
    assert_eq!(s.poll_every, Some(Duration::from_secs(3600)));
    assert!((s.next_attempt.unwrap() - next).num_seconds().abs() <= 1);
    assert!(s.next_poll.unwrap() > Utc::now() + chrono::Duration::minutes(59));
    let listed = &store.sources().await.unwrap()[0];
    assert_eq!(listed.failures, 3);
    assert_eq!(listed.last_status.as_deref(), Some("error"));
    assert_eq!(listed.last_error.as_deref(), Some("HTTP 500"));
    assert!(listed.last_ok_at.is_some() && listed.last_fetch_at.is_some());
    assert_eq!(listed.poll_every_secs, Some(3600));
    // A new URL in the config forgets where the old one moved.
    store
        .ensure_source(
            "Feed",
            Some("https://c.example/feed"),
            SourceKind::Feed,
            1.0,
            None,
        )
        .await
        .unwrap();
    assert_eq!(store.source_schedule(id).await.unwrap().moved_to, None);
    assert!(store.set_paused("Feed", true).await.unwrap());
    assert!(store.source_schedule(id).await.unwrap().paused);
    assert!(!store.set_paused("Nobody", true).await.unwrap());
}

async fn windows_drafts_and_retention(loc: Location) {
    let store = open(&loc, "default").await;
    let src = store
        .ensure_source("Wire", None, SourceKind::Import, 1.0, None)
        .await
        .unwrap();
    assert_eq!(store.watermark().await.unwrap(), 0);
    for day in 10..20 {
        let mut a = article(
            &format!("https://w.example/{day}"),
            &format!("Day {day}"),
            "Text.",
        );
        a.published = Some(Utc.with_ymd_and_hms(2025, 11, day, 12, 0, 0).unwrap());
        store.upsert_article(src, None, &a).await.unwrap();
    }
    let window = Window {
        from: Utc.with_ymd_and_hms(2025, 11, 12, 0, 0, 0).unwrap(),
        to: Utc.with_ymd_and_hms(2025, 11, 15, 0, 0, 0).unwrap(),
    };
    let got = store.articles_in(window).await.unwrap();
    let titles: Vec<&str> = got.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, ["Day 12", "Day 13", "Day 14"]);
    assert_eq!(got[0].source, "Wire");
    assert_eq!(
        got[0].published,
        Some(Utc.with_ymd_and_hms(2025, 11, 12, 12, 0, 0).unwrap())
    );

    let mark = store.watermark().await.unwrap();
    assert!(mark > 0);
    assert_eq!(store.draft_watermark().await.unwrap(), None);
    assert_eq!(store.latest_draft().await.unwrap(), None);
    let edition = Edition {
        title: "Test".into(),
        window,
        window_label: "12–14 November 2025".into(),
        intro: "Intro.".into(),
        stories: Vec::new(),
        bench: Vec::new(),
        wrap_up: "Bye.".into(),
        generated_at: Utc.with_ymd_and_hms(2025, 11, 15, 8, 0, 0).unwrap(),
        dropped: Vec::new(),
    };
    store.save_draft(&edition, mark).await.unwrap();
    assert_eq!(store.latest_draft().await.unwrap(), Some(edition.clone()));
    assert_eq!(store.draft_watermark().await.unwrap(), Some(mark));

    let (pruned, _) = store
        .prune(Utc.with_ymd_and_hms(2025, 11, 15, 0, 0, 0).unwrap())
        .await
        .unwrap();
    assert_eq!(pruned, 5, "days 10 to 14 lose their text");
    let kept = store.articles_in(window).await.unwrap();
    assert_eq!(kept.len(), 3, "titles stay");
    assert!(kept.iter().all(|a| a.text.is_empty()));
    assert_eq!(store.search("Day", 20).await.unwrap().len(), 10);
    assert_eq!(
        store.latest_draft().await.unwrap(),
        Some(edition),
        "the latest draft stays"
    );
}

async fn jobs_are_claimed_once_and_return_when_leases_expire(loc: Location) {
    let w1 = open(&loc, "default").await;
    let w2 = open(&loc, "default").await;
    let targets: Vec<String> = (0..5).map(|i| format!("s{i}")).collect();
    assert_eq!(w1.enqueue("fetch", &targets, Utc::now()).await.unwrap(), 5);
    assert_eq!(
        w2.enqueue("fetch", &targets, Utc::now()).await.unwrap(),
        0,
        "a waiting job is not queued twice"
    );
    let short = Duration::from_secs(1);
    let a = w1.claim("w1", short, 3).await.unwrap();
    let b = w2.claim("w2", Duration::from_secs(60), 10).await.unwrap();
    assert_eq!(a.len(), 3);
    assert_eq!(b.len(), 2);
    let ids: HashSet<i64> = a.iter().chain(&b).map(|j| j.id).collect();
    assert_eq!(ids.len(), 5);
    assert!(
        a.iter()
            .chain(&b)
            .all(|j| j.kind == "fetch" && j.attempts == 1)
    );
    assert_eq!(
        w1.enqueue("fetch", &targets, Utc::now()).await.unwrap(),
        0,
        "nor a running one"
    );
    let counts = w1.job_counts().await.unwrap();
    assert_eq!((counts.queued, counts.running, counts.done), (0, 5, 0));

    // w2 finishes its jobs; w1 renews one and goes silent on the others.
    for j in &b {
        assert!(w2.finish(j.id, "w2", "ok").await.unwrap());
        assert!(!w2.finish(j.id, "w2", "ok").await.unwrap(), "done once");
    }
    assert!(
        w1.renew(a[0].id, "w1", Duration::from_secs(60))
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let taken = w2.claim("w2", Duration::from_secs(60), 10).await.unwrap();
    let taken_ids: HashSet<i64> = taken.iter().map(|j| j.id).collect();
    assert_eq!(taken_ids, HashSet::from([a[1].id, a[2].id]));
    assert!(taken.iter().all(|j| j.attempts == 2));
    // The silent worker wakes up: its lease is gone, so it can neither renew nor finish.
    assert!(!w1.renew(a[1].id, "w1", short).await.unwrap());
    assert!(!w1.finish(a[1].id, "w1", "ok").await.unwrap());
    assert!(w1.finish(a[0].id, "w1", "ok").await.unwrap());
    // A job given back comes again at its new time.
    assert!(w2.give_back(a[1].id, "w2", Utc::now()).await.unwrap());
    assert!(w2.finish(a[2].id, "w2", "error").await.unwrap());
    let again = w1.claim("w1", short, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, a[1].id);
    assert!(w1.finish(again[0].id, "w1", "ok").await.unwrap());
    let counts = w1.job_counts().await.unwrap();
    assert_eq!((counts.queued, counts.running, counts.done), (0, 0, 5));
    assert_eq!(counts.retried, 2);
    // Done jobs may be queued again: that is the next round.
    assert_eq!(w1.enqueue("fetch", &targets, Utc::now()).await.unwrap(), 5);
    // Jobs in the future wait.
    w1.enqueue(
        "fetch",
        &["later".to_string()],
        Utc::now() + chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    assert_eq!(w1.claim("w1", short, 100).await.unwrap().len(), 5);
}

async fn concurrent_claims_never_overlap(loc: Location) {
    let first = open(&loc, "default").await;
    let targets: Vec<String> = (0..400).map(|i| format!("src-{i}")).collect();
    first.enqueue("fetch", &targets, Utc::now()).await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..6 {
        let store = open(&loc, "default").await;
        tasks.push(tokio::spawn(async move {
            let name = format!("w{w}");
            let mut mine = Vec::new();
            loop {
                let got = store
                    .claim(&name, Duration::from_secs(60), 7)
                    .await
                    .unwrap();
                if got.is_empty() {
                    break;
                }
                for j in got {
                    assert!(store.finish(j.id, &name, "ok").await.unwrap());
                    mine.push(j.target);
                }
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 400, "every job done exactly once");
    assert_eq!(unique.len(), 400);
}

async fn one_of_many_planners_plans_a_round(loc: Location) {
    let targets: Vec<String> = (0..50).map(|i| format!("src-{i}")).collect();
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let store = open(&loc, "default").await;
        let targets = targets.clone();
        tasks.push(tokio::spawn(async move {
            let planned = store
                .plan_round("fetch", &targets, Duration::from_secs(600))
                .await
                .unwrap();
            // Whoever planned, the jobs are there once planning returns.
            assert_eq!(store.job_counts().await.unwrap().queued, 50);
            planned
        }));
    }
    let mut planned = Vec::new();
    for t in tasks {
        planned.push(t.await.unwrap());
    }
    assert_eq!(
        planned.iter().filter(|p| p.is_some()).count(),
        1,
        "{planned:?}"
    );
    assert!(planned.contains(&Some(50)));
    let store = open(&loc, "default").await;
    assert_eq!(
        store
            .plan_round("fetch", &targets, Duration::ZERO)
            .await
            .unwrap(),
        Some(0),
        "a new round adds nothing while the last one's jobs wait"
    );
}

async fn the_story_lock_is_exclusive(loc: Location) {
    let a = open(&loc, "default").await;
    let b = open(&loc, "default").await;
    let other = open(&loc, "other-beat").await;
    let ttl = Duration::from_secs(60);
    let held = a
        .try_lock_beat("a", ttl)
        .await
        .unwrap()
        .expect("free at first");
    assert!(b.try_lock_beat("b", ttl).await.unwrap().is_none());
    let o = other
        .try_lock_beat("o", ttl)
        .await
        .unwrap()
        .expect("one lock per beat");
    held.release().await.unwrap();
    let held = b
        .try_lock_beat("b", ttl)
        .await
        .unwrap()
        .expect("free after release");
    assert!(a.try_lock_beat("a", ttl).await.unwrap().is_none());
    // A holder that goes away without releasing does not block the beat for ever.
    drop(held);
    let mut freed = None;
    for _ in 0..50 {
        if let Some(l) = a.try_lock_beat("a", Duration::from_secs(1)).await.unwrap() {
            freed = Some(l);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if let Location::Postgres(_) = loc {
        assert!(
            freed.is_some(),
            "the session ends and the advisory lock with it"
        );
    } else {
        // SQLite: a lease row, free when its time runs out.
        assert!(freed.is_none(), "the lease has 60 s to run");
        let short = open(&loc, "short").await;
        drop(
            short
                .try_lock_beat("x", Duration::from_secs(1))
                .await
                .unwrap(),
        );
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert!(short.try_lock_beat("y", ttl).await.unwrap().is_some());
    }
    o.release().await.unwrap();
}

/// A store made before beats and jobs existed (schema version 4) upgrades in place.
#[tokio::test]
async fn an_sqlite_store_from_version_4_upgrades_keeping_its_data() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for (v, file) in [
        "0001_init.sql",
        "0002_source_health.sql",
        "0003_source_pause.sql",
        "0004_adaptive_polling.sql",
    ]
    .iter()
    .enumerate()
    {
        let sql = std::fs::read_to_string(root.join(file)).unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO schema_version VALUES (?, '2025-11-01T00:00:00Z')")
            .bind(v as i64 + 1)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    sqlx::raw_sql(
        "INSERT INTO sources (id, name, url, failures, state) VALUES (7, 'Old', 'https://old.example/feed', 2, 'failing');
         INSERT INTO articles (id, source_id, link, title, seen_at, body, content_hash)
             VALUES (42, 7, 'https://old.example/1', 'Old news', '2025-11-01T00:00:00Z', 'old body words', 'h');
         INSERT INTO articles_fts (rowid, title, body) VALUES (42, 'Old news', 'old body words');
         INSERT INTO drafts (created_at, window_from, window_to, edition_json)
             VALUES ('2025-11-01T00:00:00Z', '2025-10-25T00:00:00Z', '2025-11-01T00:00:00Z', '{}');",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();

    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), 8);
    assert_eq!(store.article_count().await.unwrap(), 1);
    let hits = store.search("body", 5).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].id, hits[0].source.as_str()), (42, "Old"));
    let s = &store.sources().await.unwrap()[0];
    assert_eq!(
        (s.name.as_str(), s.failures, s.state.as_str()),
        ("Old", 2, "failing")
    );
    // The old source keeps its id, so new articles land under it.
    let id = store
        .ensure_source(
            "Old",
            Some("https://old.example/feed"),
            SourceKind::Feed,
            1.0,
            None,
        )
        .await
        .unwrap();
    assert_eq!(id, 7);
}

/// The desk's tables: events replay per window in order; a published slug is never
/// replaced; sessions expire; subscribers and the send log move through their states, and
/// a subscriber that left is not sent to.
async fn desk_events_editions_users_subscribers_and_sends(loc: Location) {
    use roundup::model::Action;
    let store = open(&loc, "desk").await;
    let other = open(&loc, "other").await;
    let t = |d: u32| Utc.with_ymd_and_hms(2025, 11, d, 8, 0, 0).unwrap();
    let week = Window {
        from: t(17),
        to: t(24),
    };
    let next = Window {
        from: t(24),
        to: Utc.with_ymd_and_hms(2025, 12, 1, 8, 0, 0).unwrap(),
    };
    let pin = Action::Pin {
        story: "https://x.org/1".into(),
    };
    let intro = Action::Intro {
        text: "Hello".into(),
    };
    store.add_event(week, "ann", &pin, t(20)).await.unwrap();
    store.add_event(next, "ann", &intro, t(25)).await.unwrap();
    store.add_event(week, "bob", &intro, t(21)).await.unwrap();
    let events = store.events(week).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        (events[0].action.clone(), events[0].user.as_str()),
        (pin, "ann")
    );
    assert_eq!((events[1].action.clone(), events[1].at), (intro, t(21)));
    assert!(other.events(week).await.unwrap().is_empty());

    let edition = Edition {
        title: "Digest".into(),
        window: week,
        window_label: "17–23 November 2025".into(),
        intro: "Hi".into(),
        stories: vec![],
        bench: vec![],
        wrap_up: String::new(),
        generated_at: t(23),
        dropped: Vec::new(),
    };
    assert!(
        store
            .publish_edition("2025-11-23", &edition, "ann", t(24))
            .await
            .unwrap()
    );
    let mut changed = edition.clone();
    changed.intro = "Changed".into();
    assert!(
        !store
            .publish_edition("2025-11-23", &changed, "bob", t(25))
            .await
            .unwrap()
    );
    let got = store
        .published_edition("2025-11-23")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (got.edition.intro.as_str(), got.published_by.as_str()),
        ("Hi", "ann")
    );
    assert_eq!(store.published_editions().await.unwrap().len(), 1);
    assert!(store.published_edition("nope").await.unwrap().is_none());
    // Novelty sees it too.
    assert_eq!(store.published_since(t(1)).await.unwrap().len(), 1);

    store
        .set_user("ann", "hash1", Some("ann@example.org"), t(1))
        .await
        .unwrap();
    store.set_user("ann", "hash2", None, t(2)).await.unwrap();
    assert_eq!(
        store.password_hash("ann").await.unwrap().as_deref(),
        Some("hash2")
    );
    assert!(other.password_hash("ann").await.unwrap().is_none());
    let now = Utc::now();
    let hour = chrono::Duration::hours(1);
    store
        .create_session("tok", "ann", "csrf", now + hour)
        .await
        .unwrap();
    assert_eq!(
        store.session("tok", now).await.unwrap(),
        Some(("ann".to_string(), "csrf".to_string()))
    );
    assert!(
        store
            .session("tok", now + hour * 2)
            .await
            .unwrap()
            .is_none()
    );
    assert!(other.session("tok", now).await.unwrap().is_none());
    store.end_session("tok").await.unwrap();
    assert!(store.session("tok", now).await.unwrap().is_none());

    let (a, added) = store
        .add_subscriber("a@example.org", "active", "ta", t(1))
        .await
        .unwrap();
    assert!(added && a.confirmed_at.is_some());
    let (p, _) = store
        .add_subscriber("p@example.org", "pending", "tp", t(1))
        .await
        .unwrap();
    let (again, added) = store
        .add_subscriber("a@example.org", "pending", "tz", t(2))
        .await
        .unwrap();
    assert!(!added && again.status == "active" && again.token == "ta");
    let (c, _) = store
        .add_subscriber("c@example.org", "active", "tc", t(1))
        .await
        .unwrap();
    assert_eq!(store.plan_send("2025-11-23", t(24)).await.unwrap(), 2);
    assert_eq!(store.plan_send("2025-11-23", t(24)).await.unwrap(), 0);
    store
        .set_subscriber_status(p.id, "active", None, t(3))
        .await
        .unwrap();
    assert_eq!(store.plan_send("2025-11-23", t(24)).await.unwrap(), 1);
    store
        .mark_send("2025-11-23", a.id, "sending", None, t(24))
        .await
        .unwrap();
    store
        .mark_send("2025-11-23", a.id, "sent", None, t(24))
        .await
        .unwrap();
    store
        .set_subscriber_status(c.id, "unsubscribed", None, t(24))
        .await
        .unwrap();
    // p's row is claimed by one sender only; a row left "sending" counts only when asked.
    assert!(
        store
            .claim_send("2025-11-23", p.id, "pending", 0, t(24))
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_send("2025-11-23", p.id, "pending", 0, t(24))
            .await
            .unwrap()
    );
    assert!(
        store
            .pending_sends("2025-11-23", false)
            .await
            .unwrap()
            .is_empty()
    );
    let pending = store.pending_sends("2025-11-23", true).await.unwrap();
    assert_eq!(pending[0].attempts, 1);
    let emails: Vec<&str> = pending
        .iter()
        .map(|p| p.subscriber.email.as_str())
        .collect();
    assert_eq!(emails, ["p@example.org"]);
    assert_eq!(
        store.send_counts("2025-11-23").await.unwrap(),
        [
            ("pending".to_string(), 1),
            ("sending".to_string(), 1),
            ("sent".to_string(), 1)
        ]
    );
    let p_now = store.subscriber_by_token("tp").await.unwrap().unwrap();
    assert_eq!(
        (p_now.status.as_str(), p_now.confirmed_at),
        ("active", Some(t(3)))
    );
    assert_eq!(store.subscribers().await.unwrap().len(), 3);
}
