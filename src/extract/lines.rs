//! Paragraph-level cleaning of extracted text.
//!
//! What survives the DOM passes is sometimes a paragraph that is page furniture by its words:
//! a lone label ("Advertisement"), a gallery counter ("Image 1 of 5"), a lead-in to other
//! stories ("SEE MORE: …", "You may also like…"), a dateline or byline ("Updated at 1:23
//! p.m.", "By Jane Doe - 11/18/19 11:04 PM"), or a legal footer. Such paragraphs are dropped
//! whole; nothing is rewritten. Rules come in named groups so that the host cross-validation
//! (`bench/extraction_cv.py`) can check each one.

use std::sync::LazyLock;

use regex::Regex;

/// The rule groups, by name.
pub const GROUPS: &[&str] = &["labels", "counters", "leadins", "datelines", "legal"];

fn re(p: &str) -> Regex {
    Regex::new(p).expect("static regex")
}

static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:advert|advertisement|ad|ads|sponsored|comments?|close|caption|share|share this( article)?|image|photo|video|related|more|read more|see more|continue reading|loading|subscribe|sign up|follow us|print|email)$",
    )
});
static COUNTER: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(?:image|photo|slide|picture|foto)\s+\d+\s*(?:of|/|de|von)\s*\d+$"));
static LEADIN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:related:|see more:|read more\b|also read\b|you may also like|more from\b|recommended for you|sign up\b|subscribe\b|click here\b|get .{1,60} delivered\b|follow us\b|download (?:the|our) app|tell us what you think)",
    )
});
static DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:\|\s*)?(?:published|updated|posted|last updated|modified|publicado|atualizado)\b.*\d|^by\s+[\p{Lu}][^.!?]{0,60}\d{1,2}[:/.]\d{2}",
    )
});
static LEGAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)©|\ball rights reserved\b|\bcopyright\b|版权所有|未经授权"));

/// The rule groups in force: all of [`GROUPS`], or the comma-separated names in
/// `ROUNDUP_LINE_RULES`, which exists for the cross-validation script only.
fn enabled() -> Vec<String> {
    match std::env::var("ROUNDUP_LINE_RULES") {
        Ok(list) => list.split(',').map(|w| w.trim().to_string()).collect(),
        Err(_) => GROUPS.iter().map(|g| g.to_string()).collect(),
    }
}

/// Whether a paragraph is furniture under the enabled rule groups.
fn is_furniture(para: &str, groups: &[String]) -> bool {
    let p = para.trim();
    let bare = p.trim_matches(|c: char| !c.is_alphanumeric());
    let on = |g: &str| groups.iter().any(|x| x == g);
    let short = p.chars().count() <= 120;
    (on("labels") && LABEL.is_match(bare))
        || (on("counters") && COUNTER.is_match(bare))
        || (on("leadins") && short && LEADIN.is_match(p))
        || (on("datelines") && short && DATELINE.is_match(p))
        || (on("legal") && p.chars().count() <= 300 && LEGAL.is_match(p))
}

/// Drops furniture paragraphs from text whose paragraphs are separated by blank lines.
pub fn clean(text: &str) -> String {
    let groups = enabled();
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty() && !is_furniture(p, &groups))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn drops_furniture_paragraphs_only() {
        let text = "Advert\n\nImage 2 of 5\n\nSEE MORE: Other story\n\nUpdated at 1:23 p.m.\n\nBy Jane Doe - 11/18/19 11:04 PM EST\n\n\
                    The minister said the plan, updated last week, would go ahead.\n\n\
                    Published reports suggest the talks will resume.\n\n© 2019 Example Corp. All rights reserved.";
        assert_eq!(
            clean(text),
            "The minister said the plan, updated last week, would go ahead.\n\nPublished reports suggest the talks will resume."
        );
    }
}
