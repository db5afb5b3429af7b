//! HTML fragments (feed summaries, content) to plain text.

use std::sync::LazyLock;

use regex::Regex;

static BLOCK_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<br\s*/?>|</(p|div|li|h[1-6]|blockquote|tr|section|article)\s*>")
        .expect("static regex")
});

/// Turns an HTML fragment into plain text: tags removed, entities decoded, block elements
/// ending lines, scripts and styles dropped. Plain text passes through unchanged.
pub fn to_text(fragment: &str) -> String {
    if !fragment.contains('<') && !fragment.contains('&') {
        return fragment.trim().to_string();
    }
    let marked = BLOCK_END.replace_all(fragment, "$0\n");
    let doc = dom_query::Document::fragment(marked.as_ref());
    doc.select("script, style, noscript").remove();
    let text = doc.root().text();
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::to_text;

    #[test]
    fn strips_tags_and_keeps_blocks() {
        assert_eq!(
            to_text("<p>One &amp; <b>two</b></p><p>Three</p><script>x()</script>"),
            "One & two\nThree"
        );
        assert_eq!(to_text("plain"), "plain");
    }
}
