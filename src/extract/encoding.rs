//! Charset sniffing: which encoding a page's bytes are in, and its text as UTF-8.
//!
//! The order follows the HTML standard's spirit: a byte-order mark wins, then the HTTP
//! Content-Type charset, then a `<meta charset>` or `http-equiv` declaration in the first
//! 4 KiB, then chardetng's statistical guess. A declaration that the bytes contradict (say
//! "utf-8" over GBK bytes) is not trusted: the guess decides instead.

use encoding_rs::{Encoding, UTF_8};

/// Where the encoding decision came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// A byte-order mark.
    Bom,
    /// The HTTP Content-Type header.
    Header,
    /// A meta tag in the document.
    Meta,
    /// A statistical guess over the bytes.
    Sniffed,
}

/// A decoded page.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The text, as UTF-8.
    pub text: String,
    /// The encoding used.
    pub encoding: &'static Encoding,
    /// Why that encoding.
    pub evidence: Evidence,
}

/// Decodes page bytes to text; never fails (malformed sequences become U+FFFD).
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> Decoded {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.into_owned(),
            encoding: enc,
            evidence: Evidence::Bom,
        };
    }
    let declared = content_type
        .and_then(charset_param)
        .and_then(|l| Encoding::for_label(l.as_bytes()))
        .map(|e| (e, Evidence::Header))
        .or_else(|| meta_charset(bytes).map(|e| (e, Evidence::Meta)));
    if let Some((enc, evidence)) = declared {
        // UTF-16 declared in an ASCII-compatible document is a known lie: the meta tag was readable.
        let enc = if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            UTF_8
        } else {
            enc
        };
        let (text, _, had_errors) = enc.decode(bytes);
        if !had_errors || enc != UTF_8 && !sniff_disagrees(bytes, enc) {
            return Decoded {
                text: text.into_owned(),
                encoding: enc,
                evidence,
            };
        }
    }
    let enc = sniff(bytes);
    let (text, _, _) = enc.decode(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: enc,
        evidence: Evidence::Sniffed,
    }
}

fn sniff(bytes: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    det.guess(None, chardetng::Utf8Detection::Allow)
}

/// Whether a non-UTF-8 declaration is contradicted by bytes that are valid UTF-8 text with
/// non-ASCII characters (a page re-encoded without updating its meta tag).
fn sniff_disagrees(bytes: &[u8], declared: &'static Encoding) -> bool {
    declared != UTF_8 && !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok()
}

/// The `charset=` parameter of a Content-Type value.
fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
    })
}

/// A charset declared by a meta tag within the first 4 KiB.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(pos) = rest.find("<meta") {
        rest = &rest[pos + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if let Some(i) = tag.find("charset") {
            let after = tag[i + 7..].trim_start();
            if let Some(after) = after.strip_prefix('=') {
                let value: String = after
                    .trim_start()
                    .trim_start_matches(['"', '\''])
                    .chars()
                    .take_while(|c| !matches!(c, '"' | '\'' | ' ' | ';' | '/' | '>'))
                    .collect();
                if let Some(enc) = Encoding::for_label(value.as_bytes()) {
                    return Some(enc);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZH: &str = "<html><head><title>京东首店</title></head><body><p>京东MALL北京首店今日试营业。</p></body></html>";

    #[test]
    fn gbk_declared_in_meta() {
        let html = ZH.replace("<head>", "<head><meta charset=\"gbk\">");
        let (bytes, _, _) = encoding_rs::GBK.encode(&html);
        let d = decode(&bytes, None);
        assert_eq!(d.encoding, encoding_rs::GBK);
        assert_eq!(d.evidence, Evidence::Meta);
        assert!(d.text.contains("京东MALL北京首店"));
    }

    #[test]
    fn gbk_declared_in_header() {
        let (bytes, _, _) = encoding_rs::GBK.encode(ZH);
        let d = decode(&bytes, Some("text/html; charset=GB2312"));
        assert_eq!(d.evidence, Evidence::Header);
        assert!(d.text.contains("试营业"));
    }

    #[test]
    fn gbk_undeclared_is_sniffed() {
        let long = ZH.repeat(4);
        let (bytes, _, _) = encoding_rs::GBK.encode(&long);
        let d = decode(&bytes, None);
        assert_eq!(d.evidence, Evidence::Sniffed);
        assert!(d.text.contains("京东MALL北京首店"), "{}", d.text);
    }

    #[test]
    fn lying_utf8_header_over_gbk() {
        let long = ZH.repeat(4);
        let (bytes, _, _) = encoding_rs::GBK.encode(&long);
        let d = decode(&bytes, Some("text/html; charset=utf-8"));
        assert!(d.text.contains("试营业"), "{}", d.text);
    }

    #[test]
    fn bom_wins() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice("<meta charset=gbk>京东".as_bytes());
        let d = decode(&bytes, Some("text/html; charset=big5"));
        assert_eq!(d.evidence, Evidence::Bom);
        assert!(d.text.ends_with("京东"));
    }
}
