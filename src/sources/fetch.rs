//! The one polite HTTP client.
//!
//! Every request goes through [`Fetcher::get`]: it refuses addresses on this machine and
//! private networks ([`super::guard`]), waits its turn for the host (a minimum gap between two
//! requests to one host), holds one of a fixed number of global slots, sends `If-None-Match` /
//! `If-Modified-Since` when the caller has validators, follows at most five redirects (each
//! hop checked by the guard; a chain of permanent redirects is reported so the caller can
//! update the URL), times out, and stops reading a body past the size cap. A host that answers
//! 429 or 503 with Retry-After is left alone for that long by every later request of the run.
//! Errors say which URL failed and why, in words a user can act on.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderValue};
use thiserror::Error;
use tokio::sync::{Mutex, Semaphore};

/// Limits and identity of the client.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// User-Agent header.
    pub user_agent: String,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Largest body accepted (after decompression).
    pub max_bytes: u64,
    /// Minimum gap between two requests to one host.
    pub per_host_interval: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Which non-public hosts may be fetched.
    pub guard: super::guard::AddressGuard,
    /// Whether to obey robots.txt.
    pub robots: bool,
    /// Requests in flight at once to one host or host group.
    pub per_host_concurrency: usize,
    /// Most requests to one host or host group in the fetcher's life (one run).
    pub max_requests_per_host: u64,
    /// Host groups: (name, host patterns; `*.example.com` covers the domain and subdomains).
    pub host_groups: Vec<(String, Vec<String>)>,
}

impl FetchOptions {
    /// The politeness key of a host: its group's name, or the host itself.
    pub fn host_key(&self, host: &str) -> String {
        let host = host.to_ascii_lowercase();
        for (name, patterns) in &self.host_groups {
            let hit = patterns.iter().any(|p| {
                let p = p.to_ascii_lowercase();
                match p.strip_prefix("*.") {
                    Some(domain) => host == domain || host.ends_with(&format!(".{domain}")),
                    None => host == p,
                }
            });
            if hit {
                return format!("group:{name}");
            }
        }
        host
    }
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions::from(&crate::config::FetchConfig::default())
    }
}

impl From<&crate::config::Config> for FetchOptions {
    fn from(c: &crate::config::Config) -> Self {
        let mut o = FetchOptions::from(&c.fetch);
        o.host_groups = c
            .host_groups
            .iter()
            .map(|g| (g.name.clone(), g.hosts.clone()))
            .collect();
        o
    }
}

impl From<&crate::config::FetchConfig> for FetchOptions {
    fn from(c: &crate::config::FetchConfig) -> Self {
        let user_agent = match c
            .contact
            .as_deref()
            .map(str::trim)
            .filter(|x| !x.is_empty())
        {
            Some(contact) if !c.user_agent.contains(contact) => {
                format!("{} (+{contact})", c.user_agent)
            }
            _ => c.user_agent.clone(),
        };
        FetchOptions {
            user_agent,
            timeout: Duration::from_secs(c.timeout_secs.max(1)),
            max_bytes: c.max_bytes,
            per_host_interval: Duration::from_millis(c.per_host_interval_ms),
            concurrency: c.concurrency.max(1),
            guard: super::guard::AddressGuard {
                allow_private: c.allow_private,
                allow_hosts: c.allow_hosts.clone(),
            },
            robots: c.respect_robots,
            per_host_concurrency: c.per_host_concurrency.max(1),
            max_requests_per_host: c.max_requests_per_host,
            host_groups: Vec::new(),
        }
    }
}

pub use crate::model::Validators;

/// A response with its body.
#[derive(Debug, Clone)]
pub struct Page {
    /// The URL after redirects.
    pub final_url: String,
    /// HTTP status (2xx).
    pub status: u16,
    /// Content-Type header.
    pub content_type: Option<String>,
    /// Validators to send next time.
    pub validators: Validators,
    /// The body, decompressed.
    pub body: Vec<u8>,
    /// The new address, when the request was redirected permanently (301 or 308 at every hop).
    pub moved_to: Option<String>,
}

/// What a GET gave.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// 304: the resource is unchanged since the validators were issued.
    NotModified,
    /// A fresh body.
    Page(Page),
}

/// Why a GET failed.
#[derive(Debug, Error)]
pub enum FetchError {
    /// The URL could not be parsed or has no host.
    #[error("fetch: {url}: not a valid http(s) URL")]
    BadUrl {
        /// The URL.
        url: String,
    },
    /// No complete answer in time.
    #[error("fetch: {url}: timed out after {secs} s; the server is slow or unreachable")]
    Timeout {
        /// The URL.
        url: String,
        /// The limit.
        secs: u64,
    },
    /// Could not connect or the connection broke.
    #[error("fetch: {url}: {reason}")]
    Network {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("fetch: {url}: {}", status_message(*.status, *.retry_after))]
    Status {
        /// The URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// Seconds to wait, from Retry-After.
        retry_after: Option<u64>,
    },
    /// The address guard refused the URL or one of its redirects.
    #[error("fetch: {url}: {reason}")]
    Refused {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The run's request budget for this host is spent.
    #[error(
        "fetch: {url}: the request budget for {host} ({max} per run) is spent; raise [fetch] max_requests_per_host"
    )]
    Budget {
        /// The URL.
        url: String,
        /// The host or host group.
        host: String,
        /// The budget.
        max: u64,
    },
    /// The host asked, with Retry-After, to be left alone for a while.
    #[error(
        "fetch: {url}: skipped: the host asked to be left alone for {secs} s more (Retry-After)"
    )]
    HostWaiting {
        /// The URL.
        url: String,
        /// Seconds left.
        secs: u64,
    },
    /// The body is larger than the cap.
    #[error(
        "fetch: {url}: response body too large (over {max} bytes); raise [fetch] max_bytes if this source is trusted"
    )]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap.
        max: u64,
    },
}

fn status_message(status: u16, retry_after: Option<u64>) -> String {
    let wait = retry_after
        .map(|s| format!("; retry after {s} s"))
        .unwrap_or_default();
    match status {
        401 | 403 => format!(
            "access denied ({status} status code); the source may need credentials or block robots"
        ),
        404 => "not found (404 status code); check the URL or remove the source".to_string(),
        410 => {
            "gone (410 status code); the source was removed: delete it from the config".to_string()
        }
        429 => format!("too many requests (429 status code){wait}"),
        500..=599 => format!(
            "server error ({status} status code){wait}; it will be retried on the next fetch"
        ),
        _ => format!("unexpected {status} status code"),
    }
}

/// A host's concurrent slots and the requests it has had this run.
type HostSlots = (Arc<Semaphore>, u64);

/// robots.txt rules by site origin, with when they were fetched.
type RobotsCache = HashMap<String, (Instant, Arc<super::robots::Robots>)>;

/// The shared HTTP client with per-host politeness.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    options: FetchOptions,
    next_slot: Arc<Mutex<HashMap<String, Instant>>>,
    waiting: Arc<Mutex<HashMap<String, Instant>>>,
    robots: Arc<Mutex<RobotsCache>>,
    per_host: Arc<Mutex<HashMap<String, HostSlots>>>,
    slots: Arc<Semaphore>,
}

/// Installs the ring crypto provider for rustls; safe to call more than once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Fetcher {
    /// Builds a client with the given limits.
    pub fn new(options: FetchOptions) -> anyhow::Result<Fetcher> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .user_agent(options.user_agent.clone())
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(options.guard.resolver())
            .build()?;
        Ok(Fetcher {
            client,
            slots: Arc::new(Semaphore::new(options.concurrency)),
            options,
            next_slot: Arc::new(Mutex::new(HashMap::new())),
            waiting: Arc::new(Mutex::new(HashMap::new())),
            robots: Arc::new(Mutex::new(HashMap::new())),
            per_host: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// GETs `url`, conditionally when `validators` are given.
    pub async fn get(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let mut current = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| FetchError::BadUrl {
                url: url.to_string(),
            })?;
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| FetchError::Network {
                url: url.to_string(),
                reason: "the fetcher is shutting down".to_string(),
            })?;
        let mut permanent = true;
        for _hop in 0..=MAX_REDIRECTS {
            self.options
                .guard
                .check_url(&current)
                .map_err(|reason| FetchError::Refused {
                    url: current.to_string(),
                    reason,
                })?;
            let host = self
                .options
                .host_key(current.host_str().unwrap_or_default());
            let _host_slot = self.host_slot(url, &host).await?;
            if let Some(secs) = self.waiting_for(&host).await {
                return Err(FetchError::HostWaiting {
                    url: url.to_string(),
                    secs,
                });
            }
            if self.options.robots
                && !self
                    .robots_for(&current)
                    .await
                    .allows(&path_and_query(&current))
            {
                return Err(FetchError::Refused {
                    url: current.to_string(),
                    reason: format!(
                        "robots.txt at {} disallows this path for Roundup; remove the source or ask the site",
                        current.origin().ascii_serialization()
                    ),
                });
            }
            self.wait_for_host(&host).await;
            let resp = self
                .client
                .get(current.clone())
                .headers(conditional_headers(validators))
                .send()
                .await
                .map_err(|e| self.classify(url, e))?;
            let status = resp.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let next = resp
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|loc| current.join(loc).ok())
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or_else(|| FetchError::Network {
                        url: url.to_string(),
                        reason: format!("redirect ({status}) without a usable Location header"),
                    })?;
                permanent &= matches!(status, 301 | 308);
                current = next;
                continue;
            }
            let moved_to = (permanent && current.as_str() != url).then(|| current.to_string());
            return self.finish(url, resp, moved_to, &host).await;
        }
        Err(FetchError::Network {
            url: url.to_string(),
            reason: format!("more than {MAX_REDIRECTS} redirects (a redirect loop?)"),
        })
    }

    /// Reads a final (non-redirect) response.
    async fn finish(
        &self,
        url: &str,
        resp: reqwest::Response,
        moved_to: Option<String>,
        host: &str,
    ) -> Result<Fetched, FetchError> {
        let status = resp.status().as_u16();
        if status == 304 {
            return Ok(Fetched::NotModified);
        }
        if !resp.status().is_success() {
            let retry_after = resp
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            if let (Some(secs), 429 | 503) = (retry_after, status) {
                let until = Instant::now() + Duration::from_secs(secs.min(24 * 3600));
                self.waiting.lock().await.insert(host.to_string(), until);
            }
            return Err(FetchError::Status {
                url: url.to_string(),
                status,
                retry_after,
            });
        }
        let header_str = |name: header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header_str(header::CONTENT_TYPE);
        let validators = Validators {
            etag: header_str(header::ETAG),
            last_modified: header_str(header::LAST_MODIFIED),
        };
        let final_url = resp.url().to_string();
        let body = self.read_capped(url, resp, self.options.max_bytes).await?;
        Ok(Fetched::Page(Page {
            final_url,
            status,
            content_type,
            validators,
            body,
            moved_to,
        }))
    }

    /// Reads a body, refusing it as soon as it (decompressed) passes `max` bytes.
    async fn read_capped(
        &self,
        url: &str,
        mut resp: reqwest::Response,
        max: u64,
    ) -> Result<Vec<u8>, FetchError> {
        let too_large = || FetchError::TooLarge {
            url: url.to_string(),
            max,
        };
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.classify(url, e))? {
            if body.len() as u64 + chunk.len() as u64 > max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// One of the host's concurrent slots, counted against its request budget.
    async fn host_slot(
        &self,
        url: &str,
        host: &str,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, FetchError> {
        let semaphore = {
            let mut per_host = self.per_host.lock().await;
            let entry = per_host.entry(host.to_string()).or_insert_with(|| {
                (
                    Arc::new(Semaphore::new(self.options.per_host_concurrency.max(1))),
                    0,
                )
            });
            if entry.1 >= self.options.max_requests_per_host {
                return Err(FetchError::Budget {
                    url: url.to_string(),
                    host: host.trim_start_matches("group:").to_string(),
                    max: self.options.max_requests_per_host,
                });
            }
            entry.1 += 1;
            entry.0.clone()
        };
        semaphore
            .acquire_owned()
            .await
            .map_err(|_| FetchError::Network {
                url: url.to_string(),
                reason: "the fetcher is shutting down".to_string(),
            })
    }

    /// The robots.txt rules of a URL's site: fetched once, kept for a day.
    async fn robots_for(&self, u: &url::Url) -> Arc<super::robots::Robots> {
        const KEEP: Duration = Duration::from_secs(24 * 3600);
        let origin = u.origin().ascii_serialization();
        if let Some((at, rules)) = self.robots.lock().await.get(&origin)
            && at.elapsed() < KEEP
        {
            return rules.clone();
        }
        let rules = Arc::new(self.fetch_robots(&origin).await);
        self.robots
            .lock()
            .await
            .insert(origin, (Instant::now(), rules.clone()));
        rules
    }

    async fn fetch_robots(&self, origin: &str) -> super::robots::Robots {
        use super::robots::Robots;
        let Ok(url) = url::Url::parse(&format!("{origin}/robots.txt")) else {
            return Robots::allow_all();
        };
        if self.options.guard.check_url(&url).is_err() {
            return Robots::allow_all();
        }
        let host = self.options.host_key(url.host_str().unwrap_or_default());
        self.wait_for_host(&host).await;
        let Ok(resp) = self.client.get(url.clone()).send().await else {
            return Robots::allow_all();
        };
        if !resp.status().is_success() {
            return Robots::allow_all();
        }
        match self.read_capped(url.as_str(), resp, 512 * 1024).await {
            Ok(b) => {
                let agent = self
                    .options
                    .user_agent
                    .split('/')
                    .next()
                    .unwrap_or("roundup")
                    .to_string();
                Robots::parse(&String::from_utf8_lossy(&b), &agent)
            }
            _ => Robots::allow_all(),
        }
    }

    /// Seconds this host asked to be left alone for, if it did and the time has not passed.
    async fn waiting_for(&self, host: &str) -> Option<u64> {
        let waiting = self.waiting.lock().await;
        let until = *waiting.get(host)?;
        let left = until.checked_duration_since(Instant::now())?;
        Some(left.as_secs().max(1))
    }

    /// Sleeps until this host's next slot, and books the one after it.
    async fn wait_for_host(&self, host: &str) {
        let gap = self.options.per_host_interval;
        if gap.is_zero() {
            return;
        }
        let wait_until = {
            let mut next = self.next_slot.lock().await;
            let now = Instant::now();
            let slot = next.get(host).copied().filter(|t| *t > now).unwrap_or(now);
            next.insert(host.to_string(), slot + gap);
            slot
        };
        tokio::time::sleep_until(wait_until.into()).await;
    }

    fn classify(&self, url: &str, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            return FetchError::Timeout {
                url: url.to_string(),
                secs: self.options.timeout.as_secs(),
            };
        }
        let cause = root_cause(&e);
        if cause.contains("address guard") {
            return FetchError::Refused {
                url: url.to_string(),
                reason: cause,
            };
        }
        let reason = if e.is_connect() {
            "cannot connect; check the host name and that the server is up".to_string()
        } else if e.is_redirect() {
            "too many redirects (a redirect loop?)".to_string()
        } else if e.is_decode() || e.is_body() {
            format!(
                "the response body was cut short or is corrupt ({})",
                root_cause(&e)
            )
        } else {
            root_cause(&e)
        };
        FetchError::Network {
            url: url.to_string(),
            reason,
        }
    }
}

fn path_and_query(u: &url::Url) -> String {
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

/// Most redirects one request follows.
const MAX_REDIRECTS: usize = 5;

fn conditional_headers(validators: &Validators) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(v) = validators
        .etag
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        headers.insert(header::IF_NONE_MATCH, v);
    }
    if let Some(v) = validators
        .last_modified
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        headers.insert(header::IF_MODIFIED_SINCE, v);
    }
    headers
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Parses Retry-After as seconds or an HTTP date.
fn parse_retry_after(v: &str) -> Option<u64> {
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(secs);
    }
    let when = chrono::DateTime::parse_from_rfc2822(v.trim()).ok()?;
    let secs = (when.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
    Some(secs.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("120"), Some(120));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn user_agent_carries_the_contact() {
        let c = crate::config::FetchConfig {
            contact: Some("https://beat.example/contact".into()),
            ..Default::default()
        };
        let ua = FetchOptions::from(&c).user_agent;
        assert!(
            ua.starts_with("Roundup/") && ua.ends_with("(+https://beat.example/contact)"),
            "{ua}"
        );
    }

    #[test]
    fn status_messages_are_specific() {
        assert!(status_message(429, Some(30)).contains("retry after 30 s"));
        assert!(status_message(404, None).contains("check the URL"));
    }
}
