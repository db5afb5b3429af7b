//! Offline import: entries from JSON Lines.
//!
//! Each line is an object with `title` and `link` (required) and optionally `id`, `source`,
//! `published` (ISO 8601 with an offset or Z), `summary`, `text` and `lang`. Unknown fields are
//! ignored. A bad line is reported with its number and skipped; the rest are read.

use serde::Deserialize;

use crate::model::Entry;
use crate::text::dates::parse_datetime;
use crate::text::html::{flatten, to_text};

/// One imported entry and the source it names.
#[derive(Debug, Clone)]
pub struct Imported {
    /// Source display name; "import" when the line names none.
    pub source: String,
    /// The entry.
    pub entry: Entry,
}

/// A line that could not be used.
#[derive(Debug, Clone, PartialEq)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
struct Line {
    id: Option<serde_json::Value>,
    source: Option<String>,
    title: Option<String>,
    link: Option<String>,
    published: Option<String>,
    summary: Option<String>,
    text: Option<String>,
    lang: Option<String>,
    author: Option<String>,
}

/// Reads JSON Lines text; returns the good entries and one error per bad line.
pub fn read_jsonl(text: &str) -> (Vec<Imported>, Vec<LineError>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        match parse_line(raw) {
            Ok(item) => items.push(item),
            Err(message) => errors.push(LineError {
                line: line_no,
                message,
            }),
        }
    }
    (items, errors)
}

fn parse_line(raw: &str) -> Result<Imported, String> {
    let l: Line = serde_json::from_str(raw).map_err(|e| format!("not a JSON object: {e}"))?;
    // Titles, summaries and names are text; a source that sends markup gets it flattened.
    let title = flatten(&l.title.unwrap_or_default());
    let link = l.link.unwrap_or_default().trim().to_string();
    if title.is_empty() {
        return Err("missing \"title\"".to_string());
    }
    if link.is_empty() {
        return Err("missing \"link\"".to_string());
    }
    let published = match l
        .published
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => None,
        Some(p) => Some(parse_datetime(p).ok_or_else(|| {
            format!("\"published\" {p:?} is not an ISO 8601 time such as 2025-11-20T09:00:00+08:00")
        })?),
    };
    let guid = l.id.map(|v| match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    });
    Ok(Imported {
        source: l
            .source
            .map(|s| flatten(&s))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "import".to_string()),
        entry: Entry {
            guid,
            title,
            link,
            published,
            summary: l
                .summary
                .map(|s| to_text(&s))
                .filter(|s| !s.trim().is_empty()),
            text: l.text.map(|s| to_text(&s)).filter(|s| !s.trim().is_empty()),
            lang: l
                .lang
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty()),
            author: l.author,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_and_bad_lines() {
        let text = r#"{"id": 7, "source": "36氪", "title": "京东首店", "link": "https://36kr.com/p/1", "published": "2025-11-17T09:00:00+08:00", "lang": "zh", "extra": true}
not json
{"title": "No link"}
{"title": "Bad date", "link": "https://x.org/2", "published": "last week"}

{"title": "Headline only", "link": "https://x.org/3"}"#;
        let (items, errors) = read_jsonl(text);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].source, "36氪");
        assert_eq!(items[0].entry.guid.as_deref(), Some("7"));
        assert_eq!(items[1].source, "import");
        let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4]);
        assert!(errors[2].message.contains("last week"));
    }
}
