//! Sending: editions by email to subscribers (double opt-in, one-click unsubscribe, a send
//! log that survives crashes), notices to editors, subscriber lists as CSV, and the archive
//! as static files.
//!
//! A send goes through the store's send log: every active subscriber gets a row, each row
//! is marked "sending" before its message goes out and "sent" after, so a send stopped at
//! any point and started again writes to nobody twice and skips nobody. (A crash in the
//! instant between the server's acceptance and the log's update would resend that one
//! message, with the same Message-ID, so mail systems fold the copies.) A permanent SMTP
//! refusal (5xx) marks the address as bouncing, and nothing is sent to it again.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Config, EmailConfig};
use crate::model::{Edition, Published};
use crate::render;
use crate::store::{Store, Subscriber};

/// A fresh random token (64 hex digits) for links and sessions.
pub fn token() -> anyhow::Result<String> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no random numbers: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// An email address checked for form, lowercased.
pub fn parse_address(email: &str) -> anyhow::Result<String> {
    let email = email.trim().to_lowercase();
    email
        .parse::<lettre::Address>()
        .map_err(|e| anyhow::anyhow!("{email:?} is not an email address ({e})"))?;
    Ok(email)
}

/// The `List-Unsubscribe` header (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// The `List-Unsubscribe-Post` header (RFC 8058, one-click unsubscribe).
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}

/// Why one message was not sent.
#[derive(Debug, Clone)]
pub struct SendFailure {
    /// The server refused for good (5xx): the address should not be written to again.
    pub permanent: bool,
    /// What the server or the connection said.
    pub message: String,
}

/// The SMTP connection settings of a beat.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    per_minute: u32,
    attempts: u32,
}

impl Mailer {
    /// The mailer of `[email]`; `None` when no SMTP server is set.
    pub fn from_config(c: &EmailConfig) -> anyhow::Result<Option<Mailer>> {
        let Some(url) = &c.smtp_url else {
            return Ok(None);
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .with_context(|| format!("[email] smtp_url {url:?} cannot be used"))?
            .timeout(Some(Duration::from_secs(30)));
        if let Some(user) = &c.username {
            let password = std::env::var(&c.password_env).unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let from: Mailbox = c.from.parse().with_context(|| {
            format!(
                "[email] from {:?} is not an address: write \"Name <digest@example.org>\"",
                c.from
            )
        })?;
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
            per_minute: c.per_minute.max(1),
            attempts: c.attempts.max(1),
        }))
    }

    /// The sender's address.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// Sends one message.
    pub async fn send(&self, message: Message) -> Result<(), SendFailure> {
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| SendFailure {
                permanent: e.is_permanent(),
                message: e.to_string(),
            })
    }

    /// Sends a plain-text message to one address.
    pub async fn send_text(&self, to: &str, subject: &str, body: String) -> anyhow::Result<()> {
        let mailbox: Mailbox = to
            .parse()
            .with_context(|| format!("{to:?} is not an email address"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(mailbox)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)?;
        self.send(message)
            .await
            .map_err(|f| anyhow::anyhow!("email to {to}: {}", f.message))
    }
}

/// The web address of a published edition.
pub fn edition_url(config: &Config, slug: &str) -> String {
    format!("{}/editions/{slug}.html", config.serve.base_url())
}

/// The one-click unsubscribe address of a subscriber.
pub fn unsubscribe_url(config: &Config, token: &str) -> String {
    format!("{}/unsubscribe/{token}", config.serve.base_url())
}

/// The edition as a message to one subscriber: HTML and text parts, the unsubscribe
/// headers, and a Message-ID that is the same for the same edition and subscriber.
pub fn edition_message(
    config: &Config,
    from: &Mailbox,
    p: &Published,
    sub: &Subscriber,
) -> anyhow::Result<Message> {
    let web = edition_url(config, &p.slug);
    let unsub = unsubscribe_url(config, &sub.token);
    let html = render::email::html(&p.edition, &web, &unsub)?;
    let text = render::email::text(&p.edition, &web, &unsub);
    let to: Mailbox = sub
        .email
        .parse()
        .with_context(|| format!("subscriber {:?} is not an email address", sub.email))?;
    let host = from.email.domain().to_string();
    Ok(Message::builder()
        .from(from.clone())
        .to(to)
        .subject(format!("{} — {}", p.edition.title, p.edition.window_label))
        .message_id(Some(format!("<{}.{}@{host}>", p.slug, sub.id)))
        .header(ListUnsubscribe(format!("<{unsub}>")))
        .header(ListUnsubscribePost)
        .multipart(MultiPart::alternative_plain_html(text, html))?)
}

/// The send log of an edition in one line, such as "28 sent, 1 bounced"; empty before the
/// first send.
pub async fn send_summary(store: &Store, slug: &str) -> anyhow::Result<String> {
    Ok(store
        .send_counts(slug)
        .await?
        .iter()
        .map(|(status, n)| format!("{n} {status}"))
        .collect::<Vec<_>>()
        .join(", "))
}

/// How a send went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Messages delivered to the server in this run.
    pub sent: usize,
    /// Addresses given up on after temporary failures.
    pub failed: usize,
    /// Addresses the server refused for good, now marked bouncing.
    pub bounced: usize,
    /// Addresses that had it already (an earlier run).
    pub already: usize,
}

/// Sends the published edition `slug` to every active subscriber who has not had it,
/// at the configured rate; `progress` is told each address as it is done. Rows are claimed
/// one by one, so a second sender of the same edition never delivers a row the first has
/// claimed; only one send of an edition should run at a time, though, since a starting send
/// cannot tell a row another is delivering from one a crashed run left half-done.
pub async fn send_edition(
    store: &Store,
    config: &Config,
    mailer: &Mailer,
    slug: &str,
    mut progress: impl FnMut(&str, &str),
) -> anyhow::Result<SendReport> {
    let p = store.published_edition(slug).await?.with_context(|| {
        format!("send: no published edition {slug:?}; `roundup editions` lists them")
    })?;
    store.plan_send(slug, Utc::now()).await?;
    let mut report = SendReport {
        already: store
            .send_counts(slug)
            .await?
            .iter()
            .filter(|(s, _)| s == "sent")
            .map(|(_, n)| *n as usize)
            .sum(),
        ..Default::default()
    };
    let gap = Duration::from_secs_f64(60.0 / f64::from(mailer.per_minute));
    let mut pass = 0u32;
    loop {
        // Rows a stopped run left "sending" are taken up once, at the start; after that only
        // rows waiting for a retry.
        let pending = store.pending_sends(slug, pass == 0).await?;
        if pending.is_empty() {
            break;
        }
        if pass > 0 {
            // Temporary failures wait a little longer on each pass.
            tokio::time::sleep(Duration::from_secs(1 << pass.min(5))).await;
        }
        pass += 1;
        for row in pending {
            let sub = &row.subscriber;
            let message = match edition_message(config, &mailer.from, &p, sub) {
                Ok(m) => m,
                Err(e) => {
                    store
                        .mark_send(slug, sub.id, "failed", Some(&e.to_string()), Utc::now())
                        .await?;
                    report.failed += 1;
                    progress(&sub.email, "failed");
                    continue;
                }
            };
            if !store
                .claim_send(slug, sub.id, &row.status, row.attempts, Utc::now())
                .await?
            {
                // Another sender (a second click, a second process) has this one.
                continue;
            }
            let started = std::time::Instant::now();
            let outcome = mailer.send(message).await;
            let now = Utc::now();
            let status = match outcome {
                Ok(()) => {
                    store.mark_send(slug, sub.id, "sent", None, now).await?;
                    report.sent += 1;
                    "sent"
                }
                Err(f) if f.permanent => {
                    store
                        .mark_send(slug, sub.id, "bounced", Some(&f.message), now)
                        .await?;
                    store
                        .set_subscriber_status(sub.id, "bouncing", Some(&f.message), now)
                        .await?;
                    report.bounced += 1;
                    "bounced"
                }
                Err(f) if row.attempts + 1 >= i64::from(mailer.attempts) => {
                    store
                        .mark_send(slug, sub.id, "failed", Some(&f.message), now)
                        .await?;
                    report.failed += 1;
                    "failed"
                }
                Err(f) => {
                    store
                        .mark_send(slug, sub.id, "pending", Some(&f.message), now)
                        .await?;
                    "will retry"
                }
            };
            progress(&sub.email, status);
            if let Some(rest) = gap.checked_sub(started.elapsed()) {
                tokio::time::sleep(rest).await;
            }
        }
    }
    Ok(report)
}

/// What a subscription request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscribed {
    /// A new or returning address: a confirmation link went out.
    ConfirmationSent,
    /// The address is subscribed already.
    AlreadyActive,
    /// The address bounced before; it stays off the list.
    Bouncing,
}

/// Starts a subscription (double opt-in): the address is kept as pending and sent a
/// confirmation link; it gets editions only once it follows the link.
pub async fn subscribe(
    store: &Store,
    config: &Config,
    mailer: &Mailer,
    email: &str,
) -> anyhow::Result<Subscribed> {
    let email = parse_address(email)?;
    let (sub, _) = store
        .add_subscriber(&email, "pending", &token()?, Utc::now())
        .await?;
    match sub.status.as_str() {
        "active" => return Ok(Subscribed::AlreadyActive),
        "bouncing" => return Ok(Subscribed::Bouncing),
        "unsubscribed" => {
            store
                .set_subscriber_status(sub.id, "pending", None, Utc::now())
                .await?
        }
        _ => {}
    }
    let link = format!("{}/confirm/{}", config.serve.base_url(), sub.token);
    let title = config.edition_title();
    mailer
        .send_text(
            &email,
            &format!("Confirm your subscription to {title}"),
            format!(
                "Someone, probably you, asked to receive {title} at this address.\n\n\
                 To confirm, open this link:\n{link}\n\n\
                 If it was not you, ignore this message: nothing will be sent without a confirmation.\n"
            ),
        )
        .await?;
    Ok(Subscribed::ConfirmationSent)
}

/// Confirms the subscription whose link carries `token`; the subscriber, if any.
pub async fn confirm(store: &Store, token: &str) -> anyhow::Result<Option<Subscriber>> {
    let Some(sub) = store.subscriber_by_token(token).await? else {
        return Ok(None);
    };
    if sub.status == "pending" {
        store
            .set_subscriber_status(sub.id, "active", None, Utc::now())
            .await?;
    }
    Ok(store.subscriber_by_token(token).await?)
}

/// Unsubscribes the address whose links carry `token`; the subscriber, if any.
pub async fn unsubscribe(store: &Store, token: &str) -> anyhow::Result<Option<Subscriber>> {
    let Some(sub) = store.subscriber_by_token(token).await? else {
        return Ok(None);
    };
    if sub.status != "unsubscribed" {
        store
            .set_subscriber_status(sub.id, "unsubscribed", None, Utc::now())
            .await?;
    }
    Ok(store.subscriber_by_token(token).await?)
}

/// How a CSV import went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvImport {
    /// Addresses added.
    pub added: usize,
    /// Addresses already known (left as they were).
    pub known: usize,
    /// Rows that were not addresses, with their line numbers and why.
    pub bad: Vec<(u64, String)>,
}

/// Imports subscribers from CSV: the first column (or the one headed "email") holds the
/// address. With `confirmed` the addresses are active at once (a list that opted in
/// elsewhere); otherwise they are pending until confirmed.
pub async fn import_csv(
    store: &Store,
    data: &[u8],
    confirmed: bool,
) -> anyhow::Result<(CsvImport, Vec<Subscriber>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut report = CsvImport::default();
    let mut pending = Vec::new();
    let mut column = 0;
    let status = if confirmed { "active" } else { "pending" };
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                report.bad.push((line, e.to_string()));
                continue;
            }
        };
        if i == 0
            && let Some(c) = record
                .iter()
                .position(|f| f.trim().eq_ignore_ascii_case("email"))
        {
            column = c;
            continue;
        }
        let field = record.get(column).unwrap_or("").trim();
        if field.is_empty() {
            continue;
        }
        match parse_address(field) {
            Ok(email) => {
                let (sub, added) = store
                    .add_subscriber(&email, status, &token()?, Utc::now())
                    .await?;
                if added {
                    report.added += 1;
                    if !confirmed {
                        pending.push(sub);
                    }
                } else {
                    report.known += 1;
                }
            }
            Err(e) => report.bad.push((line, e.to_string())),
        }
    }
    Ok((report, pending))
}

/// The subscriber list as CSV: email, status, created, confirmed, last error.
pub async fn export_csv(store: &Store) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "email",
        "status",
        "created_at",
        "confirmed_at",
        "last_error",
    ])?;
    for s in store.subscribers().await? {
        w.write_record([
            s.email.as_str(),
            s.status.as_str(),
            &s.created_at.to_rfc3339(),
            &s.confirmed_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            s.last_error.as_deref().unwrap_or(""),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Tells every editor with an email address that a draft is ready; returns how many were
/// told.
pub async fn notify_editors(
    store: &Store,
    config: &Config,
    mailer: &Mailer,
    draft: &Edition,
) -> anyhow::Result<usize> {
    let desk = format!("{}/desk", config.serve.base_url());
    let mut told = 0;
    for user in store.users().await? {
        let Some(email) = user.email else { continue };
        let list: String = draft
            .stories
            .iter()
            .map(|s| format!("{}. {}\n", s.rank, s.headline))
            .collect();
        mailer
            .send_text(
                &email,
                &format!("Draft ready: {} — {}", draft.title, draft.window_label),
                format!(
                    "Hello {},\n\nThe draft of {} for {} is ready on the desk:\n{desk}\n\n{list}",
                    user.name, draft.title, draft.window_label
                ),
            )
            .await?;
        told += 1;
    }
    Ok(told)
}

/// Writes the public archive as static files under `dir`: `index.html`, every edition as
/// `editions/{slug}.html`, `.md` and `.json`, `feed.atom`, `feed.json` and
/// `entity/{name}.atom`. Returns how many files were written.
pub async fn export_archive(store: &Store, config: &Config, dir: &Path) -> anyhow::Result<usize> {
    use render::archive;
    let editions = store.published_editions().await?;
    let title = config.edition_title();
    let base = config.serve.base_url();
    let mut files: Vec<(String, String)> = vec![
        ("index.html".into(), archive::index(&title, &editions, None)),
        ("feed.atom".into(), archive::atom(&title, &base, &editions)),
        (
            "feed.json".into(),
            archive::json_feed(&title, &base, &editions),
        ),
    ];
    for p in &editions {
        files.push((
            format!("editions/{}.html", p.slug),
            archive::edition_page(p),
        ));
        files.push((
            format!("editions/{}.md", p.slug),
            render::markdown(&p.edition),
        ));
        files.push((
            format!("editions/{}.json", p.slug),
            render::json(&p.edition),
        ));
    }
    for e in archive::entities(&editions) {
        files.push((
            format!("entity/{}.atom", e.slug),
            archive::entity_atom(&title, &base, &e.name, &editions),
        ));
    }
    for (name, body) in &files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("export: cannot create {}", parent.display()))?;
        }
        // Written beside and renamed, so a reader never sees half a file.
        let tmp = path.with_extension("part");
        std::fs::write(&tmp, body)
            .with_context(|| format!("export: cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path)
            .with_context(|| format!("export: cannot write {}", path.display()))?;
    }
    Ok(files.len())
}
