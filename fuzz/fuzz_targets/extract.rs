//! Page bytes of any shape: decoding, metadata and extraction must never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = roundup::extract::extract_bytes(data, None, Some("http://page.example/a/1.html"));
    let _ = roundup::extract::extract_bytes(data, Some("text/html; charset=gbk"), None);
});
