//! The demo's loopback web server: the sample outlets' feeds and article pages.
//!
//! Every resource carries an ETag, and a request with a matching `If-None-Match` gets a 304,
//! so a second fetch of the demo exercises conditional GET. The GBK outlet's feed declares its
//! encoding in the XML prolog and its pages in a meta tag only, as many Chinese sites do.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Response, StatusCode, Uri, header};

use super::{Beat, DemoArticle, Outlet};

/// A served resource.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Content-Type header.
    pub content_type: String,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Strong ETag.
    pub etag: String,
}

/// A running demo server.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    handle: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops the server.
    pub fn stop(self) {
        self.handle.abort();
    }
}

/// Starts the server on an ephemeral loopback port.
pub async fn start(beat: Beat) -> anyhow::Result<Running> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    let site = Arc::new(build_site(&beat, &base));
    let app = Router::new().fallback(serve).with_state(site);
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Running { addr, handle })
}

async fn serve(
    State(site): State<Arc<HashMap<String, Resource>>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    let Some(res) = site.get(uri.path()) else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::from("not found"))
            .unwrap_or_default();
    };
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == res.etag));
    let builder = Response::builder().header(header::ETAG, &res.etag);
    if matches {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default();
    }
    builder
        .header(header::CONTENT_TYPE, &res.content_type)
        .body(Body::from(res.body.clone()))
        .unwrap_or_default()
}

/// Every path of the demo site and what it serves.
pub fn build_site(beat: &Beat, base: &str) -> HashMap<String, Resource> {
    let mut site = HashMap::new();
    for outlet in &beat.outlets {
        let mut items: Vec<&DemoArticle> = beat
            .articles
            .iter()
            .filter(|a| a.outlet == outlet.slug)
            .collect();
        items.sort_by_key(|a| std::cmp::Reverse(a.date));
        for a in &items {
            let html = page(beat, outlet, a, base);
            let (body, ct) = encode(outlet, &html, "text/html");
            site.insert(
                format!("/{}/{}.html", outlet.slug, a.slug),
                resource(ct, body),
            );
        }
        let (text, ct) = match outlet.format.as_str() {
            "atom" => (atom(beat, outlet, &items, base), "application/atom+xml"),
            "json" => (
                json_feed(beat, outlet, &items, base),
                "application/feed+json",
            ),
            _ => (rss(beat, outlet, &items, base), "application/rss+xml"),
        };
        let (body, ct) = encode(outlet, &text, ct);
        site.insert(outlet.feed_path(), resource(ct, body));
    }
    site
}

fn resource(content_type: String, body: Vec<u8>) -> Resource {
    let etag = format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&body));
    Resource {
        content_type,
        body,
        etag,
    }
}

fn encode(outlet: &Outlet, text: &str, mime: &str) -> (Vec<u8>, String) {
    if outlet.is_gbk() {
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        (bytes.into_owned(), mime.to_string())
    } else {
        (text.as_bytes().to_vec(), format!("{mime}; charset=utf-8"))
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn link(base: &str, a: &DemoArticle) -> String {
    format!("{base}/{}/{}.html", a.outlet, a.slug)
}

fn teaser(beat: &Beat, a: &DemoArticle) -> String {
    let body = beat.body_of(a).trim();
    body.split("\n\n").next().unwrap_or("").trim().to_string()
}

fn page(beat: &Beat, outlet: &Outlet, a: &DemoArticle, base: &str) -> String {
    let charset = if outlet.is_gbk() { "gbk" } else { "utf-8" };
    let url = link(base, a);
    let date = a.date.to_rfc3339();
    let paras: String = beat
        .body_of(a)
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>\n", esc(p)))
        .collect();
    let author = a.author.as_deref().unwrap_or(&outlet.name);
    let others: String = beat
        .articles
        .iter()
        .filter(|o| o.outlet == outlet.slug && o.slug != a.slug)
        .take(4)
        .map(|o| {
            format!(
                "<li><a href=\"{}\">{}</a></li>",
                link(base, o),
                esc(&o.title)
            )
        })
        .collect();
    format!(
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="{charset}">
<title>{title} | {site}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site}">
<meta property="og:type" content="article">
<meta property="article:published_time" content="{date}">
<meta name="author" content="{author}">
<link rel="canonical" href="{url}">
</head>
<body>
<header><a class="logo" href="{base}/{slug}/">{site}</a>
<nav><a href="/">Home</a> <a href="/tech">Tech</a> <a href="/business">Business</a> <a href="/about">About us</a></nav></header>
<main>
<article>
<h1>{title}</h1>
<div class="meta"><span class="byline">{author}</span> <time datetime="{date}">{date}</time></div>
{paras}</article>
<aside><h3>More from {site}</h3><ul>{others}</ul></aside>
</main>
<footer><p>© 2025 {site}. All rights reserved.</p><p><a href="/subscribe">Subscribe to our newsletter</a></p></footer>
</body>
</html>
"#,
        lang = outlet.lang,
        title = esc(&a.title),
        site = esc(&outlet.name),
        author = esc(author),
        slug = outlet.slug,
    )
}

fn xml_prolog(outlet: &Outlet) -> &'static str {
    if outlet.is_gbk() {
        "<?xml version=\"1.0\" encoding=\"GBK\"?>\n"
    } else {
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    }
}

fn rss(beat: &Beat, outlet: &Outlet, items: &[&DemoArticle], base: &str) -> String {
    let mut s = format!(
        "{}<rss version=\"2.0\"><channel><title>{}</title><link>{base}/{}/</link><language>{}</language><description>{} feed</description>\n",
        xml_prolog(outlet),
        esc(&outlet.name),
        outlet.slug,
        outlet.lang,
        esc(&outlet.name)
    );
    for a in items {
        s.push_str(&format!(
            "<item><title>{}</title><link>{}</link><guid isPermaLink=\"true\">{}</guid><pubDate>{}</pubDate><description>{}</description></item>\n",
            esc(&a.title),
            link(base, a),
            link(base, a),
            a.date.to_rfc2822(),
            esc(&teaser(beat, a))
        ));
    }
    s.push_str("</channel></rss>\n");
    s
}

fn atom(beat: &Beat, outlet: &Outlet, items: &[&DemoArticle], base: &str) -> String {
    let updated = items
        .first()
        .map(|a| a.date.to_rfc3339())
        .unwrap_or_default();
    let mut s = format!(
        "{}<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\"><title>{}</title><id>{base}/{}/</id><updated>{updated}</updated><link href=\"{base}/{}/\"/>\n",
        xml_prolog(outlet),
        outlet.lang,
        esc(&outlet.name),
        outlet.slug,
        outlet.slug
    );
    for a in items {
        let author = a.author.as_deref().unwrap_or(&outlet.name);
        s.push_str(&format!(
            "<entry><title>{}</title><link href=\"{}\"/><id>{}</id><published>{}</published><updated>{}</updated><author><name>{}</name></author><summary type=\"html\">{}</summary></entry>\n",
            esc(&a.title),
            link(base, a),
            link(base, a),
            a.date.to_rfc3339(),
            a.date.to_rfc3339(),
            esc(author),
            esc(&format!("<p>{}</p>", esc(&teaser(beat, a))))
        ));
    }
    s.push_str("</feed>\n");
    s
}

fn json_feed(beat: &Beat, outlet: &Outlet, items: &[&DemoArticle], base: &str) -> String {
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|a| {
            serde_json::json!({
                "id": link(base, a),
                "url": link(base, a),
                "title": a.title,
                "summary": teaser(beat, a),
                "date_published": a.date.to_rfc3339(),
                "language": outlet.lang,
            })
        })
        .collect();
    serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": outlet.name,
        "home_page_url": format!("{base}/{}/", outlet.slug),
        "feed_url": format!("{base}{}", outlet.feed_path()),
        "language": outlet.lang,
        "items": items,
    })
    .to_string()
}
