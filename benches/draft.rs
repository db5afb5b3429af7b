//! Draft speed (issue 5): a window of 50,000 stored articles drafted end to end from the store.
//!
//! Stores ARTICLES generated articles (default 50,000; the generator in `common/generator.rs`)
//! from 12 outlets over DAYS days (default 14) in a fresh SQLite store, with the china-digital
//! example beat as shipped, then times `pipeline::draft` for the whole window: reading the
//! articles back, splitting roundups, near-copies, entities and topics, clustering (the stream
//! engine, as the window is past `stories::BATCH_LIMIT`), ranking, summaries and headlines for
//! the edition and its bench, and saving the draft. Filling the store is not timed.
//!
//! Run: `cargo bench --bench draft` (`-- --articles N --days D` to change the sizes).

use std::time::Instant;

use roundup::config::Config;
use roundup::model::{Article, SourceKind, Window};
use roundup::store::Store;

#[path = "common/args.rs"]
mod args;
#[path = "common/generator.rs"]
mod generator;

use args::arg;

/// The allocator the `roundup` binary ships with (`src/main.rs`), so the time is the one it gets.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const OUTLETS: usize = 12;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let articles: u64 = arg("--articles", 50_000);
    let days: i64 = arg("--days", 14);
    let dir = tempfile::tempdir().expect("temporary folder");
    let example = roundup::config::example("china-digital").expect("the example beat");
    let config = Config::parse(example, dir.path().to_path_buf()).expect("the example parses");
    let store = Store::open(&config.store_path()).await.expect("store");
    let mut sources = Vec::new();
    for k in 0..OUTLETS {
        let lang = if k < 4 { "zh" } else { "en" };
        let id = store
            .ensure_source(
                &format!("Outlet {k}"),
                None,
                SourceKind::Import,
                1.0,
                Some(lang),
            )
            .await
            .expect("source");
        sources.push(id);
    }

    let fill = Instant::now();
    let mut stream = generator::Articles::new(articles, days);
    let start = stream.start();
    let mut n: u64 = 0;
    for item in stream.by_ref() {
        let outlet = (n as usize * 7 + item.story as usize) % OUTLETS;
        let article = Article {
            source: format!("Outlet {outlet}"),
            link: format!("https://outlet{outlet}.example/{n}"),
            title: item.title,
            text: item.body,
            published: Some(item.published),
            ..Default::default()
        };
        store
            .upsert_article(sources[outlet], None, &article)
            .await
            .expect("upsert");
        n += 1;
        if n.is_multiple_of(10_000) {
            eprintln!(
                "stored {n} articles ({:.0} s)",
                fill.elapsed().as_secs_f64()
            );
        }
    }
    let end = start + chrono::Duration::days(stream.days() + 1);
    let window = Window {
        from: start,
        to: end,
    };
    eprintln!(
        "stored {n} articles over {} days in {:.0} s; drafting",
        stream.days() + 1,
        fill.elapsed().as_secs_f64()
    );

    let clock = Instant::now();
    let edition = roundup::pipeline::draft(&config, &store, window, 12, end)
        .await
        .expect("draft");
    let took = clock.elapsed().as_secs_f64();
    println!(
        "window of {n} articles ({} generated stories): draft of {} stories and {} on the bench in {took:.1} s end to end from the store",
        stream.stories(),
        edition.stories.len(),
        edition.bench.len()
    );
}
