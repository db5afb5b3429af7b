//! Parses every feed file named on the command line with one parser and prints, per file, a
//! JSON line of raw fields with their text types; `bench/feeds_map.py` maps them to the
//! scorer's schema with the evaluation set's own rules. The in-process parse time over all
//! files (bytes already read) goes to stderr.

use std::time::Instant;

use serde_json::{Value, json};

fn iso(t: Option<chrono::DateTime<chrono::Utc>>) -> Value {
    t.map(|t| json!(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())).unwrap_or(Value::Null)
}

fn feedparser_rs_record(bytes: &[u8]) -> Result<Value, String> {
    let d = feedparser_rs::parse(bytes).map_err(|e| e.to_string())?;
    let ty = |t: Option<&feedparser_rs::TextConstruct>| {
        t.map(|t| json!(format!("{:?}", t.content_type).to_lowercase())).unwrap_or(Value::Null)
    };
    let entries: Vec<Value> = d
        .entries
        .iter()
        .map(|e| {
            let (summary, stype) = match (&e.summary, e.content.first()) {
                (Some(s), _) => (json!(s), ty(e.summary_detail.as_ref())),
                (None, Some(c)) => (json!(c.value), json!(c.content_type.as_ref().map(|m| m.to_string()).unwrap_or_else(|| "text/html".into()))),
                (None, None) => (Value::Null, Value::Null),
            };
            let author = e
                .authors
                .first()
                .and_then(|a| a.name.as_deref().map(str::to_string).or_else(|| a.email.as_deref().map(str::to_string)))
                .or_else(|| e.author.as_deref().map(str::to_string));
            json!({
                "id": e.id.as_deref(), "title": e.title, "title_type": ty(e.title_detail.as_ref()),
                "link": e.link, "published": iso(e.published.or(e.updated)),
                "summary": summary, "summary_type": stype, "author": author,
            })
        })
        .collect();
    Ok(json!({
        "bozo": d.bozo,
        "feed": {"title": d.feed.title, "title_type": ty(d.feed.title_detail.as_ref()),
                 "link": d.feed.link, "language": d.feed.language.as_deref()},
        "entries": entries,
    }))
}

fn feed_rs_record(bytes: &[u8]) -> Result<Value, String> {
    let f = feed_rs::parser::parse(bytes).map_err(|e| e.to_string())?;
    let text = |t: &Option<feed_rs::model::Text>| {
        t.as_ref().map(|t| (json!(t.content), json!(t.content_type.essence().to_string()))).unwrap_or((Value::Null, Value::Null))
    };
    let entries: Vec<Value> = f
        .entries
        .iter()
        .map(|e| {
            let (title, title_type) = text(&e.title);
            let (mut summary, mut stype) = text(&e.summary);
            if summary.is_null()
                && let Some(c) = &e.content
                && let Some(body) = &c.body
            {
                summary = json!(body);
                stype = json!(c.content_type.essence().to_string());
            }
            let author = e.authors.first().and_then(|a| a.name.clone()).filter(|n| !n.is_empty());
            json!({
                "id": e.id, "title": title, "title_type": title_type,
                "link": e.links.first().map(|l| l.href.clone()),
                "published": iso(e.published.or(e.updated)),
                "summary": summary, "summary_type": stype, "author": author,
            })
        })
        .collect();
    let (title, title_type) = text(&f.title);
    Ok(json!({
        "bozo": false,
        "feed": {"title": title, "title_type": title_type,
                 "link": f.links.first().map(|l| l.href.clone()), "language": f.language},
        "entries": entries,
    }))
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let parser = args.remove(0);
    let files: Vec<(String, Vec<u8>)> =
        args.into_iter().map(|p| { let b = std::fs::read(&p).unwrap_or_default(); (p, b) }).collect();
    let start = Instant::now();
    let records: Vec<(String, Result<Value, String>)> = files
        .iter()
        .map(|(p, b)| {
            let r = std::panic::catch_unwind(|| match parser.as_str() {
                "feed-rs" => feed_rs_record(b),
                _ => feedparser_rs_record(b),
            })
            .unwrap_or_else(|_| Err("parser panicked".to_string()));
            (p.clone(), r)
        })
        .collect();
    let elapsed = start.elapsed();
    for (p, r) in records {
        let line = match r {
            Ok(mut v) => { v["file"] = json!(p); v }
            Err(e) => json!({"file": p, "error": e}),
        };
        println!("{line}");
    }
    eprintln!("{parser}: {} files parsed in-process in {:.4} s", files.len(), elapsed.as_secs_f64());
}
