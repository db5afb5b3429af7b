//! `roundup run`: the long-running service. It polls the sources when they are due,
//! rebuilds the current draft as new articles arrive, builds the edition's draft at the
//! time `[schedule] draft` names (cron, in the beat's timezone) and tells the editors by
//! email. The CLI runs it beside the web desk, which it does not know.

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::metrics::Metrics;
use crate::config::Config;
use crate::deliver::{self, Mailer};
use crate::model::Window;
use crate::store::Store;

/// The window the scheduled draft covers when it fires at `at`: the `window_days` days that
/// end the day before, in the beat's timezone.
pub fn scheduled_window(config: &Config, at: DateTime<Utc>) -> Window {
    let tz = config.timezone();
    let yesterday = at
        .with_timezone(&tz)
        .date_naive()
        .pred_opt()
        .unwrap_or_default();
    crate::edition::window::last_days(tz, yesterday, config.edition.window_days)
}

/// When the scheduled draft next fires after `after`.
pub fn next_draft_time(config: &Config, after: DateTime<Utc>) -> anyhow::Result<DateTime<Utc>> {
    let tz: Tz = config.timezone();
    let cron = config
        .schedule
        .cron()
        .map_err(|e| anyhow::anyhow!("[schedule] draft: {e}"))?;
    let next = cron
        .find_next_occurrence(&after.with_timezone(&tz), false)
        .map_err(|e| anyhow::anyhow!("[schedule] draft: {e}"))?;
    Ok(next.with_timezone(&Utc))
}

/// One tick of the service: polls due sources, rebuilds the current draft when articles
/// arrived since it was built and `rebuild_minutes` have passed, and builds the scheduled
/// draft when its time has come (then `state` says when it fires next).
pub async fn tick(
    config: &Config,
    store: &Store,
    metrics: &Metrics,
    mailer: Option<&Mailer>,
    state: &mut ServiceState,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if !config.sources.is_empty() {
        let pb = indicatif::ProgressBar::hidden();
        let reports = super::fetch_all(config, store, &pb, super::Due::Due).await?;
        for r in &reports {
            if r.status == "waiting" {
                continue;
            }
            Metrics::add(&metrics.fetches, 1);
            if r.error.is_some() {
                Metrics::add(&metrics.fetch_errors, 1);
            }
            Metrics::add(&metrics.articles_added, r.new as u64);
        }
    }
    if now >= state.next_scheduled {
        let window = scheduled_window(config, now);
        let draft = super::draft(config, store, window, config.edition.size, now).await?;
        Metrics::add(&metrics.drafts, 1);
        state.last_rebuild = now;
        tracing::info!("scheduled draft for {} built", draft.window_label);
        if let Some(mailer) = mailer {
            match deliver::notify_editors(store, config, mailer, &draft).await {
                Ok(n) => tracing::info!("{n} editors told the draft is ready"),
                Err(e) => tracing::warn!("could not tell the editors: {e:#}"),
            }
        }
        state.next_scheduled = next_draft_time(config, now)?;
        return Ok(());
    }
    let rebuild_due = now - state.last_rebuild
        >= chrono::Duration::minutes(i64::from(config.schedule.rebuild_minutes));
    if rebuild_due
        && let Some(current) = store.latest_draft().await?
        && store.draft_watermark().await?.unwrap_or(0) < store.watermark().await?
    {
        let size = current.stories.len().max(config.edition.size);
        super::draft(config, store, current.window, size, now).await?;
        Metrics::add(&metrics.drafts, 1);
        state.last_rebuild = now;
        tracing::info!(
            "draft for {} rebuilt with new articles",
            current.window_label
        );
    }
    Ok(())
}

/// What the service remembers between ticks.
#[derive(Debug, Clone)]
pub struct ServiceState {
    /// When the scheduled draft is built next.
    pub next_scheduled: DateTime<Utc>,
    /// When the draft was last built.
    pub last_rebuild: DateTime<Utc>,
}

/// Runs the service's ticks, one every `every`, until the future is dropped (the caller
/// stops it on a signal). A failed tick (a store hiccup, a bad draft) is logged and the next
/// one goes on; only an unreadable schedule ends it.
pub async fn run(
    config: &Config,
    store: &Store,
    metrics: &Metrics,
    mailer: Option<&Mailer>,
    every: Duration,
) -> anyhow::Result<()> {
    let mut state = ServiceState {
        next_scheduled: next_draft_time(config, Utc::now())?,
        last_rebuild: DateTime::<Utc>::UNIX_EPOCH,
    };
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if let Err(e) = tick(config, store, metrics, mailer, &mut state, Utc::now()).await {
            tracing::error!("run: {e:#}");
            eprintln!("roundup run: {e:#}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_schedule_fires_in_the_beats_timezone_over_last_week() {
        let mut config = Config::default();
        config.beat.timezone = toml::Spanned::new(0..0, "Asia/Shanghai".to_string());
        config.edition.window_days = 7;
        config.schedule.draft = toml::Spanned::new(0..0, "0 8 * * MON".to_string());
        // Sunday 23 November 2025, 12:00 UTC = 20:00 in Shanghai.
        let sunday = Utc.with_ymd_and_hms(2025, 11, 23, 12, 0, 0).unwrap();
        let next = next_draft_time(&config, sunday).unwrap();
        // Monday 08:00 in Shanghai is 00:00 UTC.
        assert_eq!(next, Utc.with_ymd_and_hms(2025, 11, 24, 0, 0, 0).unwrap());
        let w = scheduled_window(&config, next);
        assert_eq!(
            w.from,
            Utc.with_ymd_and_hms(2025, 11, 16, 16, 0, 0).unwrap()
        );
        assert_eq!(w.to, Utc.with_ymd_and_hms(2025, 11, 23, 16, 0, 0).unwrap());
    }
}
