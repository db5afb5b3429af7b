//! The beat: `roundup.toml`.
//!
//! A config names the sources to watch, the watchlist of entities (with aliases in every
//! script), the beat's topics, ranking weights, the edition template and where the store lives.
//! [`Config::load`] parses and validates a file and reports every mistake with its line, so
//! that `roundup check` can list them all at once. Every section is optional; the filters
//! (`extract`, `cluster`, `summarize`) run on [`Config::default`] when no file is given.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

/// A whole beat configuration.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Who the beat is and where it lives in time.
    #[serde(default)]
    pub beat: BeatConfig,
    /// Size and words of the edition.
    #[serde(default)]
    pub edition: EditionConfig,
    /// Where the store lives.
    #[serde(default)]
    pub store: StoreConfig,
    /// How sources are fetched.
    #[serde(default)]
    pub fetch: FetchConfig,
    /// Where `roundup serve` listens.
    #[serde(default)]
    pub serve: ServeConfig,
    /// Weights of the ranking terms.
    #[serde(default)]
    pub rank: RankWeights,
    /// The sources (`[[source]]` tables).
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceConfig>,
    /// The watchlist (`[[entity]]` tables).
    #[serde(default, rename = "entity")]
    pub entities: Vec<EntityConfig>,
    /// The beat's topics (`[[topic]]` tables).
    #[serde(default, rename = "topic")]
    pub topics: Vec<TopicConfig>,
    /// Hosts that count as one (`[[host_group]]` tables).
    #[serde(default, rename = "host_group")]
    pub host_groups: Vec<HostGroupConfig>,
    /// What to keep out of editions.
    #[serde(default)]
    pub mute: MuteConfig,
    /// Optional rewriting of headlines and summaries by a language model.
    #[serde(default)]
    pub rewrite: RewriteConfig,
    /// Sending editions and notices by email.
    #[serde(default)]
    pub email: EmailConfig,
    /// When `roundup run` builds the edition's draft.
    #[serde(default)]
    pub schedule: ScheduleConfig,
    /// Folder of the config file; relative paths in the config are resolved against it.
    #[serde(skip)]
    pub dir: PathBuf,
}

/// `[beat]`: the beat's name, language and timezone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeatConfig {
    /// The beat's key in the store: several beats can share one database, each with its own
    /// sources, articles and editions. Letters, digits, `-` and `_`; `default` when unset.
    #[serde(default = "default_beat_id")]
    pub id: Spanned<String>,
    /// Display name of the beat.
    #[serde(default = "default_beat_name")]
    pub name: String,
    /// IANA timezone name used for calendar days (`--from`, `--to`, the default window).
    #[serde(default = "default_timezone")]
    pub timezone: Spanned<String>,
    /// Language of the edition (ISO 639-1).
    #[serde(default = "default_language")]
    pub language: String,
}

impl Default for BeatConfig {
    fn default() -> Self {
        BeatConfig {
            id: default_beat_id(),
            name: default_beat_name(),
            timezone: default_timezone(),
            language: default_language(),
        }
    }
}

fn default_beat_id() -> Spanned<String> {
    Spanned::new(0..0, "default".to_string())
}
fn default_beat_name() -> String {
    "Roundup".to_string()
}
fn default_timezone() -> Spanned<String> {
    Spanned::new(0..0, "UTC".to_string())
}
fn default_language() -> String {
    "en".to_string()
}

/// `[edition]`: the edition template.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditionConfig {
    /// Title of each edition; the beat's name when unset.
    pub title: Option<String>,
    /// Number of numbered stories.
    #[serde(default = "default_size")]
    pub size: usize,
    /// Number of candidates kept on the bench after the N stories.
    #[serde(default = "default_bench")]
    pub bench: usize,
    /// Length of the default window in days, ending today.
    #[serde(default = "default_window_days")]
    pub window_days: u32,
    /// Opening paragraph; `{count}` and `{window}` are filled in.
    #[serde(default = "default_intro")]
    pub intro: String,
    /// Closing paragraph.
    #[serde(default = "default_wrap_up")]
    pub wrap_up: String,
    /// Word budget of each story's summary.
    #[serde(default = "default_summary_words")]
    pub summary_words: usize,
    /// Most stories one watched entity may lead in an edition (0: no cap). A story past the
    /// cap still gets in when it is clearly bigger: half again the score of the story that
    /// would take its place.
    #[serde(default)]
    pub max_per_entity: usize,
    /// Optional sections, by beat topic name, in the order the edition shows them; each
    /// picked story goes under the first section whose topic it touches, the rest under
    /// "Other". Sections group the picked stories; they never change which are picked.
    #[serde(default)]
    pub sections: Vec<String>,
}

impl Default for EditionConfig {
    fn default() -> Self {
        EditionConfig {
            title: None,
            size: default_size(),
            bench: default_bench(),
            window_days: default_window_days(),
            intro: default_intro(),
            wrap_up: default_wrap_up(),
            summary_words: default_summary_words(),
            max_per_entity: 0,
            sections: Vec::new(),
        }
    }
}

fn default_size() -> usize {
    12
}
fn default_bench() -> usize {
    8
}
fn default_window_days() -> u32 {
    7
}
fn default_intro() -> String {
    "The {count} stories that mattered on the beat, {window}.".to_string()
}
fn default_wrap_up() -> String {
    "That's the roundup for this edition.".to_string()
}
fn default_summary_words() -> usize {
    90
}

/// `[store]`: where data lives.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// SQLite file, relative to the config's folder; `roundup.db` when unset.
    pub path: Option<String>,
    /// A PostgreSQL URL (`postgres://user:pass@host/db`) to use instead of the SQLite file,
    /// so that several workers on several machines share one store. The variable
    /// `ROUNDUP_DATABASE_URL` overrides it.
    pub database_url: Option<Spanned<String>>,
    /// Days of article text to keep; `roundup prune` clears older bodies (titles, links and
    /// summaries stay). Unset: keep everything.
    pub retention_days: Option<u32>,
}

/// `[fetch]`: how sources are polled.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    /// User-Agent sent with every request.
    #[serde(default = "default_user_agent")]
    pub user_agent: String,
    /// A URL or address where site owners can reach whoever runs this beat; appended to the
    /// User-Agent as `(+CONTACT)`.
    pub contact: Option<String>,
    /// Whole-request timeout in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Largest body accepted, in bytes.
    #[serde(default = "default_max_bytes")]
    pub max_bytes: u64,
    /// Minimum gap between two requests to one host, in milliseconds.
    #[serde(default = "default_host_interval")]
    pub per_host_interval_ms: u64,
    /// Requests in flight at once, across all hosts.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Whether to fetch each new entry's page and extract its text.
    #[serde(default = "default_true")]
    pub fetch_articles: bool,
    /// Hosts (names or IP literals) that may be fetched although they are on this machine or
    /// a private network: intranet feeds, tests.
    #[serde(default)]
    pub allow_hosts: Vec<String>,
    /// Fetch from any private or loopback address (an intranet-only deployment).
    #[serde(default)]
    pub allow_private: bool,
    /// Obey each site's robots.txt.
    #[serde(default = "default_true")]
    pub respect_robots: bool,
    /// Requests in flight at once to one host (or host group).
    #[serde(default = "default_per_host_concurrency")]
    pub per_host_concurrency: usize,
    /// Most requests to one host (or host group) in one run.
    #[serde(default = "default_request_budget")]
    pub max_requests_per_host: u64,
}

fn default_per_host_concurrency() -> usize {
    2
}
fn default_request_budget() -> u64 {
    2000
}

/// `[[host_group]]`: hosts that count as one for politeness (spacing, concurrency, budget,
/// Retry-After), such as several subdomains of one site or one RSSHub instance.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostGroupConfig {
    /// Name of the group.
    pub name: String,
    /// Host names; `*.example.com` covers example.com and every subdomain.
    pub hosts: Vec<String>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: default_user_agent(),
            contact: None,
            timeout_secs: default_timeout(),
            max_bytes: default_max_bytes(),
            per_host_interval_ms: default_host_interval(),
            concurrency: default_concurrency(),
            fetch_articles: true,
            allow_hosts: Vec::new(),
            allow_private: false,
            respect_robots: true,
            per_host_concurrency: default_per_host_concurrency(),
            max_requests_per_host: default_request_budget(),
        }
    }
}

fn default_user_agent() -> String {
    format!(
        "Roundup/{} (self-hosted news digest)",
        env!("CARGO_PKG_VERSION")
    )
}
fn default_timeout() -> u64 {
    20
}
fn default_max_bytes() -> u64 {
    5 * 1024 * 1024
}
fn default_host_interval() -> u64 {
    1000
}
fn default_concurrency() -> usize {
    8
}
fn default_true() -> bool {
    true
}

/// `[serve]`: the web server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// Address to listen on.
    #[serde(default = "default_addr")]
    pub addr: String,
    /// The public address of the site, for links in feeds and emails (default: `addr` over
    /// http).
    pub base_url: Option<String>,
    /// Hours a desk login lasts.
    #[serde(default = "default_session_hours")]
    pub session_hours: u32,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            addr: default_addr(),
            base_url: None,
            session_hours: default_session_hours(),
        }
    }
}

impl ServeConfig {
    /// The site's public address, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.addr))
            .trim_end_matches('/')
            .to_string()
    }
}

fn default_session_hours() -> u32 {
    12
}

/// `[email]`: the SMTP server that sends editions, confirmations and notices.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The server: "smtp://host:port" (plain, or STARTTLS with "?tls=required"), or
    /// "smtps://host:port". Email is off until this is set.
    pub smtp_url: Option<String>,
    /// The sender, such as "China Digital Digest <digest@example.org>".
    #[serde(default)]
    pub from: String,
    /// SMTP user name, when the server wants a login.
    pub username: Option<String>,
    /// Name of the environment variable that holds the SMTP password (never this file).
    #[serde(default = "default_smtp_password_env")]
    pub password_env: String,
    /// Most messages sent per minute.
    #[serde(default = "default_per_minute")]
    pub per_minute: u32,
    /// Attempts per address before a temporary failure counts as failed.
    #[serde(default = "default_attempts")]
    pub attempts: u32,
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            smtp_url: None,
            from: String::new(),
            username: None,
            password_env: default_smtp_password_env(),
            per_minute: default_per_minute(),
            attempts: default_attempts(),
        }
    }
}

fn default_smtp_password_env() -> String {
    "ROUNDUP_SMTP_PASSWORD".into()
}
fn default_per_minute() -> u32 {
    60
}
fn default_attempts() -> u32 {
    3
}

/// `[schedule]`: when `roundup run` builds the edition's draft and tells the editors.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// A cron expression in the beat's timezone (minute hour day-of-month month
    /// day-of-week), such as "0 8 * * MON" for Mondays at 08:00.
    #[serde(default = "default_draft_cron")]
    pub draft: Spanned<String>,
    /// Minutes between rebuilds of the current draft while new articles arrive.
    #[serde(default = "default_rebuild_minutes")]
    pub rebuild_minutes: u32,
}

impl ScheduleConfig {
    /// The draft's schedule, parsed (five fields, or six with seconds first).
    pub fn cron(&self) -> Result<croner::Cron, croner::errors::CronError> {
        croner::Cron::new(self.draft.get_ref())
            .with_seconds_optional()
            .parse()
    }
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig {
            draft: default_draft_cron(),
            rebuild_minutes: default_rebuild_minutes(),
        }
    }
}

fn default_draft_cron() -> Spanned<String> {
    Spanned::new(0..0, "0 8 * * MON".to_string())
}
fn default_rebuild_minutes() -> u32 {
    30
}

fn default_addr() -> String {
    "127.0.0.1:8080".to_string()
}

/// `[rewrite]`: headlines and summaries rewritten (or translated into the edition's
/// language) through an OpenAI-compatible chat endpoint. Off unless `endpoint` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewriteConfig {
    /// Base URL of the API, such as "https://api.openai.com/v1" or a local server.
    pub endpoint: Option<String>,
    /// Model name sent with each request.
    #[serde(default = "default_rewrite_model")]
    pub model: String,
    /// Name of the environment variable that holds the API key (the key never goes in this
    /// file); no key is sent when it is unset.
    #[serde(default = "default_rewrite_key_env")]
    pub api_key_env: String,
    /// Seconds to wait for one answer before keeping the extractive text.
    #[serde(default = "default_rewrite_timeout")]
    pub timeout_secs: u64,
}

impl Default for RewriteConfig {
    fn default() -> Self {
        RewriteConfig {
            endpoint: None,
            model: default_rewrite_model(),
            api_key_env: default_rewrite_key_env(),
            timeout_secs: default_rewrite_timeout(),
        }
    }
}

fn default_rewrite_model() -> String {
    "gpt-4o-mini".into()
}
fn default_rewrite_key_env() -> String {
    "ROUNDUP_LLM_KEY".into()
}
fn default_rewrite_timeout() -> u64 {
    60
}

/// `[mute]`: what to keep out of editions.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MuteConfig {
    /// Words or phrases (any script): a story is kept out when most of its headlines name one.
    #[serde(default)]
    pub words: Vec<String>,
    /// Entities, by watchlist name (its aliases count) or by any name: a story is kept out
    /// when most of its articles name one.
    #[serde(default)]
    pub entities: Vec<String>,
    /// Sources, by name: their items are ignored.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// `[rank]`: the weight of each ranking term.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankWeights {
    /// Breadth of coverage: distinct outlets, weighted by source weight.
    #[serde(default = "one")]
    pub coverage: f64,
    /// Watched entities mentioned.
    #[serde(default = "one")]
    pub entities: f64,
    /// Beat topics touched.
    #[serde(default = "one")]
    pub topics: f64,
    /// How late in the window the story last moved.
    #[serde(default = "half")]
    pub recency: f64,
    /// Coverage spread over several days.
    #[serde(default = "half")]
    pub momentum: f64,
    /// Given to a story with a report in the edition's language (`[beat] language`): its
    /// readers' own press carried it, and the edition can send them to it.
    #[serde(default = "half")]
    pub language: f64,
    /// Subtracted from stories with no watched entity and no beat topic.
    #[serde(default = "two")]
    pub off_beat_penalty: f64,
    /// Subtracted from stories an earlier published edition already told, unless they moved
    /// on since (new coverage after that edition).
    #[serde(default = "three")]
    pub repeat_penalty: f64,
}

impl Default for RankWeights {
    fn default() -> Self {
        RankWeights {
            coverage: 1.0,
            entities: 1.0,
            topics: 1.0,
            recency: 0.5,
            momentum: 0.5,
            language: 0.5,
            off_beat_penalty: 2.0,
            repeat_penalty: 3.0,
        }
    }
}

fn one() -> f64 {
    1.0
}
fn three() -> f64 {
    3.0
}
fn half() -> f64 {
    0.5
}
fn two() -> f64 {
    2.0
}

/// `[[source]]`: one feed to poll.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Display name, unique in the beat.
    pub name: Spanned<String>,
    /// Feed URL (RSS, Atom or JSON Feed).
    pub url: Spanned<String>,
    /// Weight of this outlet in the coverage term.
    #[serde(default = "one")]
    pub weight: f64,
    /// Language of the outlet (ISO 639-1), when known.
    pub lang: Option<String>,
    /// Folder path, such as "News/China" (kept from OPML imports, written back on export).
    pub category: Option<String>,
    /// "feed" (RSS, Atom or JSON Feed; the default) or "page" (a section page watched for new
    /// article links).
    #[serde(default)]
    pub kind: Option<String>,
}

impl SourceConfig {
    /// Whether the source is a section page rather than a feed.
    pub fn is_page(&self) -> bool {
        self.kind.as_deref() == Some("page")
    }
}

/// `[[entity]]`: a watched company, product or person.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityConfig {
    /// Display name, in the edition's language.
    pub name: Spanned<String>,
    /// Other names in every script; the name itself always counts as an alias.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Weight in the ranking.
    #[serde(default = "one")]
    pub weight: f64,
}

/// `[[topic]]`: a theme of the beat, recognised by keywords in any language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicConfig {
    /// Display name.
    pub name: Spanned<String>,
    /// Keywords and phrases, in every language of the beat.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// One mistake in a config file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// 1-based line of the mistake, when known.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Why a config could not be used: the file, and every problem found in it.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// The config file.
    pub path: PathBuf,
    /// The mistakes, in file order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match p.line {
                Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, p.message)?,
                None => write!(f, "{}: {}", self.path.display(), p.message)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The commented starter config written by `roundup init`.
pub const STARTER: &str = include_str!("../templates/init/roundup.toml");

/// Names of the example beats `roundup init --example NAME` knows.
pub const EXAMPLES: &[&str] = &["china-digital"];

/// The text of a built-in example beat, by name.
pub fn example(name: &str) -> Option<&'static str> {
    match name {
        "china-digital" => Some(include_str!("../templates/init/china-digital.toml")),
        _ => None,
    }
}

impl Config {
    /// Reads, parses and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            problems: vec![Problem {
                line: None,
                message: format!(
                    "cannot read the config ({e}); run `roundup init` to create one, or pass --config PATH"
                ),
            }],
        })?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        Config::parse(&text, dir).map_err(|problems| ConfigError {
            path: path.to_path_buf(),
            problems,
        })
    }

    /// Parses and validates config text; relative paths resolve against `dir`.
    pub fn parse(text: &str, dir: PathBuf) -> Result<Config, Vec<Problem>> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            vec![Problem {
                line: e.span().map(|s| line_of(text, s.start)),
                message: e.message().trim().to_string(),
            }]
        })?;
        config.dir = dir;
        let problems = config.validate(text);
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    /// Checks the meaning of a parsed config; `text` is its source, for line numbers.
    fn validate(&self, text: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut push = |span: std::ops::Range<usize>, message: String| {
            let line = (span.end > 0).then(|| line_of(text, span.start));
            problems.push(Problem { line, message });
        };
        let id = &self.beat.id;
        if !crate::store::valid_beat_id(id.get_ref()) {
            push(
                id.span(),
                format!(
                    "[beat] id {:?} is not valid: use 1 to 64 letters, digits, '-' or '_', such as \"china-digital\"",
                    id.get_ref()
                ),
            );
        }
        if let Some(url) = &self.store.database_url
            && !is_postgres_url(url.get_ref())
        {
            push(
                url.span(),
                "[store] database_url must start with postgres:// or postgresql://; leave it out to use the SQLite file".to_string(),
            );
        }
        let cron = &self.schedule.draft;
        if let Err(e) = self.schedule.cron() {
            push(
                cron.span(),
                format!(
                    "[schedule] draft {:?} is not a cron expression ({}): write minute hour day month weekday, such as \"0 8 * * MON\"",
                    cron.get_ref(),
                    e.to_string().trim_end_matches('.')
                ),
            );
        }
        if let Some(url) = &self.email.smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                push(
                    0..0,
                    format!("[email] smtp_url {url:?} must start with smtp:// or smtps://"),
                );
            } else if self.email.from.parse::<lettre::message::Mailbox>().is_err() {
                push(
                    0..0,
                    format!(
                        "[email] from {:?} is not an address: write \"Name <digest@example.org>\"",
                        self.email.from
                    ),
                );
            }
        }
        let tz = &self.beat.timezone;
        if tz.get_ref().parse::<chrono_tz::Tz>().is_err() {
            push(
                tz.span(),
                format!(
                    "unknown timezone {:?}: use an IANA name such as \"Asia/Shanghai\" or \"UTC\"",
                    tz.get_ref()
                ),
            );
        }
        if self.edition.size == 0 {
            push(0..0, "[edition] size must be at least 1".to_string());
        }
        for section in &self.edition.sections {
            if !self.topics.iter().any(|t| t.name.get_ref() == section) {
                let known: Vec<&str> = self
                    .topics
                    .iter()
                    .map(|t| t.name.get_ref().as_str())
                    .collect();
                push(
                    0..0,
                    format!(
                        "[edition] sections names {section:?}, which is not a [[topic]]; topics are: {}",
                        if known.is_empty() {
                            "(none)".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                );
            }
        }
        let mut names = std::collections::HashSet::new();
        for s in &self.sources {
            let name = s.name.get_ref().trim();
            if name.is_empty() {
                push(s.name.span(), "a source needs a non-empty name".to_string());
            } else if !names.insert(name.to_lowercase()) {
                push(
                    s.name.span(),
                    format!("source name {name:?} is used twice; names must be unique"),
                );
            }
            match url::Url::parse(s.url.get_ref()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                Ok(u) => push(
                    s.url.span(),
                    format!(
                        "source {name:?}: URL scheme {:?} is not supported; use http or https",
                        u.scheme()
                    ),
                ),
                Err(e) => push(
                    s.url.span(),
                    format!(
                        "source {name:?}: {:?} is not a valid URL ({e}); write it in full, such as https://example.com/feed.xml",
                        s.url.get_ref()
                    ),
                ),
            }
            if let Some(kind) = s.kind.as_deref()
                && !matches!(kind, "feed" | "page")
            {
                push(
                    s.name.span(),
                    format!(
                        "source {name:?}: kind {kind:?} is not known; use \"feed\" or \"page\""
                    ),
                );
            }
            if !(s.weight.is_finite() && s.weight >= 0.0) {
                push(
                    s.name.span(),
                    format!("source {name:?}: weight must be a number >= 0"),
                );
            }
        }
        for e in &self.entities {
            if e.name.get_ref().trim().is_empty() {
                push(
                    e.name.span(),
                    "an entity needs a non-empty name".to_string(),
                );
            }
            if e.aliases.iter().any(|a| a.trim().is_empty()) {
                push(
                    e.name.span(),
                    format!("entity {:?} has an empty alias", e.name.get_ref()),
                );
            }
        }
        for t in &self.topics {
            if t.keywords.is_empty() {
                push(
                    t.name.span(),
                    format!(
                        "topic {:?} has no keywords; add keywords = [\"...\"]",
                        t.name.get_ref()
                    ),
                );
            }
        }
        problems.sort_by_key(|p| p.line);
        problems
    }

    /// The beat's timezone (validated at load).
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.beat
            .timezone
            .get_ref()
            .parse()
            .unwrap_or(chrono_tz::UTC)
    }

    /// The SQLite file of this beat.
    pub fn store_path(&self) -> PathBuf {
        let p = self.store.path.as_deref().unwrap_or("roundup.db");
        self.dir.join(p)
    }

    /// Where the store lives: `ROUNDUP_DATABASE_URL`, else `[store] database_url`, else the
    /// SQLite file.
    pub fn store_location(&self) -> Result<crate::store::Location, String> {
        let from_env = std::env::var("ROUNDUP_DATABASE_URL")
            .ok()
            .filter(|s| !s.trim().is_empty());
        match from_env
            .as_deref()
            .or(self.store.database_url.as_ref().map(|u| u.get_ref().as_str()))
        {
            Some(url) if is_postgres_url(url) => {
                Ok(crate::store::Location::Postgres(url.trim().to_string()))
            }
            Some(_) => Err(
                "ROUNDUP_DATABASE_URL must start with postgres:// or postgresql://; unset it to use the SQLite file"
                    .to_string(),
            ),
            None => Ok(crate::store::Location::Sqlite(self.store_path())),
        }
    }

    /// The beat's key in the store.
    pub fn beat_id(&self) -> &str {
        self.beat.id.get_ref()
    }

    /// The edition title.
    pub fn edition_title(&self) -> String {
        self.edition
            .title
            .clone()
            .unwrap_or_else(|| self.beat.name.clone())
    }
}

fn is_postgres_url(url: &str) -> bool {
    let u = url.trim();
    u.starts_with("postgres://") || u.starts_with("postgresql://")
}

/// The config text with a `[[source]]` table appended; the result is validated.
pub fn with_source_added(
    text: &str,
    name: &str,
    url: &str,
    lang: Option<&str>,
    category: Option<&str>,
) -> Result<String, Vec<Problem>> {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = text.trim_end().to_string();
    out.push_str(&format!(
        "\n\n[[source]]\nname = {}\nurl = {}\n",
        quote(name),
        quote(url)
    ));
    if let Some(l) = lang {
        out.push_str(&format!("lang = {}\n", quote(l)));
    }
    if let Some(c) = category {
        out.push_str(&format!("category = {}\n", quote(c)));
    }
    Config::parse(&out, PathBuf::from(".")).map(|_| out)
}

/// The config text without the `[[source]]` table named `name` (comments elsewhere kept), or
/// `None` when no source has that name.
pub fn with_source_removed(text: &str, name: &str) -> Option<String> {
    let config = Config::parse(text, PathBuf::from(".")).ok()?;
    let source = config.sources.iter().find(|s| s.name.get_ref() == name)?;
    let at = source.name.span().start;
    let start = text[..at].rfind("[[source]]")?;
    let after = &text[at..];
    // The table ends at the next table header.
    let end = after
        .match_indices('\n')
        .map(|(i, _)| at + i + 1)
        .find(|&i| text[i..].trim_start_matches([' ', '\t']).starts_with('['))
        .unwrap_or(text.len());
    let mut out = String::with_capacity(text.len());
    out.push_str(text[..start].trim_end());
    out.push_str("\n\n");
    out.push_str(&text[end..]);
    Some(out.trim_end().to_string() + "\n")
}

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_and_examples_are_valid() {
        Config::parse(STARTER, PathBuf::from(".")).expect("starter config");
        for name in EXAMPLES {
            let c = Config::parse(example(name).unwrap(), PathBuf::from(".")).expect(name);
            assert!(c.sources.len() >= 8, "{name} has few sources");
            assert!(c.entities.len() >= 17, "{name} has a short watchlist");
        }
    }

    #[test]
    fn problems_name_their_lines() {
        let text = "[beat]\nname = \"x\"\ntimezone = \"Mars/Olympus\"\n\n[[source]]\nname = \"A\"\nurl = \"not a url\"\n\n[[source]]\nname = \"A\"\nurl = \"ftp://x.org/f\"\n";
        let problems = Config::parse(text, PathBuf::from(".")).unwrap_err();
        let lines: Vec<_> = problems.iter().map(|p| p.line).collect();
        assert_eq!(
            lines,
            vec![Some(3), Some(7), Some(10), Some(11)],
            "{problems:?}"
        );
        assert!(problems[0].message.contains("Mars/Olympus"));
        assert!(problems[2].message.contains("used twice"));
    }

    #[test]
    fn sections_must_name_topics() {
        let text = "[edition]\nsections = [\"E-commerce\", \"Gossip\"]\n\n[[topic]]\nname = \"E-commerce\"\nkeywords = [\"电商\"]\n";
        let problems = Config::parse(text, PathBuf::from(".")).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("\"Gossip\""));
        assert!(problems[0].message.contains("topics are: E-commerce"));
        let ok = text.replace(", \"Gossip\"", "");
        assert_eq!(
            Config::parse(&ok, PathBuf::from("."))
                .unwrap()
                .edition
                .sections,
            vec!["E-commerce"]
        );
    }

    #[test]
    fn sources_are_added_and_removed_keeping_comments() {
        let text = "# my beat\n[beat]\nname = \"x\"\n\n# the wire\n[[source]]\nname = \"A\"\nurl = \"https://a.example/feed\"\n\n[[source]]\nname = \"B\"\nurl = \"https://b.example/feed\"\n";
        let added = with_source_added(
            text,
            "C \"quoted\"",
            "https://c.example/feed",
            Some("zh"),
            Some("News/China"),
        )
        .unwrap();
        let c = Config::parse(&added, PathBuf::from(".")).unwrap();
        assert_eq!(c.sources.len(), 3);
        assert_eq!(c.sources[2].name.get_ref(), "C \"quoted\"");
        assert!(added.starts_with("# my beat"));
        assert!(
            with_source_added(text, "A", "https://dup.example/", None, None).is_err(),
            "duplicate names are refused"
        );
        let removed = with_source_removed(&added, "A").unwrap();
        let c = Config::parse(&removed, PathBuf::from(".")).unwrap();
        let names: Vec<_> = c
            .sources
            .iter()
            .map(|s| s.name.get_ref().as_str())
            .collect();
        assert_eq!(names, vec!["B", "C \"quoted\""]);
        assert!(removed.contains("# my beat"));
        assert!(with_source_removed(text, "nope").is_none());
    }

    #[test]
    fn syntax_errors_name_their_line() {
        let problems =
            Config::parse("[beat]\nname = \"x\"\nsize = = 3\n", PathBuf::from(".")).unwrap_err();
        assert_eq!(problems[0].line, Some(3));
        let unknown = Config::parse("[beat]\nnmae = \"x\"\n", PathBuf::from(".")).unwrap_err();
        assert_eq!(unknown[0].line, Some(2));
        assert!(unknown[0].message.contains("nmae"));
    }
}
