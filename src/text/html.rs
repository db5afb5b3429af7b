//! HTML fragments (feed summaries, content) to plain text.
//!
//! A small tokenizer in the manner of a browser's (and Python's `html.parser`): tags are
//! removed, comments and declarations dropped, the contents of `script`, `style`, `head`,
//! `title`, `template` and `noscript` dropped, character references decoded, and block-level
//! elements separate what is on either side of them. [`flatten`] gives one line with single
//! spaces, the way feed readers compare text; [`to_text`] keeps a line per block.

/// Elements whose start or end separates words.
const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Elements whose content is never shown.
const DROP: &[&str] = &["script", "style", "template", "noscript", "head", "title"];

/// Walks `html`, appending shown text (entities decoded) to `out`, and `sep` at block edges.
fn walk(html: &str, sep: char, out: &mut String) {
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut drop_depth = 0usize;
    let mut run_start = 0;
    let flush = |from: usize, to: usize, drop_depth: usize, out: &mut String| {
        if from < to && drop_depth == 0 {
            out.push_str(&html_escape::decode_html_entities(&html[from..to]));
        }
    };
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &html[i..];
        let next = rest.as_bytes().get(1).copied().unwrap_or(b' ');
        // A comment, a declaration or a processing instruction: dropped.
        let skip_to = if rest.starts_with("<!--") {
            Some(rest.find("-->").map_or(html.len(), |e| i + e + 3))
        } else if next == b'!' || next == b'?' {
            Some(rest.find('>').map_or(html.len(), |e| i + e + 1))
        } else {
            None
        };
        if let Some(end) = skip_to {
            flush(run_start, i, drop_depth, out);
            i = end;
            run_start = i;
            continue;
        }
        let closing = next == b'/';
        let name_start = i + 1 + usize::from(closing);
        let starts_name = bytes
            .get(name_start)
            .is_some_and(|b| b.is_ascii_alphabetic());
        if !starts_name {
            i += 1; // a literal '<'
            continue;
        }
        // Find the end of the tag, respecting quoted attribute values.
        let mut j = name_start;
        let mut quote: Option<u8> = None;
        while j < bytes.len() {
            match (quote, bytes[j]) {
                (Some(q), b) if b == q => quote = None,
                (None, b'"' | b'\'') => quote = Some(bytes[j]),
                (None, b'>') => break,
                _ => {}
            }
            j += 1;
        }
        let name_end = html[name_start..j.min(html.len())]
            .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
            .map_or(j, |e| name_start + e);
        let name = html[name_start..name_end].to_ascii_lowercase();
        let self_closing = j > 0 && bytes.get(j - 1) == Some(&b'/');
        flush(run_start, i, drop_depth, out);
        let end = (j + 1).min(html.len());
        if DROP.contains(&name.as_str()) && !self_closing {
            if closing {
                drop_depth = drop_depth.saturating_sub(1);
            } else if name == "script" || name == "style" {
                // Raw text: everything up to the matching end tag.
                let close = format!("</{name}");
                let lower = html[end..].to_ascii_lowercase();
                i = lower.find(&close).map_or(html.len(), |e| end + e);
                run_start = i;
                continue;
            } else {
                drop_depth += 1;
            }
        } else if BLOCK.contains(&name.as_str()) {
            out.push(sep);
        }
        i = end;
        run_start = i;
    }
    flush(run_start, html.len(), drop_depth, out);
}

/// An HTML fragment as one line of text: words separated by single spaces.
pub fn flatten(fragment: &str) -> String {
    let mut out = String::with_capacity(fragment.len());
    walk(fragment, ' ', &mut out);
    collapse(&out)
}

/// An HTML fragment as plain text with a line per block; plain text passes through.
pub fn to_text(fragment: &str) -> String {
    if !fragment.contains('<') && !fragment.contains('&') {
        return fragment.trim().to_string();
    }
    let mut out = String::with_capacity(fragment.len());
    walk(fragment, '\n', &mut out);
    out.lines()
        .map(collapse)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whitespace runs folded to one space, trimmed.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_and_keeps_blocks() {
        assert_eq!(
            to_text("<p>One &amp; <b>two</b></p><p>Three</p><script>x()</script>"),
            "One & two\nThree"
        );
        assert_eq!(to_text("plain"), "plain");
    }

    #[test]
    fn flattens_like_a_feed_reader() {
        assert_eq!(flatten("a<br/>b<div>c</div>d"), "a b c d");
        assert_eq!(flatten("x <!-- hidden --> y <![CDATA[z]]>"), "x y");
        assert_eq!(
            flatten("<script>if (a<b) {}</script>safe <style>p{}</style>text"),
            "safe text"
        );
        assert_eq!(flatten("1 < 2 &lt; 3 &#x41;&#66;&eacute;"), "1 < 2 < 3 ABé");
        assert_eq!(flatten("<a title='x>y'>link</a>"), "link");
        assert_eq!(flatten("<head><title>T</title></head>body"), "body");
    }
}
