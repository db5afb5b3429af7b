//! Raw-text elements emptied before parsing.
//!
//! About half the bytes of a news page are inline scripts and style sheets, which extraction
//! throws away right after parsing. Emptying them in the source first spares the tokenizer
//! and the tree builder that work. JSON-LD scripts are kept: metadata is read from them.
//! The scan follows the tokenizer's rules for where such an element ends (the first
//! `</script` or `</style`, in any case) and passes comments through untouched, so markup
//! outside these elements parses as before.

use std::borrow::Cow;

/// Elements whose content is emptied, unless they carry JSON-LD.
const RAW: [&[u8]; 2] = [b"script", b"style"];

/// The page with the content of its `<script>` (except JSON-LD) and `<style>` elements
/// removed; the tags themselves stay.
pub fn raw_text(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    // Start of the source not yet copied.
    let mut copied = 0;
    let mut at = 0;
    while let Some(found) = memchr::memchr(b'<', &bytes[at..]) {
        let lt = at + found;
        let rest = &bytes[lt + 1..];
        if rest.starts_with(b"!--") {
            // A comment: skip to its end, whatever it holds.
            at = match memchr::memmem::find(&rest[3..], b"-->") {
                Some(end) => lt + 4 + end + 3,
                None => bytes.len(),
            };
            continue;
        }
        let Some(name) = RAW.iter().find(|name| starts_tag(rest, name)) else {
            at = lt + 1;
            continue;
        };
        let Some(open_end) = tag_end(bytes, lt + 1 + name.len()) else {
            break;
        };
        let close = find_close(bytes, open_end, name).unwrap_or(bytes.len());
        let open = &html[lt..open_end];
        if !(*name == b"script" && is_json_ld(open)) && close > open_end {
            let buf = out.get_or_insert_with(|| String::with_capacity(html.len() / 2));
            buf.push_str(&html[copied..open_end]);
            copied = close;
        }
        at = close;
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut buf) => {
            buf.push_str(&html[copied..]);
            Cow::Owned(buf)
        }
    }
}

/// Whether `rest` (the bytes after a `<`) opens the element `name`, in any case.
fn starts_tag(rest: &[u8], name: &[u8]) -> bool {
    rest.len() > name.len()
        && rest[..name.len()].eq_ignore_ascii_case(name)
        && matches!(
            rest[name.len()],
            b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'
        )
}

/// Index just past the `>` that ends the tag whose attributes start at `from`, skipping
/// quoted attribute values.
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Index of the `</name` that ends a raw-text element whose content starts at `from`.
fn find_close(bytes: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    while let Some(found) = memchr::memmem::find(&bytes[at..], b"</") {
        let lt = at + found;
        if starts_tag(&bytes[lt + 2..], name) {
            return Some(lt);
        }
        at = lt + 2;
    }
    None
}

/// Whether a `<script …>` open tag declares JSON-LD.
fn is_json_ld(open: &str) -> bool {
    open.to_ascii_lowercase().contains("application/ld+json")
}

#[cfg(test)]
mod tests {
    use super::raw_text;

    #[test]
    fn empties_scripts_and_styles_but_keeps_json_ld_and_comments() {
        let html = "<html><head><STYLE type=text/css>p { x: '<p>' }</STYLE>\
            <script type=\"application/ld+json\">{\"headline\":\"Kept\"}</script>\
            <script>if (a < b) document.write('<p>gone</p>');</SCRIPT >\
            <!-- <script> in a comment --></head><body><p>Text</p><script src='x.js'></script></body></html>";
        assert_eq!(
            raw_text(html),
            "<html><head><STYLE type=text/css></STYLE>\
            <script type=\"application/ld+json\">{\"headline\":\"Kept\"}</script>\
            <script></SCRIPT >\
            <!-- <script> in a comment --></head><body><p>Text</p><script src='x.js'></script></body></html>"
        );
    }

    #[test]
    fn leaves_pages_without_raw_text_alone_and_survives_truncation() {
        let plain = "<p>a < b, and <scripted> words</p>";
        assert!(matches!(raw_text(plain), std::borrow::Cow::Borrowed(_)));
        // Cut off inside a script or inside its open tag: the rest is dropped, no panic.
        assert_eq!(raw_text("<p>x</p><script>var a = 1;"), "<p>x</p><script>");
        assert_eq!(raw_text("<p>x</p><script src='a"), "<p>x</p><script src='a");
        assert_eq!(raw_text("<p>数据</p><style>ü{}"), "<p>数据</p><style>");
    }
}
