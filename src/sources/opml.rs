//! OPML: the feed-list format readers exchange.
//!
//! Import reads every outline with an `xmlUrl`, and keeps the titles of the outlines it is
//! nested in as its category ("News/China"). Export writes the sources back, nested by
//! category, so a round trip keeps the folders.

use std::sync::LazyLock;

use regex::Regex;

/// A feed listed in an OPML file.
#[derive(Debug, Clone, PartialEq)]
pub struct OpmlFeed {
    /// The outline's title (or text).
    pub title: String,
    /// The feed URL.
    pub url: String,
    /// Titles of the enclosing outlines, joined by "/".
    pub category: Option<String>,
}

static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<(/?)outline\b((?:[^>\x22']|\x22[^\x22]*\x22|'[^']*')*?)(/?)>")
        .expect("static regex")
});
static ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("static regex")
});

fn unescape(s: &str) -> String {
    html_escape::decode_html_entities(s).trim().to_string()
}

/// Reads the feeds of an OPML document.
pub fn parse(text: &str) -> Result<Vec<OpmlFeed>, String> {
    if !text.to_ascii_lowercase().contains("<opml") {
        return Err("not an OPML file (no <opml> element)".to_string());
    }
    let mut path: Vec<String> = Vec::new();
    let mut feeds = Vec::new();
    for c in TAG.captures_iter(text) {
        if &c[1] == "/" {
            path.pop();
            continue;
        }
        let attrs: Vec<(String, String)> = ATTR
            .captures_iter(&c[2])
            .map(|a| {
                (
                    a[1].to_ascii_lowercase(),
                    unescape(a.get(2).or(a.get(3)).map_or("", |m| m.as_str())),
                )
            })
            .collect();
        let get = |k: &str| {
            attrs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        let title = get("title").or_else(|| get("text")).unwrap_or_default();
        let self_closing = &c[3] == "/";
        if let Some(url) = get("xmlurl") {
            let category = (!path.is_empty()).then(|| path.join("/"));
            feeds.push(OpmlFeed {
                title: if title.is_empty() {
                    url.clone()
                } else {
                    title.clone()
                },
                url,
                category,
            });
        }
        if !self_closing {
            path.push(title);
        }
    }
    Ok(feeds)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes feeds as an OPML 2.0 document, nested by category.
pub fn write(title: &str, feeds: &[OpmlFeed]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head><title>{}</title></head>\n<body>\n",
        escape(title)
    );
    let mut open: Vec<String> = Vec::new();
    let mut sorted: Vec<&OpmlFeed> = feeds.iter().collect();
    sorted.sort_by(|a, b| a.category.cmp(&b.category));
    for f in sorted {
        let want: Vec<String> = f
            .category
            .as_deref()
            .map(|c| c.split('/').map(str::to_string).collect())
            .unwrap_or_default();
        let common = open.iter().zip(&want).take_while(|(a, b)| a == b).count();
        while open.len() > common {
            open.pop();
            out.push_str(&format!("{}</outline>\n", "  ".repeat(open.len() + 1)));
        }
        for folder in &want[common..] {
            out.push_str(&format!(
                "{}<outline text=\"{}\" title=\"{}\">\n",
                "  ".repeat(open.len() + 1),
                escape(folder),
                escape(folder)
            ));
            open.push(folder.clone());
        }
        out.push_str(&format!(
            "{}<outline type=\"rss\" text=\"{}\" title=\"{}\" xmlUrl=\"{}\"/>\n",
            "  ".repeat(open.len() + 1),
            escape(&f.title),
            escape(&f.title),
            escape(&f.url)
        ));
    }
    while !open.is_empty() {
        open.pop();
        out.push_str(&format!("{}</outline>\n", "  ".repeat(open.len() + 1)));
    }
    out.push_str("</body>\n</opml>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_outlines_round_trip() {
        let text = r#"<?xml version="1.0"?><opml version="1.0"><head><title>Mine</title></head><body>
          <outline text="News">
            <outline text="China">
              <outline type="rss" text="Wire &amp; Co" xmlUrl="https://wire.example/feed?a=1&amp;b=2"/>
            </outline>
            <outline type="rss" title="Top" text="ignored" xmlUrl='https://top.example/rss'/>
          </outline>
          <outline type="rss" text="Loose" xmlUrl="https://loose.example/atom"/>
          <outline text="Empty folder"></outline>
        </body></opml>"#;
        let feeds = parse(text).unwrap();
        assert_eq!(feeds.len(), 3);
        assert_eq!(
            feeds[0],
            OpmlFeed {
                title: "Wire & Co".into(),
                url: "https://wire.example/feed?a=1&b=2".into(),
                category: Some("News/China".into())
            }
        );
        assert_eq!(feeds[1].title, "Top");
        assert_eq!(feeds[1].category.as_deref(), Some("News"));
        assert_eq!(feeds[2].category, None);
        let again = parse(&write("Mine", &feeds)).unwrap();
        let mut a = feeds.clone();
        a.sort_by(|x, y| x.url.cmp(&y.url));
        let mut b = again;
        b.sort_by(|x, y| x.url.cmp(&y.url));
        assert_eq!(a, b);
        assert!(parse("<html></html>").is_err());
    }
}
