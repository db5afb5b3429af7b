//! Memory: one [`Store`] API over the embedded SQLite backend.
//!
//! The store is the only shared state. Writes are idempotent: an article is keyed by its link,
//! and storing it again changes nothing unless its content hash differs, so re-running a fetch
//! or an import is always safe. The schema is created and migrated on first use from the SQL
//! files under `migrations/sqlite/`. Each write is its own transaction: a crash loses at most
//! the item being written.

mod sqlite;

pub use sqlite::Store;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use thiserror::Error;

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
