//! The PostgreSQL backend: one database shared by many workers on many machines.
//!
//! Work is claimed with `FOR UPDATE SKIP LOCKED` under leases, so that workers never wait for
//! each other's rows and a dead worker's jobs come back when its lease runs out. A beat's
//! stories are rebuilt under a session advisory lock, which PostgreSQL releases by itself when
//! the holder's connection ends. Search uses jieba-segmented text in a `tsvector` under the
//! `simple` configuration, so Chinese words are whole tokens just like English ones.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row};

use super::{
    ARTICLE_COLUMNS, FetchRecord, Job, JobCounts, SourceHealth, SourceSchedule, StoreError, Upsert,
    content_hash, edition_from_json, edition_json, fmt_time, jobs_from_rows, later,
};
use crate::model::{Article, Edition, SourceKind, Validators, Window};
use crate::text::tokens::for_index;

/// Migrations, in order: (version, SQL).
pub(super) const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_published_editions.sql"),
    ),
    (
        3,
        include_str!("../../migrations/postgres/0003_rewrites.sql"),
    ),
    (4, include_str!("../../migrations/postgres/0004_desk.sql")),
];

/// Advisory lock key that serializes migrations across processes.
const MIGRATE_LOCK: i64 = 0x526f_756e_6475_7001;

/// Largest text put into one search vector (PostgreSQL caps a tsvector at 1 MB).
const MAX_INDEXED_BYTES: usize = 256 * 1024;

/// The PostgreSQL store of one beat; cheap to clone.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    beat: String,
}

/// A beat's story lock on PostgreSQL: a session advisory lock on a held connection.
pub struct PgLock {
    conn: Option<PoolConnection<Postgres>>,
    key: i64,
}

impl PgLock {
    pub(super) async fn release(mut self) -> Result<(), StoreError> {
        if let Some(mut conn) = self.conn.take() {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(self.key)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}

impl Drop for PgLock {
    fn drop(&mut self) {
        // Not released: close the session instead of handing a locked one back to the pool;
        // PostgreSQL drops the lock with the session.
        if let Some(conn) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}

fn lock_key(name: &str) -> i64 {
    xxhash_rust::xxh3::xxh3_64(name.as_bytes()) as i64
}

fn indexed(text: &str) -> String {
    let mut s = for_index(text);
    if s.len() > MAX_INDEXED_BYTES {
        let mut cut = MAX_INDEXED_BYTES;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

impl PgStore {
    /// The connection pool, for queries written once for both backends.
    pub(super) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Connects to the database at `url` and brings its schema up to date.
    pub(super) async fn open(url: &str, beat: &str) -> Result<PgStore, StoreError> {
        let shown = super::Location::Postgres(url.to_string()).to_string();
        let opts: PgConnectOptions = url.parse().map_err(|source| StoreError::Open {
            path: shown.clone(),
            source,
        })?;
        // One plain connection first, so that a wrong address or password fails at once
        // instead of after the pool's retries.
        let probe = <sqlx::PgConnection as sqlx::Connection>::connect_with(&opts)
            .await
            .map_err(|source| StoreError::Open {
                path: shown.clone(),
                source,
            })?;
        sqlx::Connection::close(probe).await?;
        let pool = PgPoolOptions::new()
            .max_connections(24)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await
            .map_err(|source| StoreError::Open {
                path: shown,
                source,
            })?;
        let store = PgStore {
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
        let mut conn = self.pool.acquire().await?;
        // Workers started together migrate one at a time.
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATE_LOCK)
            .execute(&mut *conn)
            .await?;
        let result = async {
            sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)")
                .execute(&mut *conn)
                .await?;
            let current: i64 =
                sqlx::query("SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_version")
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get(0)?;
            for &(version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                sqlx::raw_sql(sql)
                    .execute(&mut *tx)
                    .await
                    .map_err(|source| StoreError::Migrate { version, source })?;
                sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES ($1, now())")
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Ok::<(), StoreError>(())
        }
        .await;
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATE_LOCK)
            .execute(&mut *conn)
            .await?;
        result
    }

    pub(super) async fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_version")
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
        )
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
            "INSERT INTO sources (beat, name, url, kind, weight, lang) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (beat, name) DO UPDATE SET
                moved_to = CASE WHEN excluded.url IS DISTINCT FROM sources.url THEN NULL ELSE sources.moved_to END,
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
        let row = sqlx::query("SELECT etag, last_modified FROM sources WHERE id = $1")
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
        let q = match record {
            FetchRecord::Ok { etag, last_modified } => sqlx::query(
                "UPDATE sources SET last_status = 'ok', last_error = NULL, last_fetch_at = now(), last_ok_at = now(),
                 failures = 0, etag = $1, last_modified = $2 WHERE id = $3 RETURNING failures",
            )
            .bind(etag.clone())
            .bind(last_modified.clone())
            .bind(source_id),
            FetchRecord::NotModified => sqlx::query(
                "UPDATE sources SET last_status = 'not_modified', last_error = NULL, last_fetch_at = now(),
                 last_ok_at = now(), failures = 0 WHERE id = $1 RETURNING failures",
            )
            .bind(source_id),
            FetchRecord::Error(msg) => sqlx::query(
                "UPDATE sources SET last_status = 'error', last_error = $1, last_fetch_at = now(),
                 failures = failures + 1 WHERE id = $2 RETURNING failures",
            )
            .bind(msg.clone())
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
            "UPDATE sources SET state = $1, next_attempt = $2, last_duration_ms = $3,
             moved_to = COALESCE($4, moved_to) WHERE id = $5",
        )
        .bind(state)
        .bind(next_attempt)
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
        sqlx::query("UPDATE sources SET poll_every_secs = $1, next_poll = $2 WHERE id = $3")
            .bind(every.as_secs() as i64)
            .bind(later(every))
            .bind(source_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn set_paused(&self, name: &str, paused: bool) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE sources SET paused = $1, next_attempt = NULL WHERE beat = $2 AND name = $3",
        )
        .bind(paused)
        .bind(&self.beat)
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn prune(&self, before: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
        let mut tx = self.pool.begin().await?;
        let articles = sqlx::query(
            "UPDATE articles SET body = '' WHERE beat = $1 AND body <> '' AND COALESCE(published, seen_at) < $2",
        )
        .bind(&self.beat)
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let drafts = sqlx::query(
            "DELETE FROM drafts WHERE beat = $1 AND created_at < $2
             AND id <> (SELECT MAX(id) FROM drafts WHERE beat = $1)",
        )
        .bind(&self.beat)
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok((articles, drafts))
    }

    pub(super) async fn source_schedule(
        &self,
        source_id: i64,
    ) -> Result<SourceSchedule, StoreError> {
        let row = sqlx::query(
            "SELECT paused, state, next_attempt, moved_to, next_poll, poll_every_secs FROM sources WHERE id = $1",
        )
        .bind(source_id)
        .fetch_one(&self.pool)
        .await?;
        let every: Option<i64> = row.try_get(5)?;
        Ok(SourceSchedule {
            paused: row.try_get(0)?,
            state: row.try_get(1)?,
            next_attempt: row.try_get(2)?,
            moved_to: row.try_get(3)?,
            next_poll: row.try_get(4)?,
            poll_every: every.map(|s| Duration::from_secs(s.max(0) as u64)),
        })
    }

    pub(super) async fn sources(&self) -> Result<Vec<SourceHealth>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.name, s.url, s.kind, s.last_status, s.last_error, s.last_fetch_at, s.last_ok_at, s.failures,
                    (SELECT COUNT(*) FROM articles a WHERE a.source_id = s.id),
                    CASE WHEN s.paused THEN 'paused' ELSE s.state END, s.next_attempt, s.moved_to, s.poll_every_secs
             FROM sources s WHERE s.beat = $1 ORDER BY s.name",
        )
        .bind(&self.beat)
        .fetch_all(&self.pool)
        .await?;
        let time = |r: &PgRow, i: usize| -> Result<Option<String>, StoreError> {
            Ok(r.try_get::<Option<DateTime<Utc>>, _>(i)?.map(fmt_time))
        };
        rows.iter()
            .map(|r| {
                Ok(SourceHealth {
                    name: r.try_get(0)?,
                    url: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    last_status: r.try_get(3)?,
                    last_error: r.try_get(4)?,
                    last_fetch_at: time(r, 5)?,
                    last_ok_at: time(r, 6)?,
                    failures: r.try_get(7)?,
                    articles: r.try_get(8)?,
                    state: r.try_get(9)?,
                    next_attempt: time(r, 10)?,
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
        for chunk in links.chunks(1000) {
            let rows = sqlx::query("SELECT link FROM articles WHERE beat = $1 AND link = ANY($2)")
                .bind(&self.beat)
                .bind(chunk)
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
        let (title_ix, body_ix) = (indexed(&a.title), indexed(a.body()));
        let mut tx = self.pool.begin().await?;
        // Insert first: two workers storing one link at once cannot both insert.
        let inserted = sqlx::query(
            "INSERT INTO articles (beat, source_id, guid, link, seen_at, canonical_url, title, published, author,
             lang, summary, body, site_name, image, content_hash, search)
             VALUES ($1, $2, $3, $4, now(), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                     setweight(to_tsvector('simple', $15), 'A') || setweight(to_tsvector('simple', $16), 'B'))
             ON CONFLICT (beat, link) DO NOTHING RETURNING id",
        )
        .bind(&self.beat)
        .bind(source_id)
        .bind(guid)
        .bind(&a.link);
        let inserted = bind_content(inserted, a, &hash, &title_ix, &body_ix)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = inserted {
            sqlx::query("UPDATE sources SET entries_total = entries_total + 1 WHERE id = $1")
                .bind(source_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(Upsert::Inserted(row.try_get(0)?));
        }
        let row = sqlx::query(
            "SELECT id, content_hash FROM articles WHERE beat = $1 AND link = $2 FOR UPDATE",
        )
        .bind(&self.beat)
        .bind(&a.link)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        let old: String = row.try_get(1)?;
        if old == hash {
            return Ok(Upsert::Unchanged(id));
        }
        let update = sqlx::query(
            "UPDATE articles SET canonical_url = $1, title = $2, published = COALESCE($3, published),
             author = $4, lang = $5, summary = $6, body = $7, site_name = $8, image = $9, content_hash = $10,
             search = setweight(to_tsvector('simple', $11), 'A') || setweight(to_tsvector('simple', $12), 'B')
             WHERE id = $13",
        );
        bind_content(update, a, &hash, &title_ix, &body_ix)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Upsert::Updated(id))
    }

    pub(super) async fn articles_in(&self, window: Window) -> Result<Vec<Article>, StoreError> {
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
             WHERE a.beat = $1 AND COALESCE(a.published, a.seen_at) >= $2 AND COALESCE(a.published, a.seen_at) < $3
             ORDER BY COALESCE(a.published, a.seen_at), a.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&self.beat)
            .bind(window.from)
            .bind(window.to)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(article_from_row).collect()
    }

    pub(super) async fn search(&self, query: &str, limit: i64) -> Result<Vec<Article>, StoreError> {
        let terms = for_index(query);
        if terms.split_whitespace().next().is_none() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id,
                    plainto_tsquery('simple', $1) q
             WHERE a.beat = $2 AND a.search @@ q
             ORDER BY ts_rank(a.search, q) DESC, a.id LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(terms)
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
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&self.beat)
        .bind(edition.generated_at)
        .bind(edition.window.from)
        .bind(edition.window.to)
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
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (beat, published_at, title) DO UPDATE SET edition_json = excluded.edition_json",
        )
        .bind(&self.beat)
        .bind(published_at)
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
             WHERE beat = $1 AND published_at >= $2 ORDER BY published_at",
        )
        .bind(&self.beat)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let at: DateTime<Utc> = r.try_get(0)?;
            out.push((at, edition_from_json(&r.try_get::<String, _>(1)?)?));
        }
        Ok(out)
    }

    pub(super) async fn cached_rewrite(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT answer FROM rewrites WHERE key = $1")
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
            "INSERT INTO rewrites (key, answer, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(answer)
        .bind(Utc::now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn latest_draft(&self) -> Result<Option<Edition>, StoreError> {
        let row =
            sqlx::query("SELECT edition_json FROM drafts WHERE beat = $1 ORDER BY id DESC LIMIT 1")
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
            sqlx::query("SELECT COALESCE(MAX(id), 0)::BIGINT FROM articles WHERE beat = $1")
                .bind(&self.beat)
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
        )
    }

    pub(super) async fn draft_watermark(&self) -> Result<Option<i64>, StoreError> {
        let row =
            sqlx::query("SELECT watermark FROM drafts WHERE beat = $1 ORDER BY id DESC LIMIT 1")
                .bind(&self.beat)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    pub(super) async fn article_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) FROM articles WHERE beat = $1")
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
        let mut tx = self.pool.begin().await?;
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
        let mut tx = self.pool.begin().await?;
        // A concurrent planner holds the row until it commits; this one then sees its time.
        let won = sqlx::query(
            "INSERT INTO rounds (beat, planned_at) VALUES ($1, now())
             ON CONFLICT (beat) DO UPDATE SET planned_at = excluded.planned_at
             WHERE rounds.planned_at <= now() - make_interval(secs => $2)",
        )
        .bind(&self.beat)
        .bind(every.as_secs_f64())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if !won {
            return Ok(None);
        }
        let n = enqueue_in(&mut tx, &self.beat, kind, targets, Utc::now()).await?;
        tx.commit().await?;
        Ok(Some(n))
    }

    pub(super) async fn claim(
        &self,
        owner: &str,
        lease: Duration,
        n: i64,
    ) -> Result<Vec<Job>, StoreError> {
        let rows = sqlx::query(
            "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
             WHERE id IN (SELECT id FROM jobs WHERE beat = $3 AND done_at IS NULL AND run_at <= now()
                          AND (lease_until IS NULL OR lease_until < now())
                          ORDER BY run_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
             RETURNING id, kind, target, attempts::BIGINT",
        )
        .bind(owner)
        .bind(later(lease))
        .bind(&self.beat)
        .bind(n)
        .fetch_all(&self.pool)
        .await?;
        jobs_from_rows(&rows)
    }

    pub(super) async fn renew(
        &self,
        job: i64,
        owner: &str,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND done_at IS NULL",
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
            "UPDATE jobs SET done_at = now(), done_by = $1, outcome = $2, lease_until = NULL
             WHERE id = $3 AND lease_owner = $1 AND done_at IS NULL",
        )
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
            "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, run_at = $1
             WHERE id = $2 AND lease_owner = $3 AND done_at IS NULL",
        )
        .bind(run_at)
        .bind(job)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn job_counts(&self) -> Result<JobCounts, StoreError> {
        let r = sqlx::query(
            "SELECT
               COUNT(*) FILTER (WHERE done_at IS NULL AND (lease_until IS NULL OR lease_until < now())),
               COUNT(*) FILTER (WHERE done_at IS NULL AND lease_until >= now()),
               COUNT(*) FILTER (WHERE done_at IS NOT NULL),
               COUNT(*) FILTER (WHERE done_at IS NOT NULL AND attempts > 1)
             FROM jobs WHERE beat = $1",
        )
        .bind(&self.beat)
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
        _owner: &str,
        _ttl: Duration,
    ) -> Result<Option<super::BeatLock>, StoreError> {
        let key = lock_key(&format!("roundup:stories:{}", self.beat));
        let mut conn = self.pool.acquire().await?;
        let got: bool = sqlx::query("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        Ok(got.then(|| {
            super::BeatLock::Postgres(PgLock {
                conn: Some(conn),
                key,
            })
        }))
    }

    pub(super) async fn close(&self) {
        self.pool.close().await;
    }
}

async fn enqueue_in(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    beat: &str,
    kind: &str,
    targets: &[String],
    run_at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "INSERT INTO jobs (beat, kind, target, run_at)
         SELECT $1, $2, t, $4 FROM UNNEST($3::TEXT[]) AS t ON CONFLICT DO NOTHING",
    )
    .bind(beat)
    .bind(kind)
    .bind(targets)
    .bind(run_at)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

/// Binds an article's content columns, in the order both the insert and the update name them:
/// canonical_url, title, published, author, lang, summary, body, site_name, image,
/// content_hash, then the indexed title and body.
fn bind_content<'q>(
    q: PgQuery<'q>,
    a: &'q Article,
    hash: &'q str,
    title_ix: &'q str,
    body_ix: &'q str,
) -> PgQuery<'q> {
    q.bind(&a.canonical_url)
        .bind(&a.title)
        .bind(a.published)
        .bind(&a.author)
        .bind(&a.lang)
        .bind(&a.summary)
        .bind(&a.text)
        .bind(&a.site_name)
        .bind(&a.image)
        .bind(hash)
        .bind(title_ix)
        .bind(body_ix)
}

fn article_from_row(r: &PgRow) -> Result<Article, StoreError> {
    let published: Option<DateTime<Utc>> = r.try_get(5)?;
    let seen_at: DateTime<Utc> = r.try_get(12)?;
    Ok(Article {
        id: r.try_get(0)?,
        source: r.try_get(1)?,
        link: r.try_get(2)?,
        canonical_url: r.try_get(3)?,
        title: r.try_get(4)?,
        published: published.or(Some(seen_at)),
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
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        assert_eq!(files.len(), MIGRATIONS.len(), "{files:?}");
        for (i, (file, (version, sql))) in files.iter().zip(MIGRATIONS).enumerate() {
            assert_eq!(file[..4].parse::<i64>().unwrap(), *version, "{file}");
            assert_eq!(*version, i as i64 + 1);
            assert_eq!(&std::fs::read_to_string(dir.join(file)).unwrap(), sql);
        }
    }
}
