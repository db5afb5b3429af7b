//! The desk in a real browser: headless Chromium from Debian's chromium package, driven by
//! Playwright (tests/ui/desk.mjs, with the npm package playwright-core). Covers login,
//! reorder, edit, add by URL, the email preview, publish and the archive page, and saves
//! screenshots under target/ui-screenshots.
//!
//! Needs /usr/bin/chromium and `npm ci --prefix tests/ui` (CI's `.ci/run` installs both);
//! skipped without them, except under CI, where it fails.

mod common;

use std::path::Path;
use std::process::Command;

use common::site::{PASSWORD, Site, USER};
use common::{ok, serve};

#[test]
fn the_desk_in_a_browser() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ready = Path::new("/usr/bin/chromium").exists()
        && root.join("tests/ui/node_modules/playwright-core").exists();
    if !ready {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium and run `npm ci --prefix tests/ui`"
        );
        eprintln!("skipped: needs /usr/bin/chromium and `npm ci --prefix tests/ui`");
        return;
    }
    let pages = serve(vec![(
        "/scoop.html",
        ok(
            "text/html; charset=utf-8",
            "<html><head><title>Scoop: Pinduoduo opens a Shenzhen lab</title></head><body><article><h1>Pinduoduo opens a Shenzhen lab</h1><p>Pinduoduo opened a research lab in Shenzhen on Friday, its first outside Shanghai, to work on logistics software for farm produce.</p><p>The lab will hire 300 engineers over two years.</p></article></body></html>".as_bytes().to_vec(),
        ),
    )]);
    let site = Site::start("");
    let shots = root.join("target/ui-screenshots");
    let out = Command::new("node")
        .arg(root.join("tests/ui/desk.mjs"))
        .env("ROUNDUP_BASE", format!("http://{}", site.addr))
        .env("ROUNDUP_USER", USER)
        .env("ROUNDUP_PASSWORD", PASSWORD)
        .env("ROUNDUP_ADD_URL", format!("{}/scoop.html", pages.base))
        .env("SCREENSHOTS", &shots)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("ok - the published edition carries the edit"),
        "{stdout}"
    );
    for name in [
        "01-desk",
        "02-edited",
        "03-added",
        "04-email-preview-phone",
        "05-edition",
        "06-archive",
        "07-edition-phone",
    ] {
        let png = shots.join(format!("{name}.png"));
        let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
        assert!(size > 1000, "screenshot {} missing or empty", png.display());
    }
}
