//! The embedded SQLite backend: one file, WAL journal, FTS5 search.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, sqlite::SqliteRow};

use super::{FetchRecord, SourceHealth, SourceSchedule, StoreError, Upsert, fmt_time, parse_time};
use crate::model::{Article, Edition, SourceKind, Validators, Window};
use crate::text::tokens::for_index;

/// Migrations, in order: (version, SQL).
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_source_health.sql"),
    ),
    (
        3,
        include_str!("../../migrations/sqlite/0003_source_pause.sql"),
    ),
    (
        4,
        include_str!("../../migrations/sqlite/0004_adaptive_polling.sql"),
    ),
];

/// The store handle; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

/// Columns read for an [`Article`], in [`article_from_row`]'s order.
const ARTICLE_COLUMNS: &str = "a.id, s.name, a.link, a.canonical_url, a.title, a.published, a.author, a.lang, a.summary, a.body, a.site_name, a.image, a.seen_at";

impl Store {
    /// Opens (creating if needed) the SQLite store at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|source| StoreError::Open {
                path: path.display().to_string(),
                source,
            })?;
        let store = Store { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
            .execute(&self.pool)
            .await?;
        let current: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        for &(version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            let mut tx = self.write_tx().await?;
            sqlx::raw_sql(sql)
                .execute(&mut *tx)
                .await
                .map_err(|source| StoreError::Migrate { version, source })?;
            sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)")
                .bind(version)
                .bind(fmt_time(Utc::now()))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// A write transaction that takes the write lock up front, so that concurrent writers
    /// wait for each other (busy timeout) instead of failing on a stale snapshot.
    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
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
        let row = sqlx::query(
            "INSERT INTO sources (name, url, kind, weight, lang) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(name) DO UPDATE SET
                moved_to = CASE WHEN excluded.url IS NOT sources.url THEN NULL ELSE sources.moved_to END,
                url = COALESCE(excluded.url, sources.url),
                weight = excluded.weight,
                lang = COALESCE(excluded.lang, sources.lang)
             RETURNING id",
        )
        .bind(name)
        .bind(url)
        .bind(kind.as_str())
        .bind(weight)
        .bind(lang)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The validators stored from a source's last good fetch.
    pub async fn validators(&self, source_id: i64) -> Result<Validators, StoreError> {
        let row = sqlx::query("SELECT etag, last_modified FROM sources WHERE id = ?")
            .bind(source_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Validators {
                etag: r.try_get(0)?,
                last_modified: r.try_get(1)?,
            },
            None => Validators::default(),
        })
    }

    /// Records the outcome of a fetch; returns the source's consecutive failures after it.
    pub async fn record_fetch(
        &self,
        source_id: i64,
        record: &FetchRecord,
    ) -> Result<i64, StoreError> {
        let now = fmt_time(Utc::now());
        let q = match record {
            FetchRecord::Ok { etag, last_modified } => sqlx::query(
                "UPDATE sources SET last_status = 'ok', last_error = NULL, last_fetch_at = ?1, last_ok_at = ?1,
                 failures = 0, etag = ?2, last_modified = ?3 WHERE id = ?4 RETURNING failures",
            )
            .bind(now)
            .bind(etag.clone())
            .bind(last_modified.clone())
            .bind(source_id),
            FetchRecord::NotModified => sqlx::query(
                "UPDATE sources SET last_status = 'not_modified', last_error = NULL, last_fetch_at = ?1,
                 last_ok_at = ?1, failures = 0 WHERE id = ?2 RETURNING failures",
            )
            .bind(now)
            .bind(source_id),
            FetchRecord::Error(msg) => sqlx::query(
                "UPDATE sources SET last_status = 'error', last_error = ?1, last_fetch_at = ?2,
                 failures = failures + 1 WHERE id = ?3 RETURNING failures",
            )
            .bind(msg.clone())
            .bind(now)
            .bind(source_id),
        };
        Ok(q.fetch_one(&self.pool).await?.try_get(0)?)
    }

    /// Sets a source's state, its next attempt (none: whenever asked), how long the last fetch
    /// took, and (for a moved source) its new URL.
    pub async fn schedule(
        &self,
        source_id: i64,
        state: &str,
        next_attempt: Option<chrono::DateTime<Utc>>,
        took_ms: i64,
        moved_to: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sources SET state = ?, next_attempt = ?, last_duration_ms = ?,
             moved_to = COALESCE(?, moved_to) WHERE id = ?",
        )
        .bind(state)
        .bind(next_attempt.map(fmt_time))
        .bind(took_ms)
        .bind(moved_to)
        .bind(source_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records how often a source is polled and when it is next due.
    pub async fn schedule_poll(
        &self,
        source_id: i64,
        every: std::time::Duration,
    ) -> Result<(), StoreError> {
        let next =
            Utc::now() + chrono::Duration::from_std(every).unwrap_or(chrono::Duration::hours(1));
        sqlx::query("UPDATE sources SET poll_every_secs = ?, next_poll = ? WHERE id = ?")
            .bind(every.as_secs() as i64)
            .bind(fmt_time(next))
            .bind(source_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Pauses or resumes a source by name; false when no source has that name yet.
    pub async fn set_paused(&self, name: &str, paused: bool) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE sources SET paused = ?, next_attempt = NULL WHERE name = ?")
            .bind(paused)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Retention: clears the body text of articles older than `before` (title, link, summary
    /// and search index stay) and deletes drafts built before it, except the latest. Returns
    /// (articles pruned, drafts deleted).
    pub async fn prune(&self, before: chrono::DateTime<Utc>) -> Result<(u64, u64), StoreError> {
        let cut = fmt_time(before);
        let mut tx = self.write_tx().await?;
        let articles = sqlx::query(
            "UPDATE articles SET body = '' WHERE body != '' AND COALESCE(published, seen_at) < ?",
        )
        .bind(&cut)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let drafts = sqlx::query(
            "DELETE FROM drafts WHERE created_at < ? AND id != (SELECT MAX(id) FROM drafts)",
        )
        .bind(&cut)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok((articles, drafts))
    }

    /// Writes a consistent copy of the store to `path` while it stays in use.
    pub async fn backup(&self, path: &Path) -> Result<(), StoreError> {
        sqlx::query("VACUUM INTO ?")
            .bind(path.display().to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Everything that decides whether and where a source is fetched now, in one read.
    pub async fn source_schedule(&self, source_id: i64) -> Result<SourceSchedule, StoreError> {
        let row = sqlx::query(
            "SELECT paused, state, next_attempt, moved_to, next_poll, poll_every_secs FROM sources WHERE id = ?",
        )
        .bind(source_id)
        .fetch_one(&self.pool)
        .await?;
        let time = |i: usize| -> Result<Option<chrono::DateTime<Utc>>, StoreError> {
            let t: Option<String> = row.try_get(i)?;
            Ok(t.as_deref().and_then(parse_time))
        };
        let every: Option<i64> = row.try_get(5)?;
        Ok(SourceSchedule {
            paused: row.try_get::<i64, _>(0)? != 0,
            state: row.try_get(1)?,
            next_attempt: time(2)?,
            moved_to: row.try_get(3)?,
            next_poll: time(4)?,
            poll_every: every.map(|s| std::time::Duration::from_secs(s.max(0) as u64)),
        })
    }

    /// Every source with its health, by name.
    pub async fn sources(&self) -> Result<Vec<SourceHealth>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.name, s.url, s.kind, s.last_status, s.last_error, s.last_fetch_at, s.last_ok_at, s.failures,
                    (SELECT COUNT(*) FROM articles a WHERE a.source_id = s.id),
                    CASE WHEN s.paused THEN 'paused' ELSE s.state END, s.next_attempt, s.moved_to, s.poll_every_secs
             FROM sources s ORDER BY s.name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SourceHealth {
                    name: r.try_get(0)?,
                    url: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    last_status: r.try_get(3)?,
                    last_error: r.try_get(4)?,
                    last_fetch_at: r.try_get(5)?,
                    last_ok_at: r.try_get(6)?,
                    failures: r.try_get(7)?,
                    articles: r.try_get(8)?,
                    state: r.try_get(9)?,
                    next_attempt: r.try_get(10)?,
                    moved_to: r.try_get(11)?,
                    poll_every_secs: r.try_get(12)?,
                })
            })
            .collect()
    }

    /// Which of these links are already stored (one query per 500 links).
    pub async fn known_links(&self, links: &[String]) -> Result<HashSet<String>, StoreError> {
        let mut known = HashSet::new();
        for chunk in links.chunks(500) {
            let list =
                serde_json::to_string(chunk).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            let rows = sqlx::query(
                "SELECT link FROM articles WHERE link IN (SELECT value FROM json_each(?))",
            )
            .bind(list)
            .fetch_all(&self.pool)
            .await?;
            for r in rows {
                known.insert(r.try_get(0)?);
            }
        }
        Ok(known)
    }

    /// Stores an article under a source, keyed by its link; idempotent.
    pub async fn upsert_article(
        &self,
        source_id: i64,
        guid: Option<&str>,
        a: &Article,
    ) -> Result<Upsert, StoreError> {
        let hash = content_hash(a);
        let mut tx = self.write_tx().await?;
        let existing = sqlx::query("SELECT id, content_hash FROM articles WHERE link = ?")
            .bind(&a.link)
            .fetch_optional(&mut *tx)
            .await?;
        let published = a.published.map(fmt_time);
        let outcome = match existing {
            Some(row) => {
                let id: i64 = row.try_get(0)?;
                let old: String = row.try_get(1)?;
                if old == hash {
                    return Ok(Upsert::Unchanged(id));
                }
                bind_content(
                    sqlx::query(
                        "UPDATE articles SET canonical_url = ?, title = ?, published = COALESCE(?, published),
                         author = ?, lang = ?, summary = ?, body = ?, site_name = ?, image = ?, content_hash = ?
                         WHERE id = ?",
                    ),
                    a,
                    &published,
                    &hash,
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM articles_fts WHERE rowid = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                Upsert::Updated(id)
            }
            None => {
                let insert = sqlx::query(
                    "INSERT INTO articles (source_id, guid, link, seen_at, canonical_url, title, published, author,
                     lang, summary, body, site_name, image, content_hash)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(source_id)
                .bind(guid)
                .bind(&a.link)
                .bind(fmt_time(Utc::now()));
                let row = bind_content(insert, a, &published, &hash)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query("UPDATE sources SET entries_total = entries_total + 1 WHERE id = ?")
                    .bind(source_id)
                    .execute(&mut *tx)
                    .await?;
                Upsert::Inserted(row.try_get(0)?)
            }
        };
        let id = match outcome {
            Upsert::Inserted(id) | Upsert::Updated(id) | Upsert::Unchanged(id) => id,
        };
        sqlx::query("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)")
            .bind(id)
            .bind(for_index(&a.title))
            .bind(for_index(a.body()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Articles whose publication time (or, lacking one, the time they were first seen) falls
    /// in the window, oldest first.
    pub async fn articles_in(&self, window: Window) -> Result<Vec<Article>, StoreError> {
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
             WHERE COALESCE(a.published, a.seen_at) >= ? AND COALESCE(a.published, a.seen_at) < ?
             ORDER BY COALESCE(a.published, a.seen_at), a.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(fmt_time(window.from))
            .bind(fmt_time(window.to))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(article_from_row).collect()
    }

    /// Full-text search over titles and bodies, in Chinese or English; best matches first.
    pub async fn search(&self, query: &str, limit: i64) -> Result<Vec<Article>, StoreError> {
        let terms: Vec<String> = for_index(query)
            .split_whitespace()
            .map(|w| format!("\"{}\"", w.replace('"', "")))
            .collect();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles_fts f JOIN articles a ON a.id = f.rowid
             JOIN sources s ON s.id = a.source_id WHERE articles_fts MATCH ? ORDER BY bm25(articles_fts, 3.0, 1.0), a.id LIMIT ?"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(terms.join(" AND "))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(article_from_row).collect()
    }

    /// Keeps a built draft, so that `serve` can show the latest one.
    pub async fn save_draft(&self, edition: &Edition) -> Result<i64, StoreError> {
        let json = serde_json::to_string(edition).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let row = sqlx::query(
            "INSERT INTO drafts (created_at, window_from, window_to, edition_json) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(fmt_time(edition.generated_at))
        .bind(fmt_time(edition.window.from))
        .bind(fmt_time(edition.window.to))
        .bind(json)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The most recently built draft, if any.
    pub async fn latest_draft(&self) -> Result<Option<Edition>, StoreError> {
        let row = sqlx::query("SELECT edition_json FROM drafts ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let json: String = r.try_get(0)?;
                serde_json::from_str(&json)
                    .map(Some)
                    .map_err(|e| StoreError::Query(sqlx::Error::Decode(Box::new(e))))
            }
        }
    }

    /// Number of stored articles.
    pub async fn article_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) FROM articles")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    /// Closes the pool, flushing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

type SqliteQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

/// Binds an article's content columns, in the order both the insert and the update name them:
/// canonical_url, title, published, author, lang, summary, body, site_name, image, content_hash.
fn bind_content<'q>(
    q: SqliteQuery<'q>,
    a: &Article,
    published: &Option<String>,
    hash: &str,
) -> SqliteQuery<'q> {
    q.bind(a.canonical_url.clone())
        .bind(a.title.clone())
        .bind(published.clone())
        .bind(a.author.clone())
        .bind(a.lang.clone())
        .bind(a.summary.clone())
        .bind(a.text.clone())
        .bind(a.site_name.clone())
        .bind(a.image.clone())
        .bind(hash.to_string())
}

fn article_from_row(r: &SqliteRow) -> Result<Article, StoreError> {
    let published: Option<String> = r.try_get(5)?;
    let seen_at: String = r.try_get(12)?;
    Ok(Article {
        id: r.try_get(0)?,
        source: r.try_get(1)?,
        link: r.try_get(2)?,
        canonical_url: r.try_get(3)?,
        title: r.try_get(4)?,
        published: published
            .as_deref()
            .and_then(parse_time)
            .or_else(|| parse_time(&seen_at)),
        author: r.try_get(6)?,
        lang: r.try_get(7)?,
        summary: r.try_get(8)?,
        text: r.try_get(9)?,
        site_name: r.try_get(10)?,
        image: r.try_get(11)?,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn article(link: &str, title: &str, text: &str) -> Article {
        Article {
            link: link.to_string(),
            title: title.to_string(),
            text: text.to_string(),
            published: crate::text::dates::parse_datetime("2025-11-18T09:00:00+08:00"),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn upserts_are_idempotent_and_searchable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("r.db")).await.unwrap();
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
        assert_eq!(store.article_count().await.unwrap(), 1);
        let hits = store.search("北京首店", 10).await.unwrap();
        assert_eq!(hits.len(), 1, "Chinese search");
        assert_eq!(hits[0].source, "36氪");
        assert!(store.search("上海", 10).await.unwrap().is_empty());
        // Reopening keeps everything and does not re-run migrations.
        store.close().await;
        let again = Store::open(&dir.path().join("r.db")).await.unwrap();
        assert_eq!(again.article_count().await.unwrap(), 1);
        assert_eq!(again.search("更新", 10).await.unwrap().len(), 1);
    }
}

#[cfg(test)]
mod concurrency_tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("r.db")).await.unwrap();
        let mut tasks = Vec::new();
        for w in 0..4 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let src = store
                    .ensure_source(&format!("s{w}"), None, SourceKind::Import, 1.0, None)
                    .await
                    .unwrap();
                for i in 0..25 {
                    let a = Article {
                        link: format!("https://x.org/{w}/{i}"),
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
        assert_eq!(store.article_count().await.unwrap(), 100);
    }
}

#[cfg(test)]
mod migration_tests {
    use super::MIGRATIONS;

    #[test]
    fn every_migration_file_is_registered_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        assert_eq!(files.len(), MIGRATIONS.len(), "{files:?}");
        for (i, (file, (version, sql))) in files.iter().zip(MIGRATIONS).enumerate() {
            let number: i64 = file[..4].parse().unwrap();
            assert_eq!(number, *version, "{file}");
            assert_eq!(*version, i as i64 + 1);
            let on_disk = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("migrations/sqlite")
                    .join(file),
            )
            .unwrap();
            assert_eq!(&on_disk, sql, "{file}");
        }
    }
}
