//! The store of the editor's desk, publishing and delivery: editorial events, published
//! editions, users and sessions, subscribers and the send log.
//!
//! These tables keep times as Unix seconds and use plain SQL that both backends accept, so
//! each query is written once and run on whichever pool the handle holds.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError, fmt_time};
use crate::model::{Action, Edition, EditorialEvent, Published, Window};

/// Runs the same query code on whichever pool the handle holds.
macro_rules! on_pool {
    ($self:ident, $p:ident => $e:expr) => {
        match $self {
            Store::Sqlite(s) => {
                let $p = s.pool();
                $e
            }
            Store::Postgres(s) => {
                let $p = s.pool();
                $e
            }
        }
    };
}

/// A subscriber of the beat's email edition.
#[derive(Debug, Clone, Serialize)]
pub struct Subscriber {
    /// Store id.
    pub id: i64,
    /// Address.
    pub email: String,
    /// "pending" (not yet confirmed), "active", "unsubscribed" or "bouncing".
    pub status: String,
    /// The secret in confirmation and unsubscribe links.
    pub token: String,
    /// When the address was added.
    pub created_at: DateTime<Utc>,
    /// When the address was confirmed.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The last delivery error, for a bouncing address.
    pub last_error: Option<String>,
}

/// A desk user.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// Login name.
    pub name: String,
    /// Where "the draft is ready" notices go, when set.
    pub email: Option<String>,
}

/// One row of the send log still to be delivered.
#[derive(Debug, Clone)]
pub struct PendingSend {
    /// The subscriber.
    pub subscriber: Subscriber,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// "pending", or "sending" when an earlier run stopped during the attempt.
    pub status: String,
}

fn secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn time(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or_default()
}

fn json_error(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Query(sqlx::Error::Decode(
        format!("{what} holds JSON this version cannot read: {e}").into(),
    ))
}

const SUBSCRIBER_COLUMNS: &str = "id, email, status, token, created_at, confirmed_at, last_error";

macro_rules! subscriber_from {
    ($row:expr) => {{
        let row = $row;
        Subscriber {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            status: row.try_get("status")?,
            token: row.try_get("token")?,
            created_at: time(row.try_get("created_at")?),
            confirmed_at: row.try_get::<Option<i64>, _>("confirmed_at")?.map(time),
            last_error: row.try_get("last_error")?,
        }
    }};
}

impl Store {
    /// Keeps an editorial action on the draft of `window`; returns the event's id.
    pub async fn add_event(
        &self,
        window: Window,
        user: &str,
        action: &Action,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let json = serde_json::to_string(action).map_err(|e| json_error("an action", e))?;
        let beat = self.beat().to_string();
        on_pool!(self, pool => {
            let row = sqlx::query(
                "INSERT INTO edition_events (beat, window_from, window_to, at, user_name, action_json) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&beat)
            .bind(fmt_time(window.from))
            .bind(fmt_time(window.to))
            .bind(secs(at))
            .bind(user)
            .bind(&json)
            .fetch_one(pool)
            .await?;
            Ok(row.try_get("id")?)
        })
    }

    /// The editorial actions on the draft of `window`, oldest first.
    pub async fn events(&self, window: Window) -> Result<Vec<EditorialEvent>, StoreError> {
        let beat = self.beat().to_string();
        let rows = on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, at, user_name, action_json FROM edition_events \
                 WHERE beat = $1 AND window_from = $2 AND window_to = $3 ORDER BY id",
            )
            .bind(&beat)
            .bind(fmt_time(window.from))
            .bind(fmt_time(window.to))
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| -> Result<(i64, i64, String, String), StoreError> {
                    Ok((r.try_get("id")?, r.try_get("at")?, r.try_get("user_name")?, r.try_get("action_json")?))
                })
                .collect::<Result<Vec<_>, _>>()?
        });
        rows.into_iter()
            .map(|(id, at, user, json)| {
                Ok(EditorialEvent {
                    id,
                    at: time(at),
                    user,
                    action: serde_json::from_str(&json)
                        .map_err(|e| json_error("an editorial event", e))?,
                })
            })
            .collect()
    }

    /// Publishes an edition under `slug`; false when an edition already has that slug (a
    /// published edition is never replaced).
    pub async fn publish_edition(
        &self,
        slug: &str,
        edition: &Edition,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let json = serde_json::to_string(edition).map_err(|e| json_error("an edition", e))?;
        let beat = self.beat().to_string();
        let inserted = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO editions (beat, slug, published_at, published_by, edition_json) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (beat, slug) DO NOTHING",
            )
            .bind(&beat)
            .bind(slug)
            .bind(secs(at))
            .bind(by)
            .bind(&json)
            .execute(pool)
            .await?
            .rows_affected()
                == 1
        });
        if inserted {
            // What novelty is judged against.
            self.save_published(edition, at).await?;
        }
        Ok(inserted)
    }

    /// Every edition Roundup published, newest first.
    pub async fn published_editions(&self) -> Result<Vec<Published>, StoreError> {
        self.editions_where(None).await
    }

    /// The published edition with this slug.
    pub async fn published_edition(&self, slug: &str) -> Result<Option<Published>, StoreError> {
        Ok(self.editions_where(Some(slug)).await?.into_iter().next())
    }

    async fn editions_where(&self, slug: Option<&str>) -> Result<Vec<Published>, StoreError> {
        let beat = self.beat().to_string();
        let rows = on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT slug, published_at, published_by, edition_json FROM editions \
                 WHERE beat = $1 AND ($2 = '' OR slug = $2) ORDER BY published_at DESC, id DESC",
            )
            .bind(&beat)
            .bind(slug.unwrap_or(""))
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| -> Result<(String, i64, String, String), StoreError> {
                    Ok((r.try_get("slug")?, r.try_get("published_at")?, r.try_get("published_by")?, r.try_get("edition_json")?))
                })
                .collect::<Result<Vec<_>, _>>()?
        });
        rows.into_iter()
            .map(|(slug, at, by, json)| {
                Ok(Published {
                    edition: serde_json::from_str(&json)
                        .map_err(|e| json_error("a published edition", e))?,
                    slug,
                    published_at: time(at),
                    published_by: by,
                })
            })
            .collect()
    }

    /// Adds a desk user, or replaces the password (and email) of an existing one.
    pub async fn set_user(
        &self,
        name: &str,
        password_hash: &str,
        email: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let beat = self.beat().to_string();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO users (beat, name, password_hash, email, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (beat, name) DO UPDATE SET password_hash = excluded.password_hash, email = excluded.email",
            )
            .bind(&beat)
            .bind(name)
            .bind(password_hash)
            .bind(email)
            .bind(secs(at))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A user's password hash, when the user exists.
    pub async fn password_hash(&self, name: &str) -> Result<Option<String>, StoreError> {
        let beat = self.beat().to_string();
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT password_hash FROM users WHERE beat = $1 AND name = $2")
                .bind(&beat)
                .bind(name)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some(r.try_get("password_hash")?),
                None => None,
            })
        })
    }

    /// The desk's users, by name.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let beat = self.beat().to_string();
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT name, email FROM users WHERE beat = $1 ORDER BY name")
                .bind(&beat)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| Ok(User { name: r.try_get("name")?, email: r.try_get("email")? }))
                .collect()
        })
    }

    /// Opens a login session, known by the hash of its cookie token.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: &str,
        csrf: &str,
        expires: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let beat = self.beat().to_string();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, beat, user_name, csrf, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(&beat)
            .bind(user)
            .bind(csrf)
            .bind(secs(expires))
            .execute(pool)
            .await?;
            // Expired sessions go while we are here.
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(secs(Utc::now()))
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The user and CSRF token of a live session.
    pub async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, String)>, StoreError> {
        let beat = self.beat().to_string();
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT user_name, csrf FROM sessions WHERE token_hash = $1 AND beat = $2 AND expires_at > $3",
            )
            .bind(token_hash)
            .bind(&beat)
            .bind(secs(now))
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                Some(r) => Some((r.try_get("user_name")?, r.try_get("csrf")?)),
                None => None,
            })
        })
    }

    /// Ends a session.
    pub async fn end_session(&self, token_hash: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Adds a subscriber with `status` unless the address is known; returns the subscriber
    /// as stored (the existing one, unchanged, when it was known).
    pub async fn add_subscriber(
        &self,
        email: &str,
        status: &str,
        token: &str,
        at: DateTime<Utc>,
    ) -> Result<(Subscriber, bool), StoreError> {
        let beat = self.beat().to_string();
        let confirmed = (status == "active").then_some(secs(at));
        let added = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO subscribers (beat, email, status, token, created_at, confirmed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (beat, email) DO NOTHING",
            )
            .bind(&beat)
            .bind(email)
            .bind(status)
            .bind(token)
            .bind(secs(at))
            .bind(confirmed)
            .execute(pool)
            .await?
            .rows_affected()
                == 1
        });
        let sub = self
            .subscriber_where("email", email)
            .await?
            .ok_or(StoreError::Query(sqlx::Error::RowNotFound))?;
        Ok((sub, added))
    }

    /// The subscriber whose links carry this token.
    pub async fn subscriber_by_token(&self, token: &str) -> Result<Option<Subscriber>, StoreError> {
        self.subscriber_where("token", token).await
    }

    async fn subscriber_where(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<Subscriber>, StoreError> {
        let beat = self.beat().to_string();
        let sql = format!(
            "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE beat = $1 AND {column} = $2"
        );
        on_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(&beat).bind(value).fetch_optional(pool).await?;
            Ok(match row {
                Some(r) => Some(subscriber_from!(r)),
                None => None,
            })
        })
    }

    /// Every subscriber of the beat, by address.
    pub async fn subscribers(&self) -> Result<Vec<Subscriber>, StoreError> {
        let beat = self.beat().to_string();
        let sql =
            format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE beat = $1 ORDER BY email");
        on_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(&beat).fetch_all(pool).await?;
            rows.iter().map(|r| Ok(subscriber_from!(r))).collect()
        })
    }

    /// Sets a subscriber's status ("active" also records when it was confirmed) and the
    /// error that caused it, if any.
    pub async fn set_subscriber_status(
        &self,
        id: i64,
        status: &str,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE subscribers SET status = $1, last_error = $2, \
                 confirmed_at = CASE WHEN $1 = 'active' AND confirmed_at IS NULL THEN $3 ELSE confirmed_at END \
                 WHERE id = $4",
            )
            .bind(status)
            .bind(error)
            .bind(secs(at))
            .bind(id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Puts every active subscriber not yet in the send log of `edition` into it; returns
    /// how many were added.
    pub async fn plan_send(&self, edition: &str, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let beat = self.beat().to_string();
        on_pool!(self, pool => {
            Ok(sqlx::query(
                "INSERT INTO sends (beat, edition, subscriber_id, status, attempts, updated_at) \
                 SELECT beat, $2, id, 'pending', 0, $3 FROM subscribers WHERE beat = $1 AND status = 'active' \
                 ON CONFLICT (beat, edition, subscriber_id) DO NOTHING",
            )
            .bind(&beat)
            .bind(edition)
            .bind(secs(at))
            .execute(pool)
            .await?
            .rows_affected())
        })
    }

    /// The send log's rows of `edition` still to deliver, oldest subscriber first, with the
    /// subscriber's current state (an address that unsubscribed since is left out). With
    /// `in_flight`, rows left "sending" (by a run that stopped during the attempt) count too.
    pub async fn pending_sends(
        &self,
        edition: &str,
        in_flight: bool,
    ) -> Result<Vec<PendingSend>, StoreError> {
        let beat = self.beat().to_string();
        let sql = format!(
            "SELECT s.{}, d.attempts AS d_attempts, d.status AS d_status FROM sends d \
             JOIN subscribers s ON s.id = d.subscriber_id \
             WHERE d.beat = $1 AND d.edition = $2 AND d.status IN ('pending', $3) AND s.status = 'active' \
             ORDER BY s.id",
            SUBSCRIBER_COLUMNS.replace(", ", ", s.")
        );
        on_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(&beat)
                .bind(edition)
                .bind(if in_flight { "sending" } else { "pending" })
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(PendingSend {
                        attempts: r.try_get("d_attempts")?,
                        status: r.try_get("d_status")?,
                        subscriber: subscriber_from!(r),
                    })
                })
                .collect()
        })
    }

    /// Claims a send-log row for delivery: it becomes "sending" with one more attempt, but
    /// only if it is still as the caller read it (`status`, `attempts`), so two senders of
    /// the same edition never both deliver one row. True when this caller has it.
    pub async fn claim_send(
        &self,
        edition: &str,
        subscriber: i64,
        status: &str,
        attempts: i64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let beat = self.beat().to_string();
        on_pool!(self, pool => {
            Ok(sqlx::query(
                "UPDATE sends SET status = 'sending', attempts = attempts + 1, updated_at = $1 \
                 WHERE beat = $2 AND edition = $3 AND subscriber_id = $4 AND status = $5 AND attempts = $6",
            )
            .bind(secs(at))
            .bind(&beat)
            .bind(edition)
            .bind(subscriber)
            .bind(status)
            .bind(attempts)
            .execute(pool)
            .await?
            .rows_affected()
                == 1)
        })
    }

    /// Moves a send-log row to `status` ("sending" counts an attempt; "sent", "failed",
    /// "bounced", or back to "pending" for a retry), with the error if any.
    pub async fn mark_send(
        &self,
        edition: &str,
        subscriber: i64,
        status: &str,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let beat = self.beat().to_string();
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE sends SET status = $1, last_error = $2, updated_at = $3, \
                 attempts = attempts + CASE WHEN $1 = 'sending' THEN 1 ELSE 0 END \
                 WHERE beat = $4 AND edition = $5 AND subscriber_id = $6",
            )
            .bind(status)
            .bind(error)
            .bind(secs(at))
            .bind(&beat)
            .bind(edition)
            .bind(subscriber)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The send log of `edition`: how many rows are in each status.
    pub async fn send_counts(&self, edition: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let beat = self.beat().to_string();
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT status, COUNT(*) AS n FROM sends WHERE beat = $1 AND edition = $2 GROUP BY status ORDER BY status",
            )
            .bind(&beat)
            .bind(edition)
            .fetch_all(pool)
            .await?;
            rows.iter().map(|r| Ok((r.try_get("status")?, r.try_get("n")?))).collect()
        })
    }

    /// The whole send log of the beat: how many rows are in each status, over all editions.
    pub async fn all_send_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let beat = self.beat().to_string();
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT status, COUNT(*) AS n FROM sends WHERE beat = $1 GROUP BY status ORDER BY status",
            )
            .bind(&beat)
            .fetch_all(pool)
            .await?;
            rows.iter().map(|r| Ok((r.try_get("status")?, r.try_get("n")?))).collect()
        })
    }
}
