//! A source's health and schedule: the pure rules, applied by the pipeline.
//!
//! A fetch that works makes a source `ok` (or `slow` when it took longer than
//! [`SLOW_AFTER`]), `moved` when every redirect was permanent. A failure makes it `failing`,
//! and after [`DEAD_AFTER`] failures in a row `dead`; either way the next attempt backs off
//! exponentially from 15 minutes to a day, and never earlier than the source's own
//! Retry-After. Dead sources are still tried once a day and listed by `roundup sources`:
//! nothing stops silently.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// A fetch slower than this marks the source `slow`.
pub const SLOW_AFTER: Duration = Duration::from_secs(5);

/// Consecutive failures after which a source is `dead`.
pub const DEAD_AFTER: i64 = 10;

/// First backoff after a failure.
pub const BASE_BACKOFF: Duration = Duration::from_secs(15 * 60);

/// Longest backoff.
pub const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// A source's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Fetched fine.
    Ok,
    /// Fetched fine, slowly.
    Slow,
    /// Failing; retried with backoff.
    Failing,
    /// Failed [`DEAD_AFTER`] times in a row; retried daily.
    Dead,
    /// Permanently redirected; the new URL is used.
    Moved,
}

impl Health {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Slow => "slow",
            Health::Failing => "failing",
            Health::Dead => "dead",
            Health::Moved => "moved",
        }
    }
}

/// The state after a successful fetch.
pub fn after_success(took: Duration, moved: bool) -> Health {
    if moved {
        Health::Moved
    } else if took > SLOW_AFTER {
        Health::Slow
    } else {
        Health::Ok
    }
}

/// The state and the next attempt after the `failures`-th failure in a row.
pub fn after_failure(
    failures: i64,
    retry_after: Option<u64>,
    now: DateTime<Utc>,
) -> (Health, DateTime<Utc>) {
    let exp = (failures.max(1) - 1).min(16) as u32;
    let backoff = BASE_BACKOFF.saturating_mul(1u32 << exp).min(MAX_BACKOFF);
    let wait = backoff.max(Duration::from_secs(retry_after.unwrap_or(0)));
    let state = if failures >= DEAD_AFTER {
        Health::Dead
    } else {
        Health::Failing
    };
    let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::days(1));
    (state, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_respects_retry_after() {
        let now = Utc::now();
        let mins = |f, ra| (after_failure(f, ra, now).1 - now).num_minutes();
        assert_eq!(mins(1, None), 15);
        assert_eq!(mins(2, None), 30);
        assert_eq!(mins(3, None), 60);
        assert_eq!(mins(20, None), 24 * 60);
        assert_eq!(mins(1, Some(7200)), 120);
        assert_eq!(after_failure(9, None, now).0, Health::Failing);
        assert_eq!(after_failure(10, None, now).0, Health::Dead);
        assert_eq!(after_success(Duration::from_secs(9), false), Health::Slow);
        assert_eq!(after_success(Duration::from_millis(9), true), Health::Moved);
    }
}
