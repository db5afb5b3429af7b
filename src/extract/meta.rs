//! Page metadata from meta tags, OpenGraph, JSON-LD and `<time>` elements.

use dom_query::Document;
use serde_json::Value;

use super::Extracted;
use crate::text::dates::parse_datetime;

/// Reads title, published time, author, language, site name, canonical URL and lead image.
///
/// `url` is the page's own address, used to make relative links absolute. The text field of
/// the result is left empty.
pub fn read(doc: &Document, url: Option<&str>) -> Extracted {
    let base = url.and_then(|u| url::Url::parse(u).ok());
    let ld = json_ld(doc);
    let title = first([
        meta(doc, "property", "og:title"),
        meta(doc, "name", "twitter:title"),
        ld_str(&ld, &["headline"]),
        text_of(doc, "title").map(|t| strip_site_suffix(&t)),
        text_of(doc, "h1"),
    ]);
    let published = [
        meta(doc, "property", "article:published_time"),
        ld_str(&ld, &["datePublished"]),
        meta(doc, "itemprop", "datePublished"),
        meta(doc, "name", "pubdate"),
        meta(doc, "name", "publishdate"),
        meta(doc, "name", "date"),
        meta(doc, "name", "dc.date"),
        doc.select("time[datetime]")
            .first()
            .attr("datetime")
            .map(|s| s.to_string()),
    ]
    .into_iter()
    .flatten()
    .find_map(|s| parse_datetime(&s));
    let author = first([
        meta(doc, "name", "author"),
        ld_author(&ld),
        meta(doc, "property", "article:author").filter(|a| !a.starts_with("http")),
        doc.select("[rel=author]")
            .first()
            .text()
            .trim()
            .to_string()
            .into_non_empty(),
    ]);
    let lang = doc
        .select("html")
        .first()
        .attr("lang")
        .or_else(|| {
            doc.select("meta[http-equiv='content-language']")
                .first()
                .attr("content")
        })
        .and_then(|l| {
            let code = l
                .split(['-', '_'])
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            (code.len() == 2).then_some(code)
        });
    let canonical_url = first([
        doc.select("link[rel=canonical]")
            .first()
            .attr("href")
            .map(|s| s.to_string()),
        meta(doc, "property", "og:url"),
    ])
    .and_then(|u| absolute(base.as_ref(), &u));
    let image = meta(doc, "property", "og:image").and_then(|u| absolute(base.as_ref(), &u));
    Extracted {
        title,
        published,
        author,
        lang,
        site_name: meta(doc, "property", "og:site_name"),
        canonical_url,
        image,
        text: String::new(),
    }
}

trait NonEmpty {
    fn into_non_empty(self) -> Option<String>;
}

impl NonEmpty for String {
    fn into_non_empty(self) -> Option<String> {
        (!self.is_empty()).then_some(self)
    }
}

fn first<const N: usize>(candidates: [Option<String>; N]) -> Option<String> {
    candidates
        .into_iter()
        .flatten()
        .map(|s| collapse_ws(&s))
        .find(|s| !s.is_empty())
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn meta(doc: &Document, attr: &str, name: &str) -> Option<String> {
    let sel = format!("meta[{attr}='{name}' i]");
    doc.select(&sel).iter().find_map(|m| {
        m.attr("content")
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
    })
}

fn text_of(doc: &Document, sel: &str) -> Option<String> {
    let t = doc.select(sel).first().text();
    let t = collapse_ws(&t);
    (!t.is_empty()).then_some(t)
}

/// Drops a trailing " - Site" or " | Site" from a `<title>`.
pub fn strip_site_suffix(title: &str) -> String {
    for sep in [" | ", " - ", " — ", " – ", "｜", "_"] {
        if let Some(pos) = title.rfind(sep) {
            let (head, tail) = (&title[..pos], &title[pos + sep.len()..]);
            if tail.chars().count() <= 30 && head.chars().count() > tail.chars().count() {
                return head.trim().to_string();
            }
        }
    }
    title.trim().to_string()
}

fn absolute(base: Option<&url::Url>, href: &str) -> Option<String> {
    match url::Url::parse(href) {
        Ok(u) => Some(u.to_string()),
        Err(_) => base.and_then(|b| b.join(href).ok()).map(|u| u.to_string()),
    }
}

/// All JSON-LD objects on the page, flattened (`@graph` and arrays unrolled).
fn json_ld(doc: &Document) -> Vec<Value> {
    let mut out = Vec::new();
    for node in doc.select("script[type='application/ld+json']").iter() {
        if let Ok(v) = serde_json::from_str::<Value>(node.text().trim()) {
            flatten_ld(v, &mut out);
        }
    }
    out
}

fn flatten_ld(v: Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(items) => items.into_iter().for_each(|i| flatten_ld(i, out)),
        Value::Object(mut map) => {
            if let Some(graph) = map.remove("@graph") {
                flatten_ld(graph, out);
            }
            out.push(Value::Object(map));
        }
        _ => {}
    }
}

fn ld_str(ld: &[Value], keys: &[&str]) -> Option<String> {
    ld.iter().find_map(|v| {
        keys.iter()
            .find_map(|k| v.get(k).and_then(Value::as_str).map(str::to_string))
    })
}

fn ld_author(ld: &[Value]) -> Option<String> {
    ld.iter().find_map(|v| {
        let a = v.get("author")?;
        let a = if let Value::Array(items) = a {
            items.first()?
        } else {
            a
        };
        match a {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_open_graph_json_ld_and_time() {
        let html = r#"<html lang="zh-CN"><head>
            <title>京东首店开业 | 示例新闻</title>
            <meta property="og:site_name" content="示例新闻">
            <meta property="og:image" content="/img/lead.jpg">
            <link rel="canonical" href="https://news.example.cn/a/1.html">
            <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"NewsArticle","headline":"京东首店开业","datePublished":"2025-11-20T09:00:00+08:00","author":[{"@type":"Person","name":"李华"}]}]}</script>
            </head><body><h1>Other</h1></body></html>"#;
        let doc = Document::from(html);
        let m = read(&doc, Some("https://news.example.cn/a/1.html?utm=x"));
        assert_eq!(m.title.as_deref(), Some("京东首店开业"));
        assert_eq!(m.author.as_deref(), Some("李华"));
        assert_eq!(m.lang.as_deref(), Some("zh"));
        assert_eq!(m.site_name.as_deref(), Some("示例新闻"));
        assert_eq!(
            m.canonical_url.as_deref(),
            Some("https://news.example.cn/a/1.html")
        );
        assert_eq!(
            m.image.as_deref(),
            Some("https://news.example.cn/img/lead.jpg")
        );
        assert_eq!(
            m.published.unwrap().to_rfc3339(),
            "2025-11-20T01:00:00+00:00"
        );
    }

    #[test]
    fn falls_back_to_title_and_time_element() {
        let html = r#"<html><head><title>Temu faces new EU probe - Example Times</title></head>
            <body><article><time datetime="2025-11-18T10:00:00Z">Nov 18</time></article></body></html>"#;
        let m = read(&Document::from(html), None);
        assert_eq!(m.title.as_deref(), Some("Temu faces new EU probe"));
        assert_eq!(
            m.published.unwrap().to_rfc3339(),
            "2025-11-18T10:00:00+00:00"
        );
    }
}
