//! Optional rewriting of an edition item's headline and summary by a language model behind an
//! OpenAI-compatible chat endpoint (`[rewrite]` in the config; off by default).
//!
//! The model is asked to rewrite the extractive summary in the edition's language, keeping
//! to the facts it is given. Requests are keyed by a hash of their content ([`Request::key`])
//! so that a caller can cache answers and never send the same request twice; any failure
//! (network, status, an answer without a headline and a summary) leaves the extractive text.

use std::time::Duration;

use serde_json::json;

use crate::config::RewriteConfig;
use crate::model::EditionItem;

/// One rewrite request: the prompt for one edition item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Instructions.
    pub system: String,
    /// The item's facts: headline, summary, source headlines.
    pub user: String,
}

/// A rewritten headline and summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    /// New headline.
    pub headline: String,
    /// New summary, one or two paragraphs.
    pub summary: String,
}

/// Why a rewrite did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    /// The request failed on the network or timed out.
    #[error("request to {endpoint} failed: {source}")]
    Http {
        /// The configured endpoint.
        endpoint: String,
        /// The cause.
        source: reqwest::Error,
    },
    /// The endpoint answered with an error status.
    #[error("{endpoint} answered {status}: {body}")]
    Status {
        /// The configured endpoint.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// Start of the answer's body.
        body: String,
    },
    /// The answer was not a chat completion with a headline and a summary.
    #[error("unusable answer: {0}")]
    Answer(String),
}

impl Request {
    /// The request for one item, in the edition's language (`lang`, ISO 639-1).
    pub fn for_item(item: &EditionItem, lang: &str) -> Request {
        let system = format!(
            "You edit a news digest written in the language with ISO code \"{lang}\". Rewrite \
             the story below as a short headline and a summary of one or two short paragraphs, \
             in that language, using only the facts given. Do not add facts, opinions or \
             sources. Answer with the headline on the first line, a blank line, then the summary."
        );
        let mut user = format!(
            "Headline: {}\n\nSummary:\n{}\n",
            item.headline, item.summary
        );
        if !item.entities.is_empty() {
            user.push_str(&format!("\nNames: {}\n", item.entities.join(", ")));
        }
        user.push_str("\nSource headlines:\n");
        for a in item.articles.iter().take(8) {
            user.push_str(&format!("- {} ({})\n", a.title, a.source));
        }
        Request { system, user }
    }

    /// A hash of the request and the model, as a cache key.
    pub fn key(&self, model: &str) -> String {
        let mut bytes = Vec::new();
        for part in [model, &self.system, &self.user] {
            bytes.extend_from_slice(part.as_bytes());
            bytes.push(0);
        }
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
    }
}

/// Reads a model's answer: the headline on the first non-empty line, the summary after it.
pub fn parse_answer(answer: &str) -> Result<Rewritten, RewriteError> {
    let text = answer.trim();
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let headline = first
        .trim()
        .trim_start_matches('#')
        .trim()
        .trim_start_matches("Headline:")
        .trim()
        .trim_matches('*')
        .trim()
        .to_string();
    let summary = rest
        .trim()
        .trim_start_matches("Summary:")
        .trim()
        .to_string();
    if headline.is_empty() || summary.is_empty() {
        return Err(RewriteError::Answer(
            "expected a headline line and a summary after it".into(),
        ));
    }
    Ok(Rewritten { headline, summary })
}

/// A client for the configured endpoint.
pub struct Client {
    http: reqwest::Client,
    endpoint: String,
    model: String,
    key: Option<String>,
}

impl Client {
    /// A client when `[rewrite] endpoint` is set, else `None`.
    pub fn from_config(config: &RewriteConfig) -> anyhow::Result<Option<Client>> {
        let Some(endpoint) = config.endpoint.as_deref() else {
            return Ok(None);
        };
        crate::sources::fetch::install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .build()?;
        Ok(Some(Client {
            http,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            model: config.model.clone(),
            key: std::env::var(&config.api_key_env)
                .ok()
                .filter(|k| !k.is_empty()),
        }))
    }

    /// The model's name, part of every cache key.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// Sends one request; returns the answer's text.
    pub async fn complete(&self, request: &Request) -> Result<String, RewriteError> {
        let url = format!("{}/chat/completions", self.endpoint);
        let body = json!({
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.user},
            ],
        });
        let mut req = self
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(key) = &self.key {
            req = req.bearer_auth(key);
        }
        let http = |source| RewriteError::Http {
            endpoint: self.endpoint.clone(),
            source,
        };
        let response = req.send().await.map_err(http)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(http)?;
        if !(200..300).contains(&status) {
            return Err(RewriteError::Status {
                endpoint: self.endpoint.clone(),
                status,
                body: text.chars().take(200).collect(),
            });
        }
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| RewriteError::Answer(e.to_string()))?;
        value["choices"][0]["message"]["content"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| RewriteError::Answer("no choices[0].message.content".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_leniently_and_refused_when_incomplete() {
        let r =
            parse_answer("**JD opens its first mall**\n\nJD.com opened a mall.\n\nMore follow.")
                .unwrap();
        assert_eq!(r.headline, "JD opens its first mall");
        assert_eq!(r.summary, "JD.com opened a mall.\n\nMore follow.");
        let r = parse_answer("Headline: A\nSummary: B").unwrap();
        assert_eq!((r.headline.as_str(), r.summary.as_str()), ("A", "B"));
        assert!(parse_answer("Only a headline").is_err());
        assert!(parse_answer("   ").is_err());
    }

    #[test]
    fn keys_change_with_the_model_and_the_content() {
        let a = Request {
            system: "s".into(),
            user: "u".into(),
        };
        let b = Request {
            system: "s".into(),
            user: "u2".into(),
        };
        assert_eq!(a.key("m"), a.key("m"));
        assert_ne!(a.key("m"), a.key("n"));
        assert_ne!(a.key("m"), b.key("m"));
    }
}
