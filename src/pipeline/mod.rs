//! The stages strung together, for the commands and the web server.
//!
//! Stages do not call each other; this module does: it fetches and parses feeds
//! ([`crate::sources`]), fetches and extracts article pages ([`crate::extract`]), stores the
//! result ([`crate::store`]), and builds drafts from the store ([`crate::stories`],
//! [`crate::edition`]). One broken source never stops the others: each gets its own report.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use indicatif::ProgressBar;
use serde::Serialize;

use crate::config::Config;
use crate::extract::{self, Extracted};
use crate::model::{Article, Edition, Entry, SourceKind, Window};
use crate::sources::fetch::{FetchError, FetchOptions, Fetched, Fetcher, Validators};
use crate::sources::{feed, import, poll};
use crate::store::{FetchRecord, Store, Upsert};
use crate::text::lang;

/// What happened to one source in a fetch run.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    /// Source name.
    pub name: String,
    /// Feed URL.
    pub url: String,
    /// "ok", "not_modified" or "error".
    pub status: String,
    /// Entries in the feed.
    pub entries: usize,
    /// Articles stored for the first time.
    pub new: usize,
    /// Articles whose content changed.
    pub updated: usize,
    /// The error, when the source failed.
    pub error: Option<String>,
    /// Article pages that could not be fetched (their entries were kept headline-only).
    pub page_errors: Vec<String>,
    /// The source's state after this run: ok, slow, failing, dead, moved (or its state when
    /// the run skipped it).
    pub state: String,
    /// When it will be tried again, if it is backing off.
    pub next_attempt: Option<String>,
    /// Why the run skipped it, when it did.
    pub wait_reason: Option<String>,
}

impl SourceReport {
    /// Marks the source as skipped by this run, until `next` if known, for `reason`.
    fn wait(&mut self, next: Option<DateTime<Utc>>, reason: &str) {
        self.status = "waiting".into();
        self.next_attempt = next.map(crate::store::fmt_time);
        self.wait_reason = Some(reason.to_string());
    }
}

/// Which sources a fetch run polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Due {
    /// Every source, except those backing off after failures.
    #[default]
    All,
    /// Only sources whose adaptive poll interval has passed (and not backing off).
    Due,
    /// Every source, even those backing off.
    Force,
}

/// Polls the configured sources once and stores what is new. Sources backing off after
/// failures (or asked by their host to wait) are skipped until their next attempt, unless
/// forced; with [`Due::Due`], so are sources polled more recently than their cadence asks.
pub async fn fetch_all(
    config: &Config,
    store: &Store,
    progress: &ProgressBar,
    due: Due,
) -> anyhow::Result<Vec<SourceReport>> {
    let fetcher = Fetcher::new(FetchOptions::from(config))?;
    progress.set_length(config.sources.len() as u64);
    let concurrency = config.fetch.concurrency.max(1);
    let reports: Vec<SourceReport> = stream::iter(config.sources.iter())
        .map(|s| {
            let fetcher = fetcher.clone();
            async move {
                let report = fetch_source(config, store, &fetcher, s, due).await;
                progress.inc(1);
                progress.set_message(s.name.get_ref().clone());
                report
            }
        })
        .buffered(concurrency)
        .collect()
        .await;
    Ok(reports)
}

pub(crate) async fn fetch_source(
    config: &Config,
    store: &Store,
    fetcher: &Fetcher,
    src: &crate::config::SourceConfig,
    due: Due,
) -> SourceReport {
    let name = src.name.get_ref().clone();
    let url = src.url.get_ref().clone();
    let mut report = SourceReport {
        name: name.clone(),
        url: url.clone(),
        status: "error".into(),
        entries: 0,
        new: 0,
        updated: 0,
        error: None,
        page_errors: Vec::new(),
        state: "new".into(),
        next_attempt: None,
        wait_reason: None,
    };
    let result: anyhow::Result<()> = async {
        let id = store
            .ensure_source(
                &name,
                Some(&url),
                SourceKind::Feed,
                src.weight,
                src.lang.as_deref(),
            )
            .await?;
        let schedule = store.source_schedule(id).await?;
        let (state, moved_to) = (schedule.state, schedule.moved_to);
        report.state = state.clone();
        let now = Utc::now();
        if schedule.paused {
            report.state = "paused".into();
            report.wait(None, "paused (`roundup source resume` to fetch it again)");
            return Ok(());
        }
        if due == Due::Due
            && let Some(next) = schedule.next_poll.filter(|t| *t > now)
        {
            report.wait(Some(next), "not due yet (adaptive polling)");
            return Ok(());
        }
        if let Some(next) = schedule
            .next_attempt
            .filter(|t| *t > now && due != Due::Force)
        {
            report.wait(Some(next), &format!("backing off ({state})"));
            return Ok(());
        }
        let poll_every = schedule.poll_every;
        let fetch_url = moved_to.clone().unwrap_or_else(|| url.clone());
        let started = Instant::now();
        let outcome = fetcher.get(&fetch_url, &store.validators(id).await?).await;
        let took = started.elapsed();
        let took_ms = took.as_millis() as i64;
        let page = match outcome {
            Ok(Fetched::NotModified) => {
                store.record_fetch(id, &FetchRecord::NotModified).await?;
                let health = poll::after_success(took, moved_to.is_some());
                store
                    .schedule(id, health.as_str(), None, took_ms, None)
                    .await?;
                store
                    .schedule_poll(id, poll_every.unwrap_or(poll::DEFAULT_POLL))
                    .await?;
                report.status = "not_modified".into();
                report.state = health.as_str().into();
                return Ok(());
            }
            Ok(Fetched::Page(p)) => p,
            Err(FetchError::HostWaiting { secs, .. }) => {
                // Not the source's fault: try again when the host is ready.
                let next = now + chrono::Duration::seconds(secs as i64);
                store
                    .schedule(id, &state, Some(next), took_ms, None)
                    .await?;
                report.wait(Some(next), "its host asked to wait (Retry-After)");
                return Ok(());
            }
            Err(e) => {
                let retry_after = match &e {
                    FetchError::Status { retry_after, .. } => *retry_after,
                    _ => None,
                };
                fail(store, id, &e.to_string(), retry_after, took_ms, &mut report).await?;
                return Ok(());
            }
        };
        let parsed = if src.is_page() {
            let html = extract::encoding::decode(&page.body, page.content_type.as_deref()).text;
            Ok(feed::Feed {
                entries: crate::sources::page::links(&html, &page.final_url),
                ..Default::default()
            })
        } else {
            feed::parse(&page.body, Some(&page.final_url))
        };
        let parsed = match parsed {
            Ok(f) => f,
            Err(e) => {
                fail(
                    store,
                    id,
                    &format!("{e} at {fetch_url}"),
                    None,
                    took_ms,
                    &mut report,
                )
                .await?;
                return Ok(());
            }
        };
        report.entries = parsed.entries.len();
        let links: Vec<String> = parsed.entries.iter().map(|e| e.link.clone()).collect();
        let known = store.known_links(&links).await?;
        let mut seen = std::collections::HashSet::new();
        let fresh: Vec<&Entry> = parsed
            .entries
            .iter()
            .filter(|e| {
                !e.link.is_empty() && !known.contains(&e.link) && seen.insert(e.link.clone())
            })
            .collect();
        // Up to four article pages at a time, in feed order. (A FuturesOrdered filled by
        // hand rather than a mapped stream keeps this future Send for spawned workers.)
        let mut fetched: Vec<(&Entry, Result<Option<Extracted>, String>)> =
            Vec::with_capacity(fresh.len());
        let mut pending = futures_util::stream::FuturesOrdered::new();
        for entry in fresh {
            pending.push_back(article_page(config, fetcher, entry));
            if pending.len() >= 4
                && let Some(done) = pending.next().await
            {
                fetched.push(done);
            }
        }
        while let Some(done) = pending.next().await {
            fetched.push(done);
        }
        for (entry, got) in fetched {
            let extracted = match got {
                Ok(x) => x,
                Err(e) => {
                    report.page_errors.push(e);
                    None
                }
            };
            let article = article_from(&name, entry, extracted, src.lang.as_deref());
            match store
                .upsert_article(id, entry.guid.as_deref(), &article)
                .await?
            {
                Upsert::Inserted(_) => report.new += 1,
                Upsert::Updated(_) => report.updated += 1,
                Upsert::Unchanged(_) => {}
            }
        }
        store
            .record_fetch(
                id,
                &FetchRecord::Ok {
                    etag: page.validators.etag,
                    last_modified: page.validators.last_modified,
                },
            )
            .await?;
        let moved = page.moved_to.as_deref().or(moved_to.as_deref());
        let health = poll::after_success(took, moved.is_some());
        store
            .schedule(id, health.as_str(), None, took_ms, page.moved_to.as_deref())
            .await?;
        let dates: Vec<DateTime<Utc>> = parsed.entries.iter().filter_map(|e| e.published).collect();
        store.schedule_poll(id, poll::cadence(&dates)).await?;
        report.status = "ok".into();
        report.state = health.as_str().into();
        Ok(())
    }
    .await;
    if let Err(e) = result {
        report.error = Some(format!("{e:#}"));
    }
    report
}

/// Fetches and extracts an entry's article page, when the config asks for pages.
async fn article_page<'e>(
    config: &Config,
    fetcher: &Fetcher,
    entry: &'e Entry,
) -> (&'e Entry, Result<Option<Extracted>, String>) {
    if !config.fetch.fetch_articles || feed::is_synthetic_link(&entry.link) {
        return (entry, Ok(None));
    }
    let got = match fetcher.get(&entry.link, &Validators::default()).await {
        Ok(Fetched::Page(p)) => Ok(Some(extract::extract_bytes(
            &p.body,
            p.content_type.as_deref(),
            Some(&p.final_url),
        ))),
        Ok(Fetched::NotModified) => Ok(None),
        Err(e) => Err(e.to_string()),
    };
    (entry, got)
}

/// Records a failed fetch, backs the source off, and fills the report.
async fn fail(
    store: &Store,
    id: i64,
    message: &str,
    retry_after: Option<u64>,
    took_ms: i64,
    report: &mut SourceReport,
) -> anyhow::Result<()> {
    let failures = store
        .record_fetch(id, &FetchRecord::Error(message.to_string()))
        .await?;
    let (health, next) = poll::after_failure(failures, retry_after, Utc::now());
    store
        .schedule(id, health.as_str(), Some(next), took_ms, None)
        .await?;
    report.error = Some(message.to_string());
    report.state = health.as_str().into();
    report.next_attempt = Some(crate::store::fmt_time(next));
    Ok(())
}

/// An article from a feed entry and, when its page was fetched, what extraction found there.
pub fn article_from(
    source: &str,
    entry: &Entry,
    extracted: Option<Extracted>,
    source_lang: Option<&str>,
) -> Article {
    let x = extracted.unwrap_or_default();
    let entry_text = entry.text.clone().unwrap_or_default();
    // The page's text wins when it is longer than what the feed carried.
    let text = if x.text.chars().count() > entry_text.chars().count() {
        x.text
    } else {
        entry_text
    };
    let title = if entry.title.trim().is_empty() {
        x.title.unwrap_or_default()
    } else {
        entry.title.clone()
    };
    let lang = entry
        .lang
        .clone()
        .or(x.lang)
        .or_else(|| {
            let sample = format!(
                "{title}\n{}\n{text}",
                entry.summary.as_deref().unwrap_or("")
            );
            lang::detect(&sample).map(str::to_string)
        })
        .or_else(|| source_lang.map(str::to_string));
    Article {
        id: 0,
        source: source.to_string(),
        link: entry.link.clone(),
        canonical_url: x.canonical_url.filter(|c| c != &entry.link),
        title,
        published: entry
            .published
            .or(x.published)
            .and_then(plausible)
            .map(clamp_future),
        author: entry.author.clone().or(x.author),
        lang,
        summary: entry.summary.clone(),
        text,
        site_name: x.site_name,
        image: x.image,
    }
}

/// A publication time more than a day in the future is a source's mistake: use now.
fn clamp_future(t: DateTime<Utc>) -> DateTime<Utc> {
    let now = Utc::now();
    if t > now + chrono::Duration::days(1) {
        now
    } else {
        t
    }
}

/// Times before 1995 (the epoch's 1970 above all) are a broken date field, not news: such an
/// article is dated when it was first seen instead.
fn plausible(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (t.timestamp() >= 788_918_400).then_some(t)
}

/// The entries a feed URL gives now, without storing anything (`roundup source test`).
pub async fn preview(config: &Config, url: &str) -> anyhow::Result<crate::sources::feed::Feed> {
    let fetcher = Fetcher::new(FetchOptions::from(config))?;
    match fetcher.get(url, &Validators::default()).await? {
        Fetched::Page(p) => Ok(feed::parse(&p.body, Some(&p.final_url))?),
        Fetched::NotModified => {
            anyhow::bail!("{url}: the server answered 304 Not Modified to a plain GET")
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// Lines stored for the first time.
    pub new: usize,
    /// Lines whose article changed.
    pub updated: usize,
    /// Lines already stored unchanged.
    pub unchanged: usize,
    /// Bad lines: (line number, message).
    pub errors: Vec<(usize, String)>,
}

/// Stores imported articles under their sources (created on first use) and counts what
/// each write did.
struct ImportSink<'a> {
    store: &'a Store,
    ids: std::collections::HashMap<String, i64>,
    report: ImportReport,
}

impl<'a> ImportSink<'a> {
    fn new(store: &'a Store, report: ImportReport) -> Self {
        ImportSink {
            store,
            ids: std::collections::HashMap::new(),
            report,
        }
    }

    async fn put(
        &mut self,
        source: &str,
        guid: Option<&str>,
        article: &Article,
    ) -> anyhow::Result<()> {
        let id = match self.ids.get(source) {
            Some(&id) => id,
            None => {
                let id = self
                    .store
                    .ensure_source(source, None, SourceKind::Import, 1.0, None)
                    .await?;
                self.ids.insert(source.to_string(), id);
                id
            }
        };
        match self.store.upsert_article(id, guid, article).await? {
            Upsert::Inserted(_) => self.report.new += 1,
            Upsert::Updated(_) => self.report.updated += 1,
            Upsert::Unchanged(_) => self.report.unchanged += 1,
        }
        Ok(())
    }
}

/// Loads JSON Lines entries into the store; unknown sources are created.
pub async fn import_jsonl(
    text: &str,
    store: &Store,
    progress: &ProgressBar,
) -> anyhow::Result<ImportReport> {
    let (items, errors) = import::read_jsonl(text);
    let mut sink = ImportSink::new(
        store,
        ImportReport {
            errors: errors.into_iter().map(|e| (e.line, e.message)).collect(),
            ..Default::default()
        },
    );
    progress.set_length(items.len() as u64);
    for item in items {
        let article = article_from(&item.source, &item.entry, None, None);
        sink.put(&item.source, item.entry.guid.as_deref(), &article)
            .await?;
        progress.inc(1);
    }
    Ok(sink.report)
}

/// Reads a file, gunzipping it when its name ends in `.gz`.
pub fn read_maybe_gz(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let raw = std::fs::read(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        // The gzip trailer's last four bytes give the size (mod 4 GiB): one allocation
        // instead of a doubling series, capped so a forged trailer cannot reserve much.
        let hint = raw
            .get(raw.len().saturating_sub(4)..)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, |b| u32::from_le_bytes(b) as usize);
        let mut out = Vec::with_capacity(hint.min(64 << 20));
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&raw[..]), &mut out)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// A page file's id: its file name before the first dot (`abc.html.gz` → `abc`).
pub fn page_id(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| {
            n.to_string_lossy()
                .split('.')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default()
}

/// Saved HTML pages (`.html`, `.htm`, `.html.gz`) under a folder, in any order.
fn html_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            html_files(&path, out)?;
        } else {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if name.ends_with(".html") || name.ends_with(".htm") || name.ends_with(".html.gz") {
                out.push(path);
            }
        }
    }
    Ok(())
}

/// Imports a folder of saved HTML pages, offline: each page is extracted like a fetched one
/// and keyed by its canonical URL, or by its file URL when it declares none. Pages of one
/// site are filed under its name (og:site_name), the rest under the folder's name.
pub async fn import_html_dir(
    dir: &std::path::Path,
    store: &Store,
    progress: &ProgressBar,
) -> anyhow::Result<ImportReport> {
    let mut files = Vec::new();
    html_files(dir, &mut files)
        .map_err(|e| anyhow::anyhow!("import: cannot read {}: {e}", dir.display()))?;
    files.sort();
    progress.set_length(files.len() as u64);
    let folder = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_string()))
        .unwrap_or_else(|| "saved pages".to_string());
    let mut sink = ImportSink::new(store, ImportReport::default());
    for (i, path) in files.iter().enumerate() {
        progress.inc(1);
        let bytes = match read_maybe_gz(path) {
            Ok(b) => b,
            Err(e) => {
                sink.report
                    .errors
                    .push((i + 1, format!("{}: cannot read: {e}", path.display())));
                continue;
            }
        };
        let x = extract::extract_bytes(&bytes, None, None);
        let file_url = path
            .canonicalize()
            .ok()
            .and_then(|p| url::Url::from_file_path(p).ok())
            .map(|u| u.to_string())
            .unwrap_or_else(|| path.display().to_string());
        let link = x.canonical_url.clone().unwrap_or(file_url);
        let title = x.title.clone().unwrap_or_else(|| page_id(path));
        let source = x.site_name.clone().unwrap_or_else(|| folder.clone());
        let entry = Entry {
            title,
            link,
            ..Default::default()
        };
        let article = article_from(&source, &entry, Some(x), None);
        sink.put(&source, None, &article).await?;
    }
    Ok(sink.report)
}

/// How far back published editions count for novelty.
pub const NOVELTY_WEEKS: i64 = 8;

/// The editions published in the `NOVELTY_WEEKS` before a window's end, with their times.
pub async fn earlier_editions(
    store: &Store,
    window: Window,
) -> anyhow::Result<Vec<(DateTime<Utc>, Edition)>> {
    Ok(store
        .published_since(window.from - chrono::Duration::weeks(NOVELTY_WEEKS))
        .await?
        .into_iter()
        .filter(|(at, _)| *at < window.to)
        .collect())
}

/// Builds the draft edition for a window from the store and keeps it there; returns it with
/// the editors' work on that window replayed over it.
pub async fn draft(
    config: &Config,
    store: &Store,
    window: Window,
    size: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<Edition> {
    let watermark = store.watermark().await?;
    let articles = store.articles_in(window).await?;
    let earlier = earlier_editions(store, window).await?;
    let stories = crate::stories::build_stories(articles, config, window, &earlier);
    let mut edition = crate::edition::draft::build(&stories, config, window, size, now);
    rewrite(config, store, &mut edition).await?;
    store.save_draft(&edition, watermark).await?;
    let events = store.events(window).await?;
    Ok(crate::edition::curate::apply(&edition, &events).edition)
}

/// Rewrites the edition's stories through the configured model, when `[rewrite]` names an
/// endpoint: answers come from the store's cache when the same request was made before; a
/// failed request keeps the extractive text (with a warning) and the draft goes on.
async fn rewrite(config: &Config, store: &Store, edition: &mut Edition) -> anyhow::Result<()> {
    use crate::summarize::rewrite::{Client, Request, parse_answer};
    let Some(client) = Client::from_config(&config.rewrite)? else {
        return Ok(());
    };
    let lang = config.beat.language.clone();
    for item in &mut edition.stories {
        let request = Request::for_item(item, &lang);
        let key = request.key(client.model());
        let cached = store.cached_rewrite(&key).await?;
        let fresh = cached.is_none();
        let answer = match cached {
            Some(answer) => Ok(answer),
            None => client.complete(&request).await,
        };
        // Only usable answers are cached, so a bad one is asked again next time.
        match answer.and_then(|a| parse_answer(&a).map(|r| (a, r))) {
            Ok((answer, r)) => {
                if fresh {
                    store.cache_rewrite(&key, &answer).await?;
                }
                item.headline = r.headline;
                item.summary = r.summary;
            }
            Err(e) => tracing::warn!("story {}: keeping the extractive summary: {e}", item.rank),
        }
    }
    Ok(())
}

/// A spinner or bar on stderr for long steps; hidden when stderr is not a terminal.
pub fn progress_bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix:>10.bold} [{bar:30}] {pos}/{len} {wide_msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb.set_prefix(what.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

pub mod desk;
pub mod metrics;
pub mod service;
pub mod worker;
