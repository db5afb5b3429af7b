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

/// Shortest and longest poll intervals, and the interval for a feed whose cadence is unknown.
pub const MIN_POLL: Duration = Duration::from_secs(15 * 60);
/// See [`MIN_POLL`].
pub const MAX_POLL: Duration = Duration::from_secs(6 * 3600);
/// See [`MIN_POLL`].
pub const DEFAULT_POLL: Duration = Duration::from_secs(3600);

/// How often to poll a feed whose entries were published at these times: half the median gap
/// between consecutive entries, within [`MIN_POLL`] and [`MAX_POLL`]; [`DEFAULT_POLL`] when
/// fewer than three entries are dated.
pub fn cadence(published: &[DateTime<Utc>]) -> Duration {
    let mut times: Vec<DateTime<Utc>> = published.to_vec();
    times.sort();
    times.dedup();
    let mut gaps: Vec<i64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).num_seconds())
        .filter(|g| *g > 0)
        .collect();
    if gaps.len() < 2 {
        return DEFAULT_POLL;
    }
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2] as u64;
    Duration::from_secs(median / 2).clamp(MIN_POLL, MAX_POLL)
}

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
    fn cadence_follows_the_feed() {
        let t0 = Utc::now();
        let every = |h: i64, n: i64| {
            (0..n)
                .map(|i| t0 - chrono::Duration::hours(h * i))
                .collect::<Vec<_>>()
        };
        assert_eq!(cadence(&every(2, 10)), Duration::from_secs(3600));
        assert_eq!(cadence(&every(48, 10)), MAX_POLL);
        let minutes: Vec<_> = (0..10)
            .map(|i| t0 - chrono::Duration::minutes(5 * i))
            .collect();
        assert_eq!(cadence(&minutes), MIN_POLL);
        assert_eq!(cadence(&every(2, 2)), DEFAULT_POLL);
    }

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
