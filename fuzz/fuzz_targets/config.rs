//! Config text of any shape: parsing and validation report problems, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = roundup::config::Config::parse(text, std::path::PathBuf::from("."));
    }
});
