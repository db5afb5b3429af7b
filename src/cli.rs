//! The front door: `roundup` commands. Each is a few lines that call the library.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;

use crate::config::{self, Config};
use crate::render::{self, Format};
use crate::store::Store;
use crate::{edition, extract, pipeline, stories, summarize};

mod desk;
pub use desk::{SubscriberAction, UserAction};

/// Roundup: watch a beat's news sources and publish a curated digest.
///
/// Start with `roundup demo` to see the whole pipeline on a sample beat, offline. For your own
/// beat: `roundup init` writes a commented roundup.toml; edit it, `roundup check` it, then
/// `roundup fetch` and `roundup draft`. Commands find roundup.toml in the current folder (or
/// --config PATH) and keep their data beside it.
#[derive(Parser, Debug)]
#[command(name = "roundup", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// The beat's config file [default: ./roundup.toml].
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format of `search` and `stories`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One line per item, for people.
    Text,
    /// One JSON object per line, for scripts.
    Jsonl,
}

/// Output format of `feed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FeedFormat {
    /// One JSON object per file.
    Jsonl,
}

/// Clustering engine of `cluster`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClusterEngine {
    /// Average-link over the whole input at once, twin events kept apart by their names (what
    /// drafts use).
    Batch,
    /// One pass in input order, as articles would arrive (for unbounded streams).
    Stream,
}

/// Output format of `extract`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExtractFormat {
    /// One JSON object per file.
    Jsonl,
    /// The title and text of each file, for reading.
    Text,
}

/// `roundup opml` actions.
#[derive(Subcommand, Debug)]
pub enum OpmlAction {
    /// Add the feeds of an OPML file to roundup.toml; nested outlines become categories.
    Import {
        /// The .opml file.
        file: PathBuf,
    },
    /// Print the sources as OPML 2.0, nested by category.
    Export {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// `roundup edition` actions.
#[derive(Subcommand, Debug)]
pub enum EditionAction {
    /// Load an edition published before Roundup: Markdown with numbered stories ("## 1.
    /// Headline" or "1. **Headline**", each followed by its paragraphs), or JSON as
    /// `roundup draft --format json` writes it.
    Import {
        /// The .md or .json file.
        file: PathBuf,
        /// Day it was published [default: the ISO date in its title, or the JSON window's end].
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<NaiveDate>,
    },
    /// Publish the current draft as the editors left it: it becomes an edition at a stable
    /// address (named after the window's last day), never changed afterwards.
    Publish,
    /// List the published editions with their send counts.
    List,
}

/// `roundup source` actions.
#[derive(Subcommand, Debug)]
pub enum SourceAction {
    /// Add a feed to roundup.toml (fetched once first, to check it).
    Add {
        /// Display name, unique in the beat.
        name: String,
        /// Feed URL.
        url: String,
        /// Language of the outlet (ISO 639-1).
        #[arg(long)]
        lang: Option<String>,
        /// Add it without fetching it first.
        #[arg(long)]
        no_test: bool,
    },
    /// Remove a feed from roundup.toml (its stored articles stay).
    Remove {
        /// The source's name.
        name: String,
    },
    /// Stop fetching a source until it is resumed.
    Pause {
        /// The source's name.
        name: String,
    },
    /// Fetch a paused source again.
    Resume {
        /// The source's name.
        name: String,
    },
    /// Fetch a feed URL once and preview the entries Roundup would take, storing nothing.
    Test {
        /// Feed URL.
        url: String,
    },
}

/// Roundup's commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the whole pipeline on the embedded sample beat, offline, and write an edition.
    ///
    /// Serves nine sample outlets (RSS, Atom, JSON Feed; English and Chinese; one in GBK) on a
    /// loopback port, fetches them over real HTTP, extracts, stores, clusters, ranks,
    /// summarizes and renders. Writes DIR/edition.md, DIR/edition.html and DIR/roundup.db
    /// (reset on every run) and prints the ranked stories.
    Demo {
        /// Where to write the demo's files.
        #[arg(long, default_value = "roundup-demo")]
        dir: PathBuf,
    },
    /// Write a commented roundup.toml for a new beat.
    Init {
        /// Write a built-in example beat instead of the blank starter (china-digital).
        #[arg(long, value_name = "NAME")]
        example: Option<String>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Validate the config and name the line of each mistake.
    Check,
    /// Poll every configured source once and store new articles.
    ///
    /// Sends conditional requests (ETag, Last-Modified), spaces requests to one host, refuses
    /// addresses on this machine or private networks unless [fetch] allow_hosts lists them, and
    /// reports each source on its own line; a broken source never stops the others. A failing
    /// source backs off (15 minutes, doubling, up to a day; never before its Retry-After) and
    /// is skipped until then.
    Fetch {
        /// Fetch every source now, even those backing off.
        #[arg(long, conflicts_with = "due")]
        force: bool,
        /// Fetch only the sources due by their own cadence (adaptive polling; for cron jobs).
        #[arg(long)]
        due: bool,
    },
    /// Load entries from a JSON Lines file, or saved pages from a folder, offline.
    ///
    /// A .jsonl file: title and link (required); id, source, published (ISO 8601 with offset
    /// or Z), summary, text, lang (optional). Unknown sources are created; bad lines are
    /// reported with their numbers and skipped. A folder: every .html, .htm and .html.gz file
    /// in it (and below) is extracted like a fetched page. Re-importing changes nothing.
    Import {
        /// The .jsonl file or the folder of saved pages.
        file: PathBuf,
    },
    /// Build the edition for a window and print it.
    Draft {
        /// First day, inclusive, in the beat's timezone [default: window_days ago].
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<NaiveDate>,
        /// Last day, inclusive, in the beat's timezone [default: today].
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<NaiveDate>,
        /// Number of stories [default: the config's edition size].
        #[arg(long)]
        size: Option<usize>,
        /// Output format.
        #[arg(long, value_enum, default_value = "md")]
        format: Format,
    },
    /// List the window's stories, ranked, with their outlets.
    Stories {
        /// First day, inclusive.
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<NaiveDate>,
        /// Last day, inclusive.
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<NaiveDate>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// Show each source's health: last status, last error, articles stored.
    Sources,
    /// Search stored articles (Chinese and English).
    Search {
        /// Words to look for; every word must match.
        query: String,
        /// Most hits to show.
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// Extract articles from HTML files (.html or .html.gz) and print them.
    Extract {
        /// Output format.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExtractFormat,
        /// The files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Parse feed files and print each one's digest as a JSON line.
    ///
    /// One object per file: file (the path as given), bozo, feed {title, link, language},
    /// entries [{id, title, link, published, summary_text, author}], with text as feedparser
    /// gives it. A file that cannot be parsed gives a line with file and error. The same parser
    /// reads feeds in `fetch`.
    Feed {
        /// Output format (JSON Lines only, for now).
        #[arg(long, value_enum, default_value = "jsonl")]
        format: FeedFormat,
        /// The feed files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Cluster a JSON Lines file of articles into stories; prints id and cluster per line.
    ///
    /// Input objects: id, title, text, and optionally published and lang. With --config, the
    /// beat's watchlist links reports across languages.
    Cluster {
        /// The .jsonl file.
        #[arg(long)]
        input: PathBuf,
        /// Similarity at or above which articles join one story [default: the shipped default].
        #[arg(long)]
        threshold: Option<f32>,
        /// Clustering engine: `batch` sees every article at once; `stream` takes them one at
        /// a time in input order (by publication time when given), as a live feed would.
        #[arg(long, value_enum, default_value_t = ClusterEngine::Batch)]
        engine: ClusterEngine,
    },
    /// Summarize story clusters from a JSON Lines file; prints id, headline and summary.
    ///
    /// Input objects: id and articles [{title, text}]. The summary has one sentence per line.
    /// A CJK character counts as half a word. A sentence that articles of two different
    /// clusters in the file carry word for word (an archive notice, a newsletter box) is
    /// treated as site furniture and never picked.
    Summarize {
        /// The .jsonl file.
        #[arg(long)]
        input: PathBuf,
        /// Word budget of each summary.
        #[arg(long, default_value_t = 220)]
        words: usize,
    },
    /// Manage sources: add, remove, pause, resume, or test a feed URL.
    Source {
        /// What to do.
        #[command(subcommand)]
        action: SourceAction,
    },
    /// Apply retention: clear the text of articles older than N days (titles, links and
    /// summaries stay, so stories and search still know them) and drop old drafts.
    Prune {
        /// Days to keep [default: [store] retention_days].
        #[arg(long)]
        days: Option<u32>,
    },
    /// Published editions: load the ones published before Roundup, so that a story already
    /// published is not picked again unless it moved on.
    Edition {
        /// What to do.
        #[command(subcommand)]
        action: EditionAction,
    },
    /// Import or export the sources as OPML, the feed-list format readers exchange.
    Opml {
        /// What to do.
        #[command(subcommand)]
        action: OpmlAction,
    },
    /// Write a consistent copy of the store to FILE while it stays in use.
    Backup {
        /// Where to write the copy (must not exist).
        file: PathBuf,
    },
    /// Replace the store with a backup made by `roundup backup` (stop other roundup processes first).
    Restore {
        /// The backup file.
        file: PathBuf,
    },
    /// Create or upgrade the store's schema and report its version, then exit.
    ///
    /// Every command migrates the store on first use; run this once before starting workers
    /// against a new PostgreSQL database, or to check which store a config points at. The
    /// store is `[store] database_url` or ROUNDUP_DATABASE_URL (PostgreSQL) when set, else
    /// the SQLite file.
    Migrate,
    /// Fetch the beat's sources together with other workers that share its store.
    ///
    /// Run any number of workers, on any machines, against one PostgreSQL store (set
    /// `[store] database_url` or ROUNDUP_DATABASE_URL): each round, one worker queues a fetch
    /// job per source and every worker claims jobs under a lease. A worker that dies loses
    /// nothing: its jobs return to the queue when their leases run out. When the queue
    /// empties, one worker at a time rebuilds the draft. Also works on the SQLite file, for
    /// one machine.
    Worker {
        /// Do one round, wait until the queue is empty, then exit.
        #[arg(long)]
        once: bool,
        /// Jobs run at once by this worker [default: [fetch] concurrency].
        #[arg(long)]
        slots: Option<usize>,
        /// Seconds a claimed job stays this worker's without a renewal; a dead worker's jobs
        /// return to the queue after this long.
        #[arg(long, default_value_t = 60)]
        lease_secs: u64,
        /// Minutes between rounds of all sources (a source is still only fetched when its
        /// adaptive schedule says it is due).
        #[arg(long, default_value_t = 15)]
        every_mins: u64,
        /// Do not rebuild the draft.
        #[arg(long)]
        no_draft: bool,
        /// This worker's name in leases and logs [default: HOST:PID].
        #[arg(long)]
        name: Option<String>,
    },
    /// Serve the editor's desk (/desk, after `roundup user add`) and the public archive,
    /// feeds and subscription pages.
    Serve {
        /// Address to listen on [default: the config's [serve] addr, 127.0.0.1:8080].
        #[arg(long)]
        addr: Option<String>,
    },
    /// The long-running service: polls sources when due, rebuilds the draft as articles
    /// arrive, builds the edition's draft at [schedule] draft (cron, in the beat's
    /// timezone) and emails the editors, and serves the desk. Stops on Ctrl-C or SIGTERM.
    /// contrib/roundup.service is an example systemd unit.
    Run {
        /// Address of the desk [default: the config's [serve] addr].
        #[arg(long)]
        addr: Option<String>,
        /// Seconds between polls of the sources that are due.
        #[arg(long, default_value_t = 60)]
        tick_secs: u64,
    },
    /// Editors of the desk.
    User {
        /// What to do.
        #[command(subcommand)]
        action: UserAction,
    },
    /// Email subscribers: add (double opt-in), import and export CSV, list.
    Subscribers {
        /// What to do.
        #[command(subcommand)]
        action: SubscriberAction,
    },
    /// Send a published edition to every confirmed subscriber who has not had it, at
    /// [email] per_minute. Safe to run again after a crash: the send log skips whoever has
    /// it and writes to nobody twice; addresses the server refuses for good are marked
    /// bouncing and left out from then on.
    Send {
        /// The edition's slug, as `roundup edition list` shows it (such as 2025-11-23).
        edition: String,
    },
    /// Write the public archive as static files: index.html, editions/SLUG.html (.md,
    /// .json), feed.atom, feed.json and entity/NAME.atom.
    Export {
        /// The folder to write (created if needed).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Parses the command line, runs the command and turns errors into messages and exit codes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROUNDUP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let config_path = cli
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from("roundup.toml"));
    match cli.command {
        Command::Demo { dir } => demo(&dir).await,
        Command::Init { example, force } => init(&config_path, example.as_deref(), force),
        Command::Check => check(&config_path),
        Command::Fetch { force, due } => {
            let due = if force {
                pipeline::Due::Force
            } else if due {
                pipeline::Due::Due
            } else {
                pipeline::Due::All
            };
            let (config, store) = open(&config_path).await?;
            if config.sources.is_empty() {
                bail!(
                    "{} has no [[source]] entries; add feeds to it, then fetch again",
                    config_path.display()
                );
            }
            let pb = pipeline::progress_bar(config.sources.len() as u64, "fetching");
            let reports = pipeline::fetch_all(&config, &store, &pb, due).await?;
            pb.finish_and_clear();
            let mut failed = 0;
            for r in &reports {
                if r.status == "waiting" {
                    println!(
                        "{:<24} wait   {} until {}; `fetch --force` tries it now",
                        r.name,
                        r.wait_reason.as_deref().unwrap_or("waiting"),
                        r.next_attempt.as_deref().unwrap_or("-")
                    );
                    continue;
                }
                match &r.error {
                    Some(e) => {
                        failed += 1;
                        println!(
                            "{:<24} error  {e} [{}; next attempt {}]",
                            r.name,
                            r.state,
                            r.next_attempt.as_deref().unwrap_or("-")
                        );
                    }
                    None => println!(
                        "{:<24} {:<6} {} entries, {} new, {} updated{}",
                        r.name,
                        if r.status == "not_modified" {
                            "304"
                        } else {
                            "ok"
                        },
                        r.entries,
                        r.new,
                        r.updated,
                        if r.page_errors.is_empty() {
                            String::new()
                        } else {
                            format!(
                                ", {} pages failed (kept headline-only): {}",
                                r.page_errors.len(),
                                r.page_errors[0]
                            )
                        }
                    ),
                }
            }
            eprintln!(
                "{} sources, {} failed; {} articles stored",
                reports.len(),
                failed,
                store.article_count().await?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { file } => {
            let (_config, store) = open(&config_path).await?;
            let pb = pipeline::progress_bar(0, "importing");
            let report = if file.is_dir() {
                let report = pipeline::import_html_dir(&file, &store, &pb).await?;
                for (_, msg) in &report.errors {
                    eprintln!("{msg}");
                }
                report
            } else {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("import: cannot read {}", file.display()))?;
                let report = pipeline::import_jsonl(&text, &store, &pb).await?;
                for (line, msg) in &report.errors {
                    eprintln!("{}:{line}: {msg}", file.display());
                }
                report
            };
            pb.finish_and_clear();
            println!(
                "imported {} new, {} updated, {} unchanged, {} bad lines",
                report.new,
                report.updated,
                report.unchanged,
                report.errors.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Draft {
            from,
            to,
            size,
            format,
        } => {
            let (config, store) = open(&config_path).await?;
            let window = window_of(&config, from, to)?;
            let size = size.unwrap_or(config.edition.size);
            let pb = pipeline::progress_bar(1, "drafting");
            let edition =
                pipeline::draft(&config, &store, window, size, chrono::Utc::now()).await?;
            pb.finish_and_clear();
            print_out(&render::render(&edition, format))
        }
        Command::Stories { from, to, format } => {
            let (config, store) = open(&config_path).await?;
            let window = window_of(&config, from, to)?;
            let articles = store.articles_in(window).await?;
            let earlier = pipeline::earlier_editions(&store, window).await?;
            let stories = stories::build_stories(articles, &config, window, &earlier);
            let mut out = String::new();
            for (i, s) in stories.iter().enumerate() {
                let lead = &s.articles[0];
                match format {
                    ListFormat::Text => out.push_str(&format!(
                        "{:>3}. {:>6.2}  {}  [{}]\n",
                        i + 1,
                        s.score.total,
                        lead.title,
                        s.outlets().join(", ")
                    )),
                    ListFormat::Jsonl => out.push_str(&format!(
                        "{}\n",
                        json!({"rank": i + 1, "title": lead.title, "score": s.score, "outlets": s.outlets(),
                               "entities": s.entities, "articles": s.articles.iter().map(|a| &a.link).collect::<Vec<_>>()})
                    )),
                }
            }
            print_out(&out)
        }
        Command::Sources => {
            let (_config, store) = open(&config_path).await?;
            let mut out = String::new();
            for s in store.sources().await? {
                let next = s
                    .next_attempt
                    .as_deref()
                    .map(|t| format!("  next attempt {t}"))
                    .unwrap_or_default();
                let every = s
                    .poll_every_secs
                    .map(|x| format!("  polls every {} min", x / 60))
                    .unwrap_or_default();
                let moved = s
                    .moved_to
                    .as_deref()
                    .map(|u| format!("  moved to {u}"))
                    .unwrap_or_default();
                let error = s
                    .last_error
                    .map(|e| format!("\n{:<24} {e}", ""))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "{:<24} {:<8} {:>5} articles  last fetch {}{every}{next}{moved}{error}\n",
                    s.name,
                    s.state,
                    s.articles,
                    s.last_fetch_at.as_deref().unwrap_or("-"),
                ));
            }
            print_out(&out)
        }
        Command::Search {
            query,
            limit,
            format,
        } => {
            let (_config, store) = open(&config_path).await?;
            let mut out = String::new();
            for a in store.search(&query, limit).await? {
                let date = a
                    .published
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| "-".into());
                match format {
                    ListFormat::Text => {
                        out.push_str(&format!("{date}  {}  {}  {}\n", a.source, a.title, a.link))
                    }
                    ListFormat::Jsonl => out.push_str(&format!(
                        "{}\n",
                        json!({"date": date, "source": a.source, "title": a.title, "link": a.link})
                    )),
                }
            }
            print_out(&out)
        }
        Command::Extract { format, paths } => extract_files(&paths, format),
        Command::Feed {
            format: FeedFormat::Jsonl,
            paths,
        } => feed_files(&paths),
        Command::Cluster {
            input,
            threshold,
            engine,
        } => {
            let config = filter_config(cli.config.as_deref())?;
            cluster_file(&input, &config, engine, threshold)
        }
        Command::Summarize { input, words } => summarize_file(&input, words),
        Command::Source { action } => source(&config_path, action).await,
        Command::Edition {
            action: EditionAction::Import { file, date },
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let imported = crate::edition::import::parse(&text, &name)
                .with_context(|| format!("{}", file.display()))?;
            let published = match (date, imported.published) {
                (Some(d), _) => d
                    .and_hms_opt(12, 0, 0)
                    .map(|t| t.and_utc())
                    .context("invalid --date")?,
                (None, Some(t)) => t,
                (None, None) => bail!(
                    "{}: no publication date in the file; pass --date YYYY-MM-DD (the day the edition was published)",
                    file.display()
                ),
            };
            let edition = imported.published_at(published);
            let (_config, store) = open(&config_path).await?;
            store.save_published(&edition, published).await?;
            let n = edition.stories.len();
            println!(
                "imported \"{}\" ({n} stor{}), published {}",
                edition.title,
                if n == 1 { "y" } else { "ies" },
                published.format("%Y-%m-%d")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Opml { action } => opml(&config_path, action),
        Command::Backup { file } => {
            let (_config, store) = open(&config_path).await?;
            if file.exists() {
                bail!(
                    "backup: {} already exists; choose a new file name",
                    file.display()
                );
            }
            store
                .backup(&file)
                .await
                .with_context(|| format!("backup: cannot write {}", file.display()))?;
            println!(
                "wrote a copy of the store to {} ({} articles)",
                file.display(),
                store.article_count().await?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file } => restore(&config_path, &file).await,
        Command::Prune { days } => {
            let (config, store) = open(&config_path).await?;
            let Some(days) = days.or(config.store.retention_days) else {
                bail!("prune: how many days to keep? pass --days N or set [store] retention_days");
            };
            let before = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
            let (articles, drafts) = store.prune(before).await?;
            println!(
                "pruned the text of {articles} articles and {drafts} drafts older than {days} days"
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let config = load(&config_path)?;
            let location = config.store_location().map_err(anyhow::Error::msg)?;
            let store = Store::connect(&location, config.beat_id()).await?;
            println!(
                "{} store at {location}: schema version {}; beat {:?} has {} articles",
                store.backend(),
                store.schema_version().await?,
                store.beat(),
                store.article_count().await?
            );
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Worker {
            once,
            slots,
            lease_secs,
            every_mins,
            no_draft,
            name,
        } => {
            let (config, store) = open(&config_path).await?;
            if config.sources.is_empty() {
                bail!(
                    "{} has no [[source]] entries; add feeds to it, then start the worker",
                    config_path.display()
                );
            }
            let mut opts =
                pipeline::worker::WorkerOptions::new(slots.unwrap_or(config.fetch.concurrency));
            if let Some(name) = name {
                opts.name = name;
            }
            opts.once = once;
            opts.lease = std::time::Duration::from_secs(lease_secs.max(3));
            opts.every = std::time::Duration::from_secs(every_mins.max(1) * 60);
            opts.draft = !no_draft;
            eprintln!(
                "worker {} on the {} store, beat {:?}: {} slots, {} s leases{}",
                opts.name,
                store.backend(),
                store.beat(),
                opts.slots,
                opts.lease.as_secs(),
                if once { ", one round" } else { "" }
            );
            let pb = pipeline::progress_bar(0, "jobs");
            let report = pipeline::worker::run(&config, &store, &opts, &pb).await?;
            pb.finish_and_clear();
            println!("{}", serde_json::to_string(&report)?);
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { addr } => desk::serve(&config_path, addr).await,
        Command::Run { addr, tick_secs } => desk::run(&config_path, addr, tick_secs).await,
        Command::User { action } => desk::user(&config_path, action).await,
        Command::Subscribers { action } => desk::subscribers(&config_path, action).await,
        Command::Send { edition } => desk::send(&config_path, &edition).await,
        Command::Export { out } => desk::export(&config_path, &out).await,
        Command::Edition {
            action: EditionAction::Publish,
        } => desk::publish(&config_path).await,
        Command::Edition {
            action: EditionAction::List,
        } => desk::list_editions(&config_path).await,
    }
}

/// Replaces the config file atomically: a crash leaves the old file or the new one.
fn write_config(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

async fn source(config_path: &Path, action: SourceAction) -> Result<ExitCode> {
    let load = || -> Result<(Config, String)> {
        let config = Config::load(config_path)?;
        Ok((config, std::fs::read_to_string(config_path)?))
    };
    let save = |text: &str| write_config(config_path, text);
    match action {
        SourceAction::Test { url } => {
            let config = filter_config(config_path.exists().then_some(config_path))?;
            let feed = pipeline::preview(&config, &url).await?;
            println!(
                "{} — {} entries{}",
                feed.title.as_deref().unwrap_or("(untitled feed)"),
                feed.entries.len(),
                if feed.bozo {
                    " (recovered from malformed XML)"
                } else {
                    ""
                }
            );
            for e in feed.entries.iter().take(15) {
                let date = e
                    .published
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| "-".into());
                println!("{date}  {}  {}", e.title, e.link);
            }
        }
        SourceAction::Add {
            name,
            url,
            lang,
            no_test,
        } => {
            let (config, text) = load()?;
            if !no_test {
                let feed = pipeline::preview(&config, &url).await.with_context(|| {
                    format!("source add: {url} did not work; pass --no-test to add it anyway")
                })?;
                println!("{url}: {} entries", feed.entries.len());
            }
            let updated =
                crate::config::with_source_added(&text, &name, &url, lang.as_deref(), None)
                    .map_err(|p| {
                        anyhow::anyhow!(
                            "source add: {}",
                            p.iter()
                                .map(|p| p.message.clone())
                                .collect::<Vec<_>>()
                                .join("; ")
                        )
                    })?;
            save(&updated)?;
            println!("added {name:?} to {}", config_path.display());
        }
        SourceAction::Remove { name } => {
            let (_config, text) = load()?;
            let updated = crate::config::with_source_removed(&text, &name).with_context(|| {
                format!(
                    "source remove: no source named {name:?} in {}",
                    config_path.display()
                )
            })?;
            save(&updated)?;
            println!(
                "removed {name:?} from {} (its stored articles stay)",
                config_path.display()
            );
        }
        SourceAction::Pause { name } => pause(config_path, &name, true).await?,
        SourceAction::Resume { name } => pause(config_path, &name, false).await?,
    }
    Ok(ExitCode::SUCCESS)
}

fn opml(config_path: &Path, action: OpmlAction) -> Result<ExitCode> {
    use crate::sources::opml::{self, OpmlFeed};
    let config = Config::load(config_path)?;
    match action {
        OpmlAction::Export { out } => {
            let feeds: Vec<OpmlFeed> = config
                .sources
                .iter()
                .map(|s| OpmlFeed {
                    title: s.name.get_ref().clone(),
                    url: s.url.get_ref().clone(),
                    category: s.category.clone(),
                })
                .collect();
            let text = opml::write(&config.beat.name, &feeds);
            match out {
                Some(path) => {
                    std::fs::write(&path, text)
                        .with_context(|| format!("opml export: cannot write {}", path.display()))?;
                    println!("wrote {} sources to {}", feeds.len(), path.display());
                }
                None => return print_out(&text),
            }
        }
        OpmlAction::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("opml import: cannot read {}", file.display()))?;
            let feeds = opml::parse(&text)
                .map_err(|e| anyhow::anyhow!("opml import: {}: {e}", file.display()))?;
            let mut updated = std::fs::read_to_string(config_path)?;
            let mut names: Vec<String> = config
                .sources
                .iter()
                .map(|s| s.name.get_ref().to_lowercase())
                .collect();
            let urls: Vec<&str> = config
                .sources
                .iter()
                .map(|s| s.url.get_ref().as_str())
                .collect();
            let (mut added, mut skipped) = (0, 0);
            for f in feeds {
                if urls.contains(&f.url.as_str()) {
                    skipped += 1;
                    continue;
                }
                let mut name = f.title.clone();
                let mut n = 2;
                while names.contains(&name.to_lowercase()) {
                    name = format!("{} ({n})", f.title);
                    n += 1;
                }
                match crate::config::with_source_added(
                    &updated,
                    &name,
                    &f.url,
                    None,
                    f.category.as_deref(),
                ) {
                    Ok(t) => {
                        updated = t;
                        names.push(name.to_lowercase());
                        added += 1;
                    }
                    Err(p) => {
                        eprintln!(
                            "skipped {:?} ({}): {}",
                            f.title,
                            f.url,
                            p.iter()
                                .map(|p| p.message.clone())
                                .collect::<Vec<_>>()
                                .join("; ")
                        );
                        skipped += 1;
                    }
                }
            }
            write_config(config_path, &updated)?;
            println!(
                "added {added} sources to {} ({skipped} skipped: already there or invalid)",
                config_path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn pause(config_path: &Path, name: &str, paused: bool) -> Result<()> {
    let (config, store) = open(config_path).await?;
    let Some(src) = config.sources.iter().find(|s| s.name.get_ref() == name) else {
        bail!("no source named {name:?} in {}", config_path.display());
    };
    // A source never fetched yet is not in the store: create it, so that the pause sticks.
    store
        .ensure_source(
            name,
            Some(src.url.get_ref()),
            crate::model::SourceKind::Feed,
            src.weight,
            src.lang.as_deref(),
        )
        .await?;
    store.set_paused(name, paused).await?;
    println!("{} {name:?}", if paused { "paused" } else { "resumed" });
    Ok(())
}

async fn restore(config_path: &Path, file: &Path) -> Result<ExitCode> {
    let config = Config::load(config_path)?;
    let db = match config.store_location().map_err(anyhow::Error::msg)? {
        crate::store::Location::Sqlite(p) => p,
        crate::store::Location::Postgres(_) => {
            bail!("restore: the store is PostgreSQL; restore it with pg_restore from a pg_dump")
        }
    };
    if !file.exists() {
        bail!("restore: {} does not exist", file.display());
    }
    if file.canonicalize().ok() == db.canonicalize().ok() {
        bail!("restore: {} is the store itself", file.display());
    }
    // Check the backup on a copy: it must open as a Roundup store.
    let staged = db.with_extension("db.restore");
    std::fs::copy(file, &staged)
        .with_context(|| format!("restore: cannot copy {}", file.display()))?;
    let check = Store::connect(
        &crate::store::Location::Sqlite(staged.clone()),
        config.beat_id(),
    )
    .await;
    let articles = match check {
        Ok(s) => {
            let n = s.article_count().await;
            s.close().await;
            n.map_err(|e| {
                let _ = std::fs::remove_file(&staged);
                anyhow::anyhow!("restore: {} is not a Roundup store: {e}", file.display())
            })?
        }
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            bail!("restore: {} is not a Roundup store: {e}", file.display());
        }
    };
    for ext in ["db-wal", "db-shm"] {
        let _ = std::fs::remove_file(db.with_extension(ext));
    }
    std::fs::rename(&staged, &db)?;
    println!(
        "restored {} from {} ({articles} articles)",
        db.display(),
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}

async fn demo(dir: &Path) -> Result<ExitCode> {
    let out = crate::demo::run(dir).await?;
    let ok = out.reports.iter().filter(|r| r.error.is_none()).count();
    eprintln!(
        "fetched {} of {} sample outlets over HTTP",
        ok,
        out.reports.len()
    );
    for r in &out.reports {
        if let Some(e) = &r.error {
            eprintln!("  {}: {e}", r.name);
        }
    }
    println!("{} — {}", out.edition.title, out.edition.window_label);
    for s in &out.edition.stories {
        let mut outlets: Vec<&str> = s.articles.iter().map(|a| a.source.as_str()).collect();
        outlets.extend(s.also_carried_by.iter().map(|a| a.source.as_str()));
        outlets.sort();
        outlets.dedup();
        println!(
            "{:>3}. [{:>5.2}] {}\n       {}",
            s.rank,
            s.score.total,
            s.headline,
            outlets.join(" · ")
        );
    }
    println!();
    println!("wrote {}", out.markdown.display());
    println!("wrote {}", out.html.display());
    println!("store {}", out.db.display());
    Ok(ExitCode::SUCCESS)
}

fn init(path: &Path, example: Option<&str>, force: bool) -> Result<ExitCode> {
    let text = match example {
        None => config::STARTER,
        Some(name) => config::example(name).with_context(|| {
            format!(
                "init: no example beat named {name:?}; known: {}",
                config::EXAMPLES.join(", ")
            )
        })?,
    };
    if path.exists() && !force {
        bail!(
            "init: {} already exists; pass --force to overwrite it",
            path.display()
        );
    }
    std::fs::write(path, text).with_context(|| format!("init: cannot write {}", path.display()))?;
    println!(
        "wrote {}; edit it, then run `roundup check`",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn check(path: &Path) -> Result<ExitCode> {
    match Config::load(path) {
        Ok(c) => {
            println!(
                "{}: ok — {} sources, {} watched entities, {} topics, timezone {}",
                path.display(),
                c.sources.len(),
                c.entities.len(),
                c.topics.len(),
                c.beat.timezone.get_ref()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            eprintln!(
                "{} problem{} found",
                e.problems.len(),
                if e.problems.len() == 1 { "" } else { "s" }
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Loads the config and opens (creating or migrating) its store.
async fn open(path: &Path) -> Result<(Config, Store)> {
    let config = load(path)?;
    let location = config.store_location().map_err(anyhow::Error::msg)?;
    let store = Store::connect(&location, config.beat_id()).await?;
    Ok((config, store))
}

/// Loads the config, saying how to make one when there is none.
fn load(path: &Path) -> Result<Config> {
    if !path.exists() {
        bail!(
            "no config at {}: run `roundup init` here (or `roundup init --example china-digital`), or pass --config PATH",
            path.display()
        );
    }
    Ok(Config::load(path)?)
}

/// The config for filters: built-in defaults, or the beat's when --config is given.
fn filter_config(path: Option<&Path>) -> Result<Config> {
    match path {
        Some(p) => Ok(Config::load(p)?),
        None => Ok(Config::default()),
    }
}

fn window_of(
    config: &Config,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<crate::model::Window> {
    let tz = config.timezone();
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| {
        to.checked_sub_days(chrono::Days::new(
            u64::from(config.edition.window_days.max(1)) - 1,
        ))
        .unwrap_or(to)
    });
    if from > to {
        bail!("--from {from} is after --to {to}");
    }
    Ok(edition::window::days(tz, from, to))
}

fn print_out(s: &str) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e.into()),
    }
}

fn extract_files(paths: &[PathBuf], format: ExtractFormat) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let pb = pipeline::progress_bar(paths.len() as u64, "extracting");
    for path in paths {
        let shown = path.display().to_string();
        let id = pipeline::page_id(path);
        let line = match pipeline::read_maybe_gz(path) {
            Err(e) => {
                json!({"path": shown, "id": id, "error": format!("cannot read: {e}")}).to_string()
            }
            Ok(bytes) => {
                let x = extract::extract_bytes(&bytes, None, None);
                match format {
                    ExtractFormat::Jsonl => json!({
                        "path": shown, "id": id, "title": x.title,
                        "published": x.published.map(|t| t.to_rfc3339()),
                        "author": x.author, "lang": x.lang, "site_name": x.site_name,
                        "canonical_url": x.canonical_url, "image": x.image, "text": x.text,
                    })
                    .to_string(),
                    ExtractFormat::Text => format!(
                        "== {shown}\n# {}\n\n{}\n",
                        x.title.unwrap_or_default(),
                        x.text
                    ),
                }
            }
        };
        if writeln!(out, "{line}").is_err() {
            break;
        }
        pb.inc(1);
    }
    pb.finish_and_clear();
    let _ = out.flush();
    Ok(ExitCode::SUCCESS)
}

fn feed_files(paths: &[PathBuf]) -> Result<ExitCode> {
    let files: Vec<(String, std::io::Result<Vec<u8>>)> = paths
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read(p)))
        .collect();
    // Parse everything first, then build digests, so that parse time is measured on its own.
    let start = std::time::Instant::now();
    let documents: Vec<Result<feedparser_rs::ParsedFeed, String>> = files
        .iter()
        .map(|(_, bytes)| match bytes {
            Err(e) => Err(format!("cannot read: {e}")),
            Ok(b) => crate::sources::feed::parse_document(b).map_err(|e| e.to_string()),
        })
        .collect();
    let mut parse_time = start.elapsed();
    if std::env::var_os("ROUNDUP_FEED_TIMING").is_some() {
        // Benchmark mode: the best of five more passes, against a noisy machine.
        for _ in 0..5 {
            let again = std::time::Instant::now();
            for (_, bytes) in &files {
                if let Ok(b) = bytes {
                    let _ = crate::sources::feed::parse_document(b);
                }
            }
            parse_time = parse_time.min(again.elapsed());
        }
    }
    let digest_start = std::time::Instant::now();
    let parsed: Vec<_> = files
        .iter()
        .zip(&documents)
        .map(|((name, _), d)| {
            d.as_ref()
                .map(|d| crate::sources::digest::of(name, d))
                .map_err(Clone::clone)
        })
        .collect();
    let digest_time = digest_start.elapsed();
    let mut out = String::new();
    for ((name, _), result) in files.iter().zip(parsed) {
        let line = match result {
            Ok(d) => serde_json::to_string(&d)?,
            Err(e) => json!({"file": name, "error": e}).to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    let timing = format!(
        "parsed {} files in {:.4} s in-process (best pass), digests {:.4} s",
        files.len(),
        parse_time.as_secs_f64(),
        digest_time.as_secs_f64()
    );
    tracing::info!("{timing}");
    if std::env::var_os("ROUNDUP_FEED_TIMING").is_some() {
        eprintln!("roundup feed: {timing}");
    }
    print_out(&out)
}

/// Reads a JSON Lines file into values, reporting unparsable lines as error objects.
fn read_jsonl(path: &Path) -> Result<Vec<(usize, Result<serde_json::Value, String>)>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut rows = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        rows.push((
            i + 1,
            serde_json::from_str(&line).map_err(|e| format!("line {}: not JSON: {e}", i + 1)),
        ));
    }
    Ok(rows)
}

fn str_field(v: &serde_json::Value, k: &str) -> String {
    v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string()
}

fn id_field(v: &serde_json::Value) -> serde_json::Value {
    v.get("id").cloned().unwrap_or(serde_json::Value::Null)
}

fn cluster_file(
    input: &Path,
    config: &Config,
    engine: ClusterEngine,
    threshold: Option<f32>,
) -> Result<ExitCode> {
    use stories::stream::{StreamClusterer, StreamOptions};
    let rows = read_jsonl(input)?;
    let watchlist = stories::entities::Matcher::watchlist(&config.entities);
    let mut batch_opts = stories::cluster::ClusterOptions::default();
    let mut stream_opts = StreamOptions::default();
    if let Some(t) = threshold {
        batch_opts.threshold = t;
        stream_opts.threshold = t;
    }
    let stream = StreamClusterer::new(stream_opts);
    let mut docs = Vec::new();
    let mut ids = Vec::new();
    let mut out = String::new();
    for (line, row) in rows {
        match row {
            Ok(v) if v.get("id").is_some() => {
                let title = str_field(&v, "title");
                let text = str_field(&v, "text");
                let published = v
                    .get("published")
                    .and_then(|p| p.as_str())
                    .and_then(crate::text::dates::parse_datetime);
                docs.push(match engine {
                    ClusterEngine::Batch => {
                        stories::cluster::Doc::new(&title, &text, published, &watchlist)
                    }
                    ClusterEngine::Stream => stream.doc(&title, &text, published, &watchlist),
                });
                ids.push(id_field(&v));
            }
            Ok(_) => out.push_str(&format!(
                "{}\n",
                json!({"line": line, "error": "missing \"id\""})
            )),
            Err(e) => out.push_str(&format!("{}\n", json!({"line": line, "error": e}))),
        }
    }
    let labels = match engine {
        ClusterEngine::Batch => stories::cluster::cluster(&docs, &batch_opts),
        ClusterEngine::Stream => stream.labels(&docs),
    };
    for (id, label) in ids.iter().zip(labels) {
        out.push_str(&format!("{}\n", json!({"id": id, "cluster": label})));
    }
    print_out(&out)
}

fn summarize_file(input: &Path, words: usize) -> Result<ExitCode> {
    // Each row as its id and articles, or the error line printed in its place.
    let rows: Vec<Result<(serde_json::Value, Vec<summarize::Input>), serde_json::Value>> =
        read_jsonl(input)?
            .into_iter()
            .map(|(line, row)| {
                let v = row.map_err(|e| json!({"line": line, "error": e}))?;
                let Some(articles) = v.get("articles").and_then(|a| a.as_array()) else {
                    return Err(
                        json!({"id": id_field(&v), "line": line, "error": "missing \"articles\" array"}),
                    );
                };
                let inputs = articles
                    .iter()
                    .map(|a| summarize::Input {
                        title: str_field(a, "title"),
                        text: str_field(a, "text"),
                    })
                    .collect();
                Ok((id_field(&v), inputs))
            })
            .collect();
    // Sentences that several clusters carry word for word are site furniture.
    let boilerplate = summarize::Boilerplate::from_stories(
        rows.iter()
            .flatten()
            .map(|(_, inputs)| inputs.iter().map(|a| a.text.as_str())),
    );
    let mut opts = summarize::Options {
        words: words as f64,
        boilerplate: std::sync::Arc::new(boilerplate),
        ..Default::default()
    };
    // "centrality,lead,support,lambda": for `bench/summarization_cv.py` only.
    if let Ok(v) = std::env::var("ROUNDUP_SUMMARY_WEIGHTS") {
        let w: Vec<f64> = v.split(',').filter_map(|x| x.trim().parse().ok()).collect();
        let [centrality, lead, support, lambda] = w[..] else {
            anyhow::bail!(
                "ROUNDUP_SUMMARY_WEIGHTS={v:?}: give four numbers, such as 0.6,0.2,1.0,0.9"
            );
        };
        opts.weights = summarize::Weights {
            centrality,
            lead,
            support,
        };
        opts.lambda = lambda;
    }
    let mut out = String::new();
    for row in rows {
        let line = match row {
            Err(error) => error,
            Ok((id, inputs)) => {
                let s = summarize::summarize(&inputs, &opts);
                let lines: Vec<&str> = s.sentences.iter().map(|x| x.text.as_str()).collect();
                json!({"id": id, "headline": s.headline, "summary": lines.join("\n")})
            }
        };
        out.push_str(&format!("{line}\n"));
    }
    print_out(&out)
}
