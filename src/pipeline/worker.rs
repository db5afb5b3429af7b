//! Workers: any number of processes, on any machines, that share a beat's fetching through
//! the store's job queue.
//!
//! A worker plans a round of fetch jobs (one per source) unless another process planned one
//! recently, claims ready jobs a few at a time under a lease, renews the lease while a job
//! runs, and marks each job done with its outcome. A worker that dies stops renewing; its
//! jobs return to the queue when their leases run out and another worker does them. When the
//! queue is empty and new articles have arrived since the last draft, one worker (holding the
//! beat's story lock) rebuilds the draft.

use std::time::Duration;

use chrono::Utc;
use std::sync::Arc;

use serde::Serialize;
use tokio::task::JoinSet;

use super::{Due, fetch_source};
use crate::config::Config;
use crate::sources::fetch::{FetchOptions, Fetcher};
use crate::store::{Job, Store};

/// The job kind that fetches one source, named by its `target`.
pub const FETCH: &str = "fetch";

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// This worker's name in leases and logs; unique among live workers.
    pub name: String,
    /// How long a claimed job stays this worker's without a renewal.
    pub lease: Duration,
    /// Jobs run at once.
    pub slots: usize,
    /// Finish when the queue is empty (after one round) instead of running on.
    pub once: bool,
    /// How often a round of all sources is planned.
    pub every: Duration,
    /// How long to wait between looks at an empty queue.
    pub idle: Duration,
    /// Rebuild the draft when new articles have arrived.
    pub draft: bool,
}

impl WorkerOptions {
    /// Defaults for a worker named after this host and process.
    pub fn new(slots: usize) -> WorkerOptions {
        let host = std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "host".to_string());
        WorkerOptions {
            name: format!("{host}:{}", std::process::id()),
            lease: Duration::from_secs(60),
            slots: slots.max(1),
            once: false,
            every: Duration::from_secs(15 * 60),
            idle: Duration::from_secs(2),
            draft: true,
        }
    }
}

/// What one worker did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkerReport {
    /// Jobs this worker planned (zero when another worker planned the round).
    pub planned: u64,
    /// Jobs it finished.
    pub done: u64,
    /// Of those, the fetches that failed (recorded in the source's health).
    pub failed: u64,
    /// Jobs whose lease it lost before finishing (another worker took them over).
    pub lost: u64,
    /// New articles stored.
    pub new_articles: u64,
    /// Drafts it rebuilt.
    pub drafts: u64,
}

/// Runs a worker for the config's beat until the queue is empty (`once`) or forever.
pub async fn run(
    config: &Config,
    store: &Store,
    opts: &WorkerOptions,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<WorkerReport> {
    let fetcher = Fetcher::new(FetchOptions::from(config))?;
    let names: Vec<String> = config
        .sources
        .iter()
        .map(|s| s.name.get_ref().clone())
        .collect();
    let due = if opts.once { Due::All } else { Due::Due };
    let mut report = WorkerReport::default();
    let mut last_plan: Option<std::time::Instant> = None;
    // Each job is its own task, so that a job holding a store transaction never waits on
    // this loop (which itself waits on the store).
    let shared = Arc::new((config.clone(), store.clone(), fetcher, opts.clone()));
    let mut running: JoinSet<anyhow::Result<JobOutcome>> = JoinSet::new();
    // A one-round worker looks at the queue often, so that it exits soon after the round.
    let idle = if opts.once {
        opts.idle.min(Duration::from_millis(200))
    } else {
        opts.idle
    };
    loop {
        // A one-round worker plans once; a long-running one every `opts.every`.
        let plan_due = match last_plan {
            None => true,
            Some(t) => !opts.once && t.elapsed() >= opts.every,
        };
        if plan_due {
            last_plan = Some(std::time::Instant::now());
            if let Some(n) = store.plan_round(FETCH, &names, opts.every).await? {
                report.planned += n;
                tracing::info!(worker = %opts.name, jobs = n, "planned a round");
            }
        }
        let free = opts.slots - running.len();
        if free > 0 {
            for job in store.claim(&opts.name, opts.lease, free as i64).await? {
                let shared = shared.clone();
                running.spawn(async move {
                    let (config, store, fetcher, opts) = &*shared;
                    do_job(config, store, fetcher, opts, job, due).await
                });
            }
        }
        if running.is_empty() {
            let mut counts = store.job_counts().await?;
            // Draft once the whole beat is idle, not after each worker's share.
            if opts.draft && counts.queued == 0 && counts.running == 0 {
                report.drafts += redraft(config, store, opts).await?;
                counts = store.job_counts().await?;
            }
            progress.set_message(format!(
                "{} queued, {} running elsewhere",
                counts.queued, counts.running
            ));
            if opts.once && counts.queued == 0 && counts.running == 0 {
                // Another worker may still be drafting; make sure the last articles are in.
                if !opts.draft || draft_is_current(store).await? {
                    break;
                }
            }
            tokio::time::sleep(idle).await;
            continue;
        }
        // Wait for one job, or for a short while so that freed slots are refilled.
        tokio::select! {
            Some(outcome) = running.join_next() => {
                let outcome: JobOutcome = outcome??;
                progress.inc(1);
                progress.set_message(outcome.target.clone());
                report.done += u64::from(outcome.finished);
                report.lost += u64::from(!outcome.finished);
                report.failed += u64::from(outcome.failed);
                report.new_articles += outcome.new;
            }
            _ = tokio::time::sleep(Duration::from_millis(250)), if running.len() < opts.slots => {}
        }
    }
    Ok(report)
}

struct JobOutcome {
    target: String,
    finished: bool,
    failed: bool,
    new: u64,
}

/// Runs one job, renewing its lease until it is done.
async fn do_job(
    config: &Config,
    store: &Store,
    fetcher: &Fetcher,
    opts: &WorkerOptions,
    job: Job,
    due: Due,
) -> anyhow::Result<JobOutcome> {
    let target = job.target.clone();
    let work = async {
        if job.kind != FETCH {
            return (format!("unknown job kind {:?}", job.kind), true, 0);
        }
        match config
            .sources
            .iter()
            .find(|s| s.name.get_ref() == &job.target)
        {
            None => (
                format!("no source named {:?} in the config", job.target),
                true,
                0,
            ),
            Some(src) => {
                let r = fetch_source(config, store, fetcher, src, due).await;
                let failed = r.error.is_some();
                (r.status, failed, r.new as u64)
            }
        }
    };
    tokio::pin!(work);
    let mut renew = tokio::time::interval(opts.lease / 3);
    renew.tick().await;
    let (outcome, failed, new) = loop {
        tokio::select! {
            done = &mut work => break done,
            _ = renew.tick() => {
                if !store.renew(job.id, &opts.name, opts.lease).await? {
                    tracing::warn!(job = job.id, target = %job.target, "lease lost; another worker may redo this job");
                }
            }
        }
    };
    let finished = store.finish(job.id, &opts.name, &outcome).await?;
    Ok(JobOutcome {
        target,
        finished,
        failed,
        new,
    })
}

/// Whether the latest draft was built over every stored article.
async fn draft_is_current(store: &Store) -> anyhow::Result<bool> {
    let mark = store.watermark().await?;
    Ok(mark == 0 || store.draft_watermark().await?.is_some_and(|d| d >= mark))
}

/// Rebuilds the draft of the default window when articles arrived since the last one and no
/// other worker is rebuilding it; returns 1 when it did.
async fn redraft(config: &Config, store: &Store, opts: &WorkerOptions) -> anyhow::Result<u64> {
    if draft_is_current(store).await? {
        return Ok(0);
    }
    let Some(lock) = store.try_lock_beat(&opts.name, opts.lease).await? else {
        return Ok(0);
    };
    let result = async {
        // Checked again under the lock: another worker may just have finished one.
        if draft_is_current(store).await? {
            return Ok(0);
        }
        let tz = config.timezone();
        let now = Utc::now();
        let window = crate::edition::window::last_days(
            tz,
            now.with_timezone(&tz).date_naive(),
            config.edition.window_days,
        );
        super::draft(config, store, window, config.edition.size, now).await?;
        Ok::<u64, anyhow::Error>(1)
    }
    .await;
    lock.release().await?;
    result
}
