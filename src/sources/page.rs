//! A plain web page as a source: a section page watched for new article links.
//!
//! Many outlets have no feed, only a section page ("/tech/") listing their latest stories.
//! Such a page becomes a list of entries: every link on the page's own site whose path looks
//! like an article (a slug with dashes, or a number) or whose text reads like a headline,
//! minus navigation, assets and the page itself. The link text is the entry's title; the
//! article's text comes from fetching the link, as for a feed.

use std::collections::HashSet;

use crate::model::Entry;
use crate::text::html::collapse;

/// Entries for the article links of a section page at `page_url`.
pub fn links(html: &str, page_url: &str) -> Vec<Entry> {
    let Ok(base) = url::Url::parse(page_url) else {
        return Vec::new();
    };
    let site = registrable(base.host_str().unwrap_or_default());
    let doc = dom_query::Document::from(html);
    doc.select("nav, header, footer, aside, [role=navigation]")
        .remove();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for a in doc.select("a[href]").iter() {
        let Some(href) = a.attr("href") else { continue };
        let Ok(mut u) = base.join(href.trim()) else {
            continue;
        };
        u.set_fragment(None);
        if !matches!(u.scheme(), "http" | "https")
            || registrable(u.host_str().unwrap_or_default()) != site
        {
            continue;
        }
        let path = u.path().to_ascii_lowercase();
        let asset = [
            ".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".pdf", ".css", ".js", ".xml",
            ".zip", ".mp4",
        ]
        .iter()
        .any(|ext| path.ends_with(ext));
        if asset || u.as_str().trim_end_matches('/') == base.as_str().trim_end_matches('/') {
            continue;
        }
        let title = collapse(&a.text());
        let slug = path.rsplit('/').find(|s| !s.is_empty()).unwrap_or("");
        let article_path = slug.matches('-').count() >= 2
            || slug.chars().filter(char::is_ascii_digit).count() >= 4;
        let headline = crate::text::word_count(&title) >= 4.0;
        if !(article_path || headline) || title.is_empty() {
            continue;
        }
        if seen.insert(u.to_string()) {
            out.push(Entry {
                title,
                link: u.to_string(),
                ..Default::default()
            });
        }
    }
    out
}

/// The site part of a host: its last two labels (three for short second-level domains such
/// as example.co.uk or example.com.cn).
fn registrable(host: &str) -> String {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    if host.parse::<std::net::IpAddr>().is_ok() || labels.len() <= 2 {
        return host.to_ascii_lowercase();
    }
    let n = labels.len();
    let short_sld = labels[n - 2].len() <= 3 && labels[n - 1].len() == 2;
    let keep = if short_sld { 3 } else { 2 };
    labels[n.saturating_sub(keep)..]
        .join(".")
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_article_links_and_skips_the_rest() {
        let html = r#"<html><body>
            <nav><a href="/">Home</a> <a href="/tech/">Tech</a> <a href="/tech/ai-news-roundup-weekly">Nav story link</a></nav>
            <main>
              <a href="/tech/2025/11/20/jd-mall-opens-in-beijing">JD Mall opens in Beijing</a>
              <a href="https://news.example.com/a/123456">Meituan takes Keeta to Brazil with a war chest</a>
              <a href="/tech/2025/11/20/jd-mall-opens-in-beijing#comments">12 comments</a>
              <a href="/about">About</a>
              <a href="/img/photo-of-the-mall-2025.jpg">A photo of the new mall in Beijing</a>
              <a href="https://elsewhere.org/great-story-about-retail">A great story about retail elsewhere</a>
              <a href="/tech/">Tech</a>
            </main>
            <footer><a href="/privacy-policy-and-terms">Privacy policy and terms of use</a></footer>
        </body></html>"#;
        let got = links(html, "https://www.example.com/tech/");
        let urls: Vec<&str> = got.iter().map(|e| e.link.as_str()).collect();
        assert_eq!(
            urls,
            vec![
                "https://www.example.com/tech/2025/11/20/jd-mall-opens-in-beijing",
                "https://news.example.com/a/123456"
            ]
        );
        assert_eq!(got[0].title, "JD Mall opens in Beijing");
        assert_eq!(registrable("www.bbc.co.uk"), "bbc.co.uk");
        assert_eq!(registrable("tech.sina.com.cn"), "sina.com.cn");
    }
}
