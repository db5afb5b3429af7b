//! Memory: one [`Store`] API over two backends, the embedded SQLite file (the default) and
//! PostgreSQL (shared by many workers on many machines).
//!
//! The store is the only shared state. Writes are idempotent: an article is keyed by its link,
//! and storing it again changes nothing unless its content hash differs, so re-running a fetch
//! or an import is always safe. The schema is created and migrated on first use from the SQL
//! files under `migrations/sqlite/` and `migrations/postgres/`. Each write is its own
//! transaction: a crash loses at most the item being written.
//!
//! One database can hold several beats: a [`Store`] handle is opened for one beat and sees only
//! that beat's sources, articles, drafts and jobs. Work shared by several processes goes
//! through [`Store::enqueue`] and [`Store::claim`]: a claimed [`Job`] is leased to one worker
//! and returns to the queue when the lease runs out, so a worker that dies loses nothing.

mod desk;
pub use desk::{PendingSend, Subscriber, User};
mod postgres;
mod sqlite;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use thiserror::Error;

use crate::model::{Article, Edition, SourceKind, Validators, Window};

/// The beat a store handle opens when none is named.
pub const DEFAULT_BEAT: &str = "default";

/// Whether `id` can name a beat in the store: 1 to 64 ASCII letters, digits, `-` or `_`.
pub fn valid_beat_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Where a store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file, created if missing.
    Sqlite(PathBuf),
    /// A PostgreSQL URL.
    Postgres(String),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            // Never show a password.
            Location::Postgres(url) => match url::Url::parse(url) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    write!(f, "{u}")
                }
                Err(_) => write!(f, "postgres://…"),
            },
        }
    }
}

/// A handle on the store of one beat; cheap to clone.
#[derive(Clone, Debug)]
pub enum Store {
    /// The embedded SQLite backend.
    Sqlite(sqlite::SqliteStore),
    /// The PostgreSQL backend.
    Postgres(postgres::PgStore),
}

/// One unit of shared work: fetch a source, rebuild a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Its id.
    pub id: i64,
    /// What to do: `fetch` or `draft`.
    pub kind: String,
    /// What to do it to: a source name for `fetch`.
    pub target: String,
    /// How many times it has been claimed, this time included.
    pub attempts: i64,
}

/// Counts of the job queue of a beat.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    /// Waiting to be claimed.
    pub queued: i64,
    /// Claimed under a live lease.
    pub running: i64,
    /// Finished.
    pub done: i64,
    /// Finished jobs that had to be claimed more than once (a worker died or was too slow).
    pub retried: i64,
}

/// An exclusive right to change a beat's stories, held until released (or, for a process that
/// dies, until its connection or lease ends).
pub enum BeatLock {
    /// SQLite: a lease row.
    Sqlite(sqlite::SqliteLock),
    /// PostgreSQL: a session advisory lock on a held connection.
    Postgres(postgres::PgLock),
}

impl BeatLock {
    /// Gives the lock back.
    pub async fn release(self) -> Result<(), StoreError> {
        match self {
            BeatLock::Sqlite(l) => l.release().await,
            BeatLock::Postgres(l) => l.release().await,
        }
    }
}

/// Calls the same method on whichever backend the handle holds.
macro_rules! each {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Store::Sqlite($s) => $e,
            Store::Postgres($s) => $e,
        }
    };
}

impl Store {
    /// Opens (creating if needed) the SQLite store at `path` for the default beat.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        Store::connect(&Location::Sqlite(path.to_path_buf()), DEFAULT_BEAT).await
    }

    /// Opens the store at `location` for `beat`, bringing its schema up to date.
    pub async fn connect(location: &Location, beat: &str) -> Result<Store, StoreError> {
        if !valid_beat_id(beat) {
            return Err(StoreError::Beat(beat.to_string()));
        }
        match location {
            Location::Sqlite(path) => {
                Ok(Store::Sqlite(sqlite::SqliteStore::open(path, beat).await?))
            }
            Location::Postgres(url) => {
                Ok(Store::Postgres(postgres::PgStore::open(url, beat).await?))
            }
        }
    }

    /// Which backend this is: "sqlite" or "postgres".
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// The beat this handle sees.
    pub fn beat(&self) -> &str {
        each!(self, s => s.beat())
    }

    /// The schema version in force.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        each!(self, s => s.schema_version().await)
    }

    /// Creates or updates a source by name; returns its id.
    pub async fn ensure_source(
        &self,
        name: &str,
        url: Option<&str>,
        kind: SourceKind,
        weight: f64,
        lang: Option<&str>,
    ) -> Result<i64, StoreError> {
        each!(self, s => s.ensure_source(name, url, kind, weight, lang).await)
    }

    /// Keeps an edition as published on `published_at` (replacing one of the same title and
    /// time): what novelty is judged against.
    pub async fn save_published(
        &self,
        edition: &Edition,
        published_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        each!(self, s => s.save_published(edition, published_at).await)
    }

    /// Editions published since `since`, oldest first, with their publication times.
    pub async fn published_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, Edition)>, StoreError> {
        each!(self, s => s.published_since(since).await)
    }

    /// The rewriting model's cached answer to the request hashed as `key`.
    pub async fn cached_rewrite(&self, key: &str) -> Result<Option<String>, StoreError> {
        each!(self, s => s.cached_rewrite(key).await)
    }

    /// Caches the rewriting model's answer to the request hashed as `key`.
    pub async fn cache_rewrite(&self, key: &str, answer: &str) -> Result<(), StoreError> {
        each!(self, s => s.cache_rewrite(key, answer).await)
    }

    /// The validators stored from a source's last good fetch.
    pub async fn validators(&self, source_id: i64) -> Result<Validators, StoreError> {
        each!(self, s => s.validators(source_id).await)
    }

    /// Records the outcome of a fetch; returns the source's consecutive failures after it.
    pub async fn record_fetch(
        &self,
        source_id: i64,
        record: &FetchRecord,
    ) -> Result<i64, StoreError> {
        each!(self, s => s.record_fetch(source_id, record).await)
    }

    /// Sets a source's state, its next attempt (none: whenever asked), how long the last fetch
    /// took, and (for a moved source) its new URL.
    pub async fn schedule(
        &self,
        source_id: i64,
        state: &str,
        next_attempt: Option<DateTime<Utc>>,
        took_ms: i64,
        moved_to: Option<&str>,
    ) -> Result<(), StoreError> {
        each!(self, s => s.schedule(source_id, state, next_attempt, took_ms, moved_to).await)
    }

    /// Records how often a source is polled and when it is next due.
    pub async fn schedule_poll(&self, source_id: i64, every: Duration) -> Result<(), StoreError> {
        each!(self, s => s.schedule_poll(source_id, every).await)
    }

    /// Pauses or resumes a source by name; false when no source has that name yet.
    pub async fn set_paused(&self, name: &str, paused: bool) -> Result<bool, StoreError> {
        each!(self, s => s.set_paused(name, paused).await)
    }

    /// Retention: clears the body text of articles older than `before` (title, link, summary
    /// and search index stay) and deletes drafts built before it, except the latest. Returns
    /// (articles pruned, drafts deleted).
    pub async fn prune(&self, before: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
        each!(self, s => s.prune(before).await)
    }

    /// Writes a consistent copy of an SQLite store to `path` while it stays in use. PostgreSQL
    /// has its own tools for that (`pg_dump`), which this refuses in favour of.
    pub async fn backup(&self, path: &Path) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.backup(path).await,
            Store::Postgres(_) => Err(StoreError::Unsupported(
                "backup of a PostgreSQL store: use pg_dump (and pg_restore to restore)",
            )),
        }
    }

    /// Everything that decides whether and where a source is fetched now, in one read.
    pub async fn source_schedule(&self, source_id: i64) -> Result<SourceSchedule, StoreError> {
        each!(self, s => s.source_schedule(source_id).await)
    }

    /// Every source of the beat with its health, by name.
    pub async fn sources(&self) -> Result<Vec<SourceHealth>, StoreError> {
        each!(self, s => s.sources().await)
    }

    /// Which of these links the beat already stores.
    pub async fn known_links(&self, links: &[String]) -> Result<HashSet<String>, StoreError> {
        each!(self, s => s.known_links(links).await)
    }

    /// Stores an article under a source, keyed by its link; idempotent.
    pub async fn upsert_article(
        &self,
        source_id: i64,
        guid: Option<&str>,
        a: &Article,
    ) -> Result<Upsert, StoreError> {
        each!(self, s => s.upsert_article(source_id, guid, a).await)
    }

    /// Articles whose publication time (or, lacking one, the time they were first seen) falls
    /// in the window, oldest first.
    pub async fn articles_in(&self, window: Window) -> Result<Vec<Article>, StoreError> {
        each!(self, s => s.articles_in(window).await)
    }

    /// Full-text search over titles and bodies, in Chinese or English; best matches first.
    pub async fn search(&self, query: &str, limit: i64) -> Result<Vec<Article>, StoreError> {
        each!(self, s => s.search(query, limit).await)
    }

    /// Keeps a built draft, so that `serve` can show the latest one; `watermark` is the
    /// [`Store::watermark`] read before the draft's articles were.
    pub async fn save_draft(&self, edition: &Edition, watermark: i64) -> Result<i64, StoreError> {
        each!(self, s => s.save_draft(edition, watermark).await)
    }

    /// The highest article id of the beat (0 when it has none): articles stored later have
    /// higher ids.
    pub async fn watermark(&self) -> Result<i64, StoreError> {
        each!(self, s => s.watermark().await)
    }

    /// The watermark of the latest draft, if there is one.
    pub async fn draft_watermark(&self) -> Result<Option<i64>, StoreError> {
        each!(self, s => s.draft_watermark().await)
    }

    /// The most recently built draft, if any.
    pub async fn latest_draft(&self) -> Result<Option<Edition>, StoreError> {
        each!(self, s => s.latest_draft().await)
    }

    /// Number of stored articles of the beat.
    pub async fn article_count(&self) -> Result<i64, StoreError> {
        each!(self, s => s.article_count().await)
    }

    /// Queues a job of `kind` for each target, except those already waiting or running;
    /// returns how many were queued.
    pub async fn enqueue(
        &self,
        kind: &str,
        targets: &[String],
        run_at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        each!(self, s => s.enqueue(kind, targets, run_at).await)
    }

    /// Plans a round: when no round of the beat was planned in the last `every`, queues a job
    /// of `kind` for each target (as [`Store::enqueue`]) and returns how many; `None` when
    /// another process planned one recently. Of several workers started together, one plans
    /// and the others see its jobs.
    pub async fn plan_round(
        &self,
        kind: &str,
        targets: &[String],
        every: Duration,
    ) -> Result<Option<u64>, StoreError> {
        each!(self, s => s.plan_round(kind, targets, every).await)
    }

    /// Claims up to `n` ready jobs for `owner`, each leased for `lease`. Jobs whose lease ran
    /// out (their worker died) are ready again; no two live leases ever cover one job.
    pub async fn claim(
        &self,
        owner: &str,
        lease: Duration,
        n: i64,
    ) -> Result<Vec<Job>, StoreError> {
        each!(self, s => s.claim(owner, lease, n).await)
    }

    /// Extends `owner`'s lease on a job; false when the lease was lost.
    pub async fn renew(&self, job: i64, owner: &str, lease: Duration) -> Result<bool, StoreError> {
        each!(self, s => s.renew(job, owner, lease).await)
    }

    /// Marks a job done with its outcome; false when `owner` no longer held it.
    pub async fn finish(&self, job: i64, owner: &str, outcome: &str) -> Result<bool, StoreError> {
        each!(self, s => s.finish(job, owner, outcome).await)
    }

    /// Gives a claimed job back to the queue, ready again at `run_at`.
    pub async fn give_back(
        &self,
        job: i64,
        owner: &str,
        run_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        each!(self, s => s.give_back(job, owner, run_at).await)
    }

    /// Counts of the beat's job queue.
    pub async fn job_counts(&self) -> Result<JobCounts, StoreError> {
        each!(self, s => s.job_counts().await)
    }

    /// Takes the beat's story lock for `owner` if no one holds it; `None` when someone does.
    pub async fn try_lock_beat(
        &self,
        owner: &str,
        ttl: Duration,
    ) -> Result<Option<BeatLock>, StoreError> {
        each!(self, s => s.try_lock_beat(owner, ttl).await)
    }

    /// Closes the pool, flushing what is pending.
    pub async fn close(&self) {
        each!(self, s => s.close().await)
    }
}

/// Why a store operation failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error("store: cannot open {path}: {source}; check that the folder exists and is writable")]
    Open {
        /// The file.
        path: String,
        /// The cause.
        source: sqlx::Error,
    },
    /// A schema migration failed.
    #[error("store: migration {version} failed: {source}")]
    Migrate {
        /// Migration number.
        version: i64,
        /// The cause.
        source: sqlx::Error,
    },
    /// A query failed.
    #[error("store: {0}")]
    Query(#[from] sqlx::Error),
    /// A beat id that cannot be used.
    #[error("store: beat id {0:?} is not valid: use 1 to 64 letters, digits, '-' or '_'")]
    Beat(String),
    /// The backend cannot do this.
    #[error("store: {0}")]
    Unsupported(&'static str),
}

/// A source as the store knows it, with its health.
#[derive(Debug, Clone, Serialize)]
pub struct SourceHealth {
    /// Display name.
    pub name: String,
    /// Feed URL, when it is a feed.
    pub url: Option<String>,
    /// "feed" or "import".
    pub kind: String,
    /// ok, not_modified or error; none before the first fetch.
    pub last_status: Option<String>,
    /// The last error message.
    pub last_error: Option<String>,
    /// When it was last fetched.
    pub last_fetch_at: Option<String>,
    /// When it last fetched without error.
    pub last_ok_at: Option<String>,
    /// Consecutive failures.
    pub failures: i64,
    /// Articles stored from it.
    pub articles: i64,
    /// new, ok, slow, failing, dead or moved.
    pub state: String,
    /// Not fetched again before this time.
    pub next_attempt: Option<String>,
    /// The URL it moved to, after permanent redirects.
    pub moved_to: Option<String>,
    /// How often it is polled, from its observed cadence.
    pub poll_every_secs: Option<i64>,
}

/// A source's schedule: whether and where it is fetched now.
#[derive(Debug, Clone)]
pub struct SourceSchedule {
    /// Paused by an editor.
    pub paused: bool,
    /// new, ok, slow, failing, dead or moved.
    pub state: String,
    /// Not fetched again before this time (backoff, Retry-After).
    pub next_attempt: Option<DateTime<Utc>>,
    /// The URL it moved to, after permanent redirects.
    pub moved_to: Option<String>,
    /// When adaptive polling next asks for it.
    pub next_poll: Option<DateTime<Utc>>,
    /// Its adaptive poll interval.
    pub poll_every: Option<std::time::Duration>,
}

/// What storing an article did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// A new article.
    Inserted(i64),
    /// Known, and its content changed.
    Updated(i64),
    /// Known and unchanged.
    Unchanged(i64),
}

/// The outcome of one fetch of a source, to record its health.
#[derive(Debug, Clone)]
pub enum FetchRecord {
    /// Fetched and parsed; the validators to send next time.
    Ok {
        /// ETag to send next time.
        etag: Option<String>,
        /// Last-Modified to send next time.
        last_modified: Option<String>,
    },
    /// 304 Not Modified.
    NotModified,
    /// Failed, with the message shown to the user.
    Error(String),
}

/// Columns read for an [`Article`] (`a` articles joined to `s` sources), in the order each
/// backend's `article_from_row` reads them.
const ARTICLE_COLUMNS: &str = "a.id, s.name, a.link, a.canonical_url, a.title, a.published, a.author, a.lang, a.summary, a.body, a.site_name, a.image, a.seen_at";

/// The time `d` from now (an hour when `d` is out of range), for leases and schedules.
fn later(d: Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::hours(1))
}

/// An edition as the drafts table keeps it.
fn edition_json(edition: &Edition) -> Result<String, StoreError> {
    serde_json::to_string(edition).map_err(|e| StoreError::Query(sqlx::Error::Encode(Box::new(e))))
}

/// An edition read back from the drafts table.
fn edition_from_json(json: &str) -> Result<Edition, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Query(sqlx::Error::Decode(Box::new(e))))
}

/// Claimed jobs from rows of `id, kind, target, attempts`, oldest first.
fn jobs_from_rows<R: sqlx::Row>(rows: &[R]) -> Result<Vec<Job>, StoreError>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut jobs = rows
        .iter()
        .map(|r| {
            Ok(Job {
                id: r.try_get(0)?,
                kind: r.try_get(1)?,
                target: r.try_get(2)?,
                attempts: r.try_get(3)?,
            })
        })
        .collect::<Result<Vec<Job>, StoreError>>()?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

/// Hash of what an article says, to tell a changed article from a repeat.
fn content_hash(a: &Article) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for part in [
        a.title.as_str(),
        a.summary.as_deref().unwrap_or(""),
        a.text.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    format!("{:032x}", h.digest128())
}

/// Formats a time the way the store keeps it.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses a time the store wrote.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
