//! Feed bytes of any shape: parsing, recovery and digest must never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = roundup::sources::feed::parse_document(data) {
        let _ = roundup::sources::digest::of("fuzz", &parsed);
    }
    let _ = roundup::sources::feed::parse(data, Some("http://feed.example/rss.xml"));
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = roundup::sources::opml::parse(text);
    }
});
