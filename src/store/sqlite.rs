//! The embedded SQLite backend: one file, WAL journal, FTS5 search.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, sqlite::SqliteRow};

use super::{
    ARTICLE_COLUMNS, FetchRecord, Job, JobCounts, SourceHealth, SourceSchedule, StoreError, Upsert,
    content_hash, edition_from_json, edition_json, fmt_time, jobs_from_rows, parse_time,
};
use crate::model::{Article, Edition, SourceKind, Validators, Window};
use crate::text::tokens::for_index;

/// Migrations, in order: (version, SQL).
pub(super) const MIGRATIONS: &[(i64, &str)] = &[
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
    (
        5,
        include_str!("../../migrations/sqlite/0005_beats_and_jobs.sql"),
    ),
    (
        6,
        include_str!("../../migrations/sqlite/0006_published_editions.sql"),
    ),
    (7, include_str!("../../migrations/sqlite/0007_rewrites.sql")),
    (8, include_str!("../../migrations/sqlite/0008_desk.sql")),
];

/// The SQLite store of one beat; cheap to clone.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    beat: String,
}

/// A beat's story lock on SQLite: a lease row in `locks`.
pub struct SqliteLock {
    pool: SqlitePool,
    name: String,
    owner: String,
}

impl SqliteLock {
    pub(super) async fn release(self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM locks WHERE name = ? AND owner = ?")
            .bind(&self.name)
            .bind(&self.owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Whether an error is SQLite's "database is busy/locked", which clears once the other
/// connection is done.
fn is_busy(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .and_then(|c| c.parse::<i32>().ok())
        // Primary codes 5 (SQLITE_BUSY) and 6 (SQLITE_LOCKED), with or without extended bits.
        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
}

fn later(d: Duration) -> String {
    fmt_time(super::later(d))
}

impl SqliteStore {
    /// Opens (creating if needed) the SQLite store at `path` and brings its schema up to date.
    pub(super) async fn open(path: &Path, beat: &str) -> Result<SqliteStore, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // Several processes opening a new file at once race to switch it to WAL; SQLite
        // answers that race with SQLITE_BUSY without calling the busy handler, so retry it.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut pause = Duration::from_millis(10);
        let pool = loop {
            match SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts.clone())
                .await
            {
                Ok(pool) => break pool,
                Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                Err(source) => {
                    return Err(StoreError::Open {
                        path: path.display().to_string(),
                        source,
                    });
                }
            }
        };
        let store = SqliteStore {
            pool,
            beat: beat.to_string(),
        };
        store.migrate().await?;
        Ok(store)
    }

    pub(super) fn beat(&self) -> &str {
        &self.beat
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let current = self.schema_version().await?;
        for &(version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            let mut tx = self.write_tx().await?;
            // Another process may have migrated while this one waited for the write lock.
            let now: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_version")
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            if now >= version {
                continue;
            }
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

    pub(super) async fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_version")
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
        )
    }

    /// A write transaction that takes the write lock up front, so that concurrent writers
    /// wait for each other (busy timeout) instead of failing on a stale snapshot.
    /// The connection pool, for queries written once for both backends.
    pub(super) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    pub(super) async fn ensure_source(
        &self,
        name: &str,
        url: Option<&str>,
        kind: SourceKind,
        weight: f64,
        lang: Option<&str>,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO sources (beat, name, url, kind, weight, lang) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(beat, name) DO UPDATE SET
                moved_to = CASE WHEN excluded.url IS NOT sources.url THEN NULL ELSE sources.moved_to END,
                url = COALESCE(excluded.url, sources.url),
                weight = excluded.weight,
                lang = COALESCE(excluded.lang, sources.lang)
             RETURNING id",
        )
        .bind(&self.beat)
        .bind(name)
        .bind(url)
        .bind(kind.as_str())
        .bind(weight)
        .bind(lang)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    pub(super) async fn validators(&self, source_id: i64) -> Result<Validators, StoreError> {
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

    pub(super) async fn record_fetch(
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

    pub(super) async fn schedule(
        &self,
        source_id: i64,
        state: &str,
        next_attempt: Option<DateTime<Utc>>,
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

    pub(super) async fn schedule_poll(
        &self,
        source_id: i64,
        every: Duration,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE sources SET poll_every_secs = ?, next_poll = ? WHERE id = ?")
            .bind(every.as_secs() as i64)
            .bind(later(every))
            .bind(source_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn set_paused(&self, name: &str, paused: bool) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE sources SET paused = ?, next_attempt = NULL WHERE beat = ? AND name = ?",
        )
        .bind(paused)
        .bind(&self.beat)
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn prune(&self, before: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
        let cut = fmt_time(before);
        let mut tx = self.write_tx().await?;
        let articles = sqlx::query(
            "UPDATE articles SET body = '' WHERE beat = ? AND body != '' AND COALESCE(published, seen_at) < ?",
        )
        .bind(&self.beat)
        .bind(&cut)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let drafts = sqlx::query(
            "DELETE FROM drafts WHERE beat = ?1 AND created_at < ?2
             AND id != (SELECT MAX(id) FROM drafts WHERE beat = ?1)",
        )
        .bind(&self.beat)
        .bind(&cut)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok((articles, drafts))
    }

    pub(super) async fn backup(&self, path: &Path) -> Result<(), StoreError> {
        sqlx::query("VACUUM INTO ?")
            .bind(path.display().to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn source_schedule(
        &self,
        source_id: i64,
    ) -> Result<SourceSchedule, StoreError> {
        let row = sqlx::query(
            "SELECT paused, state, next_attempt, moved_to, next_poll, poll_every_secs FROM sources WHERE id = ?",
        )
        .bind(source_id)
        .fetch_one(&self.pool)
        .await?;
        let time = |i: usize| -> Result<Option<DateTime<Utc>>, StoreError> {
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
            poll_every: every.map(|s| Duration::from_secs(s.max(0) as u64)),
        })
    }

    pub(super) async fn sources(&self) -> Result<Vec<SourceHealth>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.name, s.url, s.kind, s.last_status, s.last_error, s.last_fetch_at, s.last_ok_at, s.failures,
                    (SELECT COUNT(*) FROM articles a WHERE a.source_id = s.id),
                    CASE WHEN s.paused THEN 'paused' ELSE s.state END, s.next_attempt, s.moved_to, s.poll_every_secs
             FROM sources s WHERE s.beat = ? ORDER BY s.name",
        )
        .bind(&self.beat)
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

    pub(super) async fn known_links(
        &self,
        links: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        let mut known = HashSet::new();
        for chunk in links.chunks(500) {
            let list =
                serde_json::to_string(chunk).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            let rows = sqlx::query(
                "SELECT link FROM articles WHERE beat = ? AND link IN (SELECT value FROM json_each(?))",
            )
            .bind(&self.beat)
            .bind(list)
            .fetch_all(&self.pool)
            .await?;
            for r in rows {
                known.insert(r.try_get(0)?);
            }
        }
        Ok(known)
    }

    pub(super) async fn upsert_article(
        &self,
        source_id: i64,
        guid: Option<&str>,
        a: &Article,
    ) -> Result<Upsert, StoreError> {
        let hash = content_hash(a);
        let mut tx = self.write_tx().await?;
        let existing =
            sqlx::query("SELECT id, content_hash FROM articles WHERE beat = ? AND link = ?")
                .bind(&self.beat)
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
                    "INSERT INTO articles (beat, source_id, guid, link, seen_at, canonical_url, title, published, author,
                     lang, summary, body, site_name, image, content_hash)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(&self.beat)
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

    pub(super) async fn articles_in(&self, window: Window) -> Result<Vec<Article>, StoreError> {
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
             WHERE a.beat = ? AND COALESCE(a.published, a.seen_at) >= ? AND COALESCE(a.published, a.seen_at) < ?
             ORDER BY COALESCE(a.published, a.seen_at), a.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&self.beat)
            .bind(fmt_time(window.from))
            .bind(fmt_time(window.to))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(article_from_row).collect()
    }

    pub(super) async fn search(&self, query: &str, limit: i64) -> Result<Vec<Article>, StoreError> {
        let terms: Vec<String> = for_index(query)
            .split_whitespace()
            .map(|w| format!("\"{}\"", w.replace('"', "")))
            .collect();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles_fts f JOIN articles a ON a.id = f.rowid
             JOIN sources s ON s.id = a.source_id WHERE articles_fts MATCH ? AND a.beat = ?
             ORDER BY bm25(articles_fts, 3.0, 1.0), a.id LIMIT ?"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(terms.join(" AND "))
            .bind(&self.beat)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(article_from_row).collect()
    }

    pub(super) async fn save_draft(
        &self,
        edition: &Edition,
        watermark: i64,
    ) -> Result<i64, StoreError> {
        let json = edition_json(edition)?;
        let row = sqlx::query(
            "INSERT INTO drafts (beat, created_at, window_from, window_to, edition_json, watermark)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&self.beat)
        .bind(fmt_time(edition.generated_at))
        .bind(fmt_time(edition.window.from))
        .bind(fmt_time(edition.window.to))
        .bind(json)
        .bind(watermark)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    pub(super) async fn save_published(
        &self,
        edition: &Edition,
        published_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let json = edition_json(edition)?;
        let done = sqlx::query(
            "INSERT INTO published_editions (beat, published_at, title, edition_json)
             VALUES (?, ?, ?, ?)
             ON CONFLICT (beat, published_at, title) DO UPDATE SET edition_json = excluded.edition_json",
        )
        .bind(&self.beat)
        .bind(fmt_time(published_at))
        .bind(&edition.title)
        .bind(json)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn published_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, Edition)>, StoreError> {
        let rows = sqlx::query(
            "SELECT published_at, edition_json FROM published_editions
             WHERE beat = ? AND published_at >= ? ORDER BY published_at",
        )
        .bind(&self.beat)
        .bind(fmt_time(since))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let at: String = r.try_get(0)?;
            let Some(at) = parse_time(&at) else { continue };
            out.push((at, edition_from_json(&r.try_get::<String, _>(1)?)?));
        }
        Ok(out)
    }

    pub(super) async fn cached_rewrite(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT answer FROM rewrites WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    pub(super) async fn cache_rewrite(&self, key: &str, answer: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO rewrites (key, answer, created_at) VALUES (?, ?, ?)
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(answer)
        .bind(fmt_time(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn latest_draft(&self) -> Result<Option<Edition>, StoreError> {
        let row =
            sqlx::query("SELECT edition_json FROM drafts WHERE beat = ? ORDER BY id DESC LIMIT 1")
                .bind(&self.beat)
                .fetch_optional(&self.pool)
                .await?;
        match row {
            None => Ok(None),
            Some(r) => edition_from_json(&r.try_get::<String, _>(0)?).map(Some),
        }
    }

    pub(super) async fn watermark(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COALESCE(MAX(id), 0) FROM articles WHERE beat = ?")
                .bind(&self.beat)
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
        )
    }

    pub(super) async fn draft_watermark(&self) -> Result<Option<i64>, StoreError> {
        let row =
            sqlx::query("SELECT watermark FROM drafts WHERE beat = ? ORDER BY id DESC LIMIT 1")
                .bind(&self.beat)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    pub(super) async fn article_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) FROM articles WHERE beat = ?")
            .bind(&self.beat)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    pub(super) async fn enqueue(
        &self,
        kind: &str,
        targets: &[String],
        run_at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.write_tx().await?;
        let n = enqueue_in(&mut tx, &self.beat, kind, targets, run_at).await?;
        tx.commit().await?;
        Ok(n)
    }

    pub(super) async fn plan_round(
        &self,
        kind: &str,
        targets: &[String],
        every: Duration,
    ) -> Result<Option<u64>, StoreError> {
        let now = Utc::now();
        let since = now - chrono::Duration::from_std(every).unwrap_or(chrono::Duration::zero());
        let mut tx = self.write_tx().await?;
        let won = sqlx::query(
            "INSERT INTO rounds (beat, planned_at) VALUES (?1, ?2)
             ON CONFLICT(beat) DO UPDATE SET planned_at = excluded.planned_at WHERE rounds.planned_at <= ?3",
        )
        .bind(&self.beat)
        .bind(fmt_time(now))
        .bind(fmt_time(since))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if !won {
            return Ok(None);
        }
        let n = enqueue_in(&mut tx, &self.beat, kind, targets, now).await?;
        tx.commit().await?;
        Ok(Some(n))
    }

    pub(super) async fn claim(
        &self,
        owner: &str,
        lease: Duration,
        n: i64,
    ) -> Result<Vec<Job>, StoreError> {
        // One statement under the write lock: no other writer can claim in between.
        let mut tx = self.write_tx().await?;
        let now = fmt_time(Utc::now());
        let rows = sqlx::query(
            "UPDATE jobs SET lease_owner = ?1, lease_until = ?2, attempts = attempts + 1
             WHERE id IN (SELECT id FROM jobs WHERE beat = ?3 AND done_at IS NULL AND run_at <= ?4
                          AND (lease_until IS NULL OR lease_until < ?4) ORDER BY run_at, id LIMIT ?5)
             RETURNING id, kind, target, attempts",
        )
        .bind(owner)
        .bind(later(lease))
        .bind(&self.beat)
        .bind(&now)
        .bind(n)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        jobs_from_rows(&rows)
    }

    pub(super) async fn renew(
        &self,
        job: i64,
        owner: &str,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND done_at IS NULL",
        )
        .bind(later(lease))
        .bind(job)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn finish(
        &self,
        job: i64,
        owner: &str,
        outcome: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET done_at = ?1, done_by = ?2, outcome = ?3, lease_until = NULL
             WHERE id = ?4 AND lease_owner = ?2 AND done_at IS NULL",
        )
        .bind(fmt_time(Utc::now()))
        .bind(owner)
        .bind(outcome)
        .bind(job)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn give_back(
        &self,
        job: i64,
        owner: &str,
        run_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, run_at = ?
             WHERE id = ? AND lease_owner = ? AND done_at IS NULL",
        )
        .bind(fmt_time(run_at))
        .bind(job)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn job_counts(&self) -> Result<JobCounts, StoreError> {
        let r = sqlx::query(
            "SELECT
               COALESCE(SUM(done_at IS NULL AND (lease_until IS NULL OR lease_until < ?2)), 0),
               COALESCE(SUM(done_at IS NULL AND lease_until >= ?2), 0),
               COALESCE(SUM(done_at IS NOT NULL), 0),
               COALESCE(SUM(done_at IS NOT NULL AND attempts > 1), 0)
             FROM jobs WHERE beat = ?1",
        )
        .bind(&self.beat)
        .bind(fmt_time(Utc::now()))
        .fetch_one(&self.pool)
        .await?;
        Ok(JobCounts {
            queued: r.try_get(0)?,
            running: r.try_get(1)?,
            done: r.try_get(2)?,
            retried: r.try_get(3)?,
        })
    }

    pub(super) async fn try_lock_beat(
        &self,
        owner: &str,
        ttl: Duration,
    ) -> Result<Option<super::BeatLock>, StoreError> {
        let name = format!("stories:{}", self.beat);
        let now = fmt_time(Utc::now());
        let got = sqlx::query(
            "INSERT INTO locks (name, owner, until) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, until = excluded.until
             WHERE locks.until < ?4 OR locks.owner = excluded.owner",
        )
        .bind(&name)
        .bind(owner)
        .bind(later(ttl))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok((got.rows_affected() > 0).then(|| {
            super::BeatLock::Sqlite(SqliteLock {
                pool: self.pool.clone(),
                name,
                owner: owner.to_string(),
            })
        }))
    }

    pub(super) async fn close(&self) {
        self.pool.close().await;
    }
}

async fn enqueue_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    beat: &str,
    kind: &str,
    targets: &[String],
    run_at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut n = 0;
    for chunk in targets.chunks(500) {
        let list = serde_json::to_string(chunk).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        n += sqlx::query(
            "INSERT INTO jobs (beat, kind, target, run_at)
             SELECT ?, ?, value, ? FROM json_each(?) WHERE true ON CONFLICT DO NOTHING",
        )
        .bind(beat)
        .bind(kind)
        .bind(fmt_time(run_at))
        .bind(list)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    Ok(n)
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
