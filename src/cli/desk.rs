//! The desk's and delivery's commands: users, publishing, subscribers, sending, export and
//! the long-running service.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use super::{open, print_out};
use crate::deliver::{self, Mailer};
use crate::pipeline;

/// `roundup user` actions.
#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Add an editor of the desk, or set a new password for one. The password is read from
    /// the terminal (not echoed) or from the first line of standard input.
    Add {
        /// Login name.
        name: String,
        /// Where "the draft is ready" notices go.
        #[arg(long)]
        email: Option<String>,
    },
    /// List the desk's editors.
    List,
}

/// `roundup subscribers` actions.
#[derive(Subcommand, Debug)]
pub enum SubscriberAction {
    /// Subscribe an address: it gets a confirmation link and is sent editions once it
    /// follows it (double opt-in).
    Add {
        /// The address.
        email: String,
        /// The address has opted in elsewhere: subscribe it at once, without a link.
        #[arg(long)]
        confirmed: bool,
    },
    /// Import addresses from CSV (the column headed "email", else the first); each new one
    /// gets a confirmation link, unless --confirmed.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// The list has opted in elsewhere: subscribe every address at once.
        #[arg(long)]
        confirmed: bool,
    },
    /// Write every subscriber as CSV (email, status, created_at, confirmed_at, last_error).
    Export {
        /// Write to FILE instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// One line per subscriber: address and status.
    List,
}

fn read_password(name: &str) -> Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("password for {name}: "))?;
        let again = rpassword::prompt_password("again: ")?;
        if first != again {
            bail!("the two passwords differ; nothing was changed");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if password.chars().count() < 8 {
        bail!("the password is too short: use 8 characters or more");
    }
    Ok(password)
}

/// `roundup user ...`.
pub async fn user(config_path: &Path, action: UserAction) -> Result<ExitCode> {
    let (_, store) = open(config_path).await?;
    match action {
        UserAction::Add { name, email } => {
            let name = name.trim().to_string();
            if name.is_empty() || name.chars().any(char::is_whitespace) {
                bail!("user name {name:?}: use one word, such as \"ann\"");
            }
            if let Some(e) = &email {
                deliver::parse_address(e)?;
            }
            let password = read_password(&name)?;
            let hash = pipeline::desk::hash_password(&password)?;
            store
                .set_user(&name, &hash, email.as_deref(), chrono::Utc::now())
                .await?;
            println!("{name} can sign in at /login");
            Ok(ExitCode::SUCCESS)
        }
        UserAction::List => {
            let mut out = String::new();
            for u in store.users().await? {
                out.push_str(&format!("{}\t{}\n", u.name, u.email.unwrap_or_default()));
            }
            print_out(&out)
        }
    }
}

/// `roundup edition publish`: the curated draft becomes the next edition.
pub async fn publish(config_path: &Path) -> Result<ExitCode> {
    let (config, store) = open(config_path).await?;
    let who = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    let p = pipeline::desk::publish(&config, &store, &who, chrono::Utc::now()).await?;
    println!(
        "published {} ({} stories): {}",
        p.slug,
        p.edition.stories.len(),
        deliver::edition_url(&config, &p.slug)
    );
    Ok(ExitCode::SUCCESS)
}

/// `roundup edition list`.
pub async fn list_editions(config_path: &Path) -> Result<ExitCode> {
    let (_, store) = open(config_path).await?;
    let mut out = String::new();
    for p in store.published_editions().await? {
        let sends = deliver::send_summary(&store, &p.slug).await?;
        out.push_str(&format!(
            "{}\t{}\t{} stories\tby {}\t{}\n",
            p.slug,
            p.published_at.format("%Y-%m-%d %H:%M UTC"),
            p.edition.stories.len(),
            p.published_by,
            if sends.is_empty() {
                "not sent".into()
            } else {
                sends
            }
        ));
    }
    print_out(&out)
}

fn mailer(config: &crate::config::Config, config_path: &Path) -> Result<Mailer> {
    Mailer::from_config(&config.email)?.with_context(|| {
        format!(
            "email is off: set [email] smtp_url and from in {}",
            config_path.display()
        )
    })
}

/// `roundup send SLUG`.
pub async fn send(config_path: &Path, slug: &str) -> Result<ExitCode> {
    let (config, store) = open(config_path).await?;
    let mailer = mailer(&config, config_path)?;
    store.plan_send(slug, chrono::Utc::now()).await?;
    let todo = store.pending_sends(slug, true).await?.len();
    let pb = pipeline::progress_bar(todo as u64, "sending");
    let report = deliver::send_edition(&store, &config, &mailer, slug, |email, status| {
        if status != "sent" {
            pb.println(format!("{email}: {status}"));
        }
        if status != "will retry" {
            pb.inc(1);
        }
    })
    .await?;
    pb.finish_and_clear();
    println!(
        "{slug}: {} sent now, {} had it already, {} failed, {} bounced (marked, never sent to again)",
        report.sent, report.already, report.failed, report.bounced
    );
    Ok(if report.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `roundup subscribers ...`.
pub async fn subscribers(config_path: &Path, action: SubscriberAction) -> Result<ExitCode> {
    let (config, store) = open(config_path).await?;
    match action {
        SubscriberAction::Add { email, confirmed } => {
            if confirmed {
                let email = deliver::parse_address(&email)?;
                let (s, added) = store
                    .add_subscriber(&email, "active", &deliver::token()?, chrono::Utc::now())
                    .await?;
                println!(
                    "{}: {}",
                    s.email,
                    if added {
                        "subscribed"
                    } else {
                        s.status.as_str()
                    }
                );
            } else {
                let m = mailer(&config, config_path)?;
                let outcome = deliver::subscribe(&store, &config, &m, &email).await?;
                println!("{email}: {outcome:?}");
            }
            Ok(ExitCode::SUCCESS)
        }
        SubscriberAction::Import { file, confirmed } => {
            let data =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let m = if confirmed {
                None
            } else {
                Some(mailer(&config, config_path)?)
            };
            let (report, pending) = deliver::import_csv(&store, &data, confirmed).await?;
            for (line, why) in &report.bad {
                eprintln!("{}:{line}: {why}", file.display());
            }
            let mut asked = 0;
            if let Some(m) = m {
                for s in &pending {
                    match deliver::subscribe(&store, &config, &m, &s.email).await {
                        Ok(_) => asked += 1,
                        Err(e) => eprintln!("{}: {e:#}", s.email),
                    }
                }
            }
            println!(
                "{} added ({} asked to confirm), {} already known, {} bad lines",
                report.added,
                asked,
                report.known,
                report.bad.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        SubscriberAction::Export { out } => {
            let csv = deliver::export_csv(&store).await?;
            match out {
                Some(path) => {
                    std::fs::write(&path, csv)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    Ok(ExitCode::SUCCESS)
                }
                None => print_out(&csv),
            }
        }
        SubscriberAction::List => {
            let mut out = String::new();
            for s in store.subscribers().await? {
                out.push_str(&format!("{}\t{}\n", s.email, s.status));
            }
            print_out(&out)
        }
    }
}

/// `roundup export --out DIR`.
pub async fn export(config_path: &Path, out: &Path) -> Result<ExitCode> {
    let (config, store) = open(config_path).await?;
    let n = deliver::export_archive(&store, &config, out).await?;
    println!("wrote {n} files under {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// `roundup serve`.
pub async fn serve(config_path: &Path, addr: Option<String>) -> Result<ExitCode> {
    let (config, store) = open(config_path).await?;
    let addr = parse_addr(addr.unwrap_or(config.serve.addr.clone()))?;
    let mailer = Mailer::from_config(&config.email)?;
    eprintln!("serving on http://{addr}/ (the desk at /desk; Ctrl-C to stop)");
    let app = crate::web::App::new(store, config, Default::default(), mailer);
    crate::web::serve(app, addr).await?;
    Ok(ExitCode::SUCCESS)
}

fn parse_addr(addr: String) -> Result<std::net::SocketAddr> {
    addr.parse()
        .with_context(|| format!("{addr:?} is not an address such as 127.0.0.1:8080"))
}

/// `roundup run`: the service's ticks and the desk together, until Ctrl-C or SIGTERM.
pub async fn run(config_path: &Path, addr: Option<String>, tick_secs: u64) -> Result<ExitCode> {
    let (config, store) = open(config_path).await?;
    let addr = parse_addr(addr.unwrap_or(config.serve.addr.clone()))?;
    let metrics = std::sync::Arc::new(pipeline::metrics::Metrics::default());
    let mailer = Mailer::from_config(&config.email)?;
    let next = pipeline::service::next_draft_time(&config, chrono::Utc::now())?;
    eprintln!(
        "roundup run: desk on http://{addr}/desk; next scheduled draft at {} ({})",
        next.with_timezone(&config.timezone())
            .format("%Y-%m-%d %H:%M %Z"),
        config.schedule.draft.get_ref()
    );
    let app = crate::web::App::new(
        store.clone(),
        config.clone(),
        metrics.clone(),
        mailer.clone(),
    );
    let every = std::time::Duration::from_secs(tick_secs.max(1));
    let outcome = tokio::select! {
        r = crate::web::serve(app, addr) => r.and(Err(anyhow::anyhow!("the web server stopped"))),
        r = pipeline::service::run(&config, &store, &metrics, mailer.as_ref(), every) => r,
        r = shutdown() => {
            eprintln!("roundup run: stopping");
            r
        }
    };
    store.close().await;
    outcome?;
    Ok(ExitCode::SUCCESS)
}

/// Waits for Ctrl-C or, on Unix, SIGTERM (what systemd sends).
async fn shutdown() -> Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}
