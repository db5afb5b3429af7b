//! Page metadata from meta tags, OpenGraph, JSON-LD and `<time>` elements.

use dom_query::Document;
use serde_json::Value;

use super::Extracted;
use super::content::collapse;
use crate::text::dates::parse_datetime;

/// What metadata is read from, gathered in one walk over the page.
#[derive(Default)]
struct Scan<'a> {
    /// `<meta>` elements as (attribute, its value lowercased, content).
    metas: Vec<(&'static str, String, String)>,
    title: Option<dom_query::NodeRef<'a>>,
    h1: Option<dom_query::NodeRef<'a>>,
    time: Option<String>,
    rel_author: Option<dom_query::NodeRef<'a>>,
    canonical: Option<String>,
    html_lang: Option<String>,
    ld: Vec<Value>,
}

impl<'a> Scan<'a> {
    fn new(doc: &'a Document) -> Self {
        let mut scan = Scan::default();
        for node in doc.root().descendants_it().filter(|n| n.is_element()) {
            let Some(name) = node.node_name() else {
                continue;
            };
            match name.as_ref() {
                "meta" => {
                    let content = node.attr("content").map(|c| c.trim().to_string());
                    for attr in ["property", "name", "itemprop", "http-equiv"] {
                        if let (Some(key), Some(c)) = (node.attr(attr), &content) {
                            scan.metas.push((attr, key.to_ascii_lowercase(), c.clone()));
                        }
                    }
                }
                "title" if scan.title.is_none() => scan.title = Some(node),
                "h1" if scan.h1.is_none() => scan.h1 = Some(node),
                "time" if scan.time.is_none() => {
                    scan.time = node.attr("datetime").map(|s| s.to_string());
                }
                "link" if scan.canonical.is_none() && has_rel(&node, "canonical") => {
                    scan.canonical = node.attr("href").map(|s| s.to_string());
                }
                "html" if scan.html_lang.is_none() => {
                    scan.html_lang = node.attr("lang").map(|s| s.to_string());
                }
                "script"
                    if node
                        .attr("type")
                        .is_some_and(|t| t.eq_ignore_ascii_case("application/ld+json")) =>
                {
                    if let Ok(v) = serde_json::from_str::<Value>(node.text().trim()) {
                        flatten_ld(v, &mut scan.ld);
                    }
                }
                _ => {}
            }
            if scan.rel_author.is_none() && has_rel(&node, "author") {
                scan.rel_author = Some(node);
            }
        }
        scan
    }

    /// The first non-empty content of a `<meta>` whose `attr` is `name` (any case).
    fn meta(&self, attr: &str, name: &str) -> Option<String> {
        self.metas
            .iter()
            .find(|(a, key, content)| *a == attr && key == name && !content.is_empty())
            .map(|(_, _, content)| content.clone())
    }
}

/// Whether an element's `rel` attribute lists `value`.
fn has_rel(node: &dom_query::NodeRef, value: &str) -> bool {
    node.attr("rel").is_some_and(|r| {
        r.split_ascii_whitespace()
            .any(|v| v.eq_ignore_ascii_case(value))
    })
}

/// Reads title, published time, author, language, site name, canonical URL and lead image.
///
/// `url` is the page's own address, used to make relative links absolute. The text field of
/// the result is left empty.
pub fn read(doc: &Document, url: Option<&str>) -> Extracted {
    let base = url.and_then(|u| url::Url::parse(u).ok());
    let scan = Scan::new(doc);
    let ld = &scan.ld;
    let text = |node: Option<dom_query::NodeRef>| node.map(|n| collapse(&n.text()));
    let title = first([
        scan.meta("property", "og:title"),
        scan.meta("name", "twitter:title"),
        ld_str(ld, &["headline"]),
        text(scan.title).map(|t| strip_site_suffix(&t)),
        text(scan.h1),
    ]);
    let published = [
        scan.meta("property", "article:published_time"),
        ld_str(ld, &["datePublished"]),
        scan.meta("itemprop", "datepublished"),
        scan.meta("name", "pubdate"),
        scan.meta("name", "publishdate"),
        scan.meta("name", "date"),
        scan.meta("name", "dc.date"),
        scan.time.clone(),
    ]
    .into_iter()
    .flatten()
    .find_map(|s| parse_datetime(&s));
    let author = first([
        scan.meta("name", "author"),
        ld_author(ld),
        scan.meta("property", "article:author")
            .filter(|a| !a.starts_with("http")),
        text(scan.rel_author),
    ]);
    let lang = scan
        .html_lang
        .clone()
        .or_else(|| scan.meta("http-equiv", "content-language"))
        .and_then(|l| {
            let code = l
                .split(['-', '_'])
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            (code.len() == 2).then_some(code)
        });
    let canonical_url = first([scan.canonical.clone(), scan.meta("property", "og:url")])
        .and_then(|u| absolute(base.as_ref(), &u));
    let image = scan
        .meta("property", "og:image")
        .and_then(|u| absolute(base.as_ref(), &u));
    Extracted {
        title,
        published,
        author,
        lang,
        site_name: scan.meta("property", "og:site_name"),
        canonical_url,
        image,
        text: String::new(),
    }
}

fn first<const N: usize>(candidates: [Option<String>; N]) -> Option<String> {
    candidates
        .into_iter()
        .flatten()
        .map(|s| collapse(&s))
        .find(|s| !s.is_empty())
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
