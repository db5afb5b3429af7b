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

use crate::text::tokens::letters_and_digits;

/// The rule groups, by name.
pub const GROUPS: &[&str] = &[
    "labels",
    "counters",
    "leadins",
    "datelines",
    "legal",
    "title",
];

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
/// `ROUNDUP_LINE_RULES`, which exists for the cross-validation script only. Read once per
/// process, not once per page.
fn enabled() -> &'static [String] {
    static ENABLED: LazyLock<Vec<String>> =
        LazyLock::new(|| match std::env::var("ROUNDUP_LINE_RULES") {
            Ok(list) => list.split(',').map(|w| w.trim().to_string()).collect(),
            Err(_) => GROUPS.iter().map(|g| g.to_string()).collect(),
        });
    &ENABLED
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

/// A date written out: "Nov 18, 2019", "18 November 2019", "2019-11-18", "05/10/2018",
/// "2019年11月18日".
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}\b|\b\d{1,2}\.? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]* \d{4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b|\d{4}年\d{1,2}月\d{1,2}日",
    )
});

/// Whether a paragraph repeats the page's title (which the title field already carries),
/// allowing for a site name appended to the title.
fn is_title(para: &str, title: &str) -> bool {
    // Compared by letters and digits only, whatever the punctuation and case.
    let (p, t) = (letters_and_digits(para), letters_and_digits(title));
    !p.is_empty() && (p == t || (t.starts_with(&p) && p.len() * 2 >= t.len()))
}

/// Whether a paragraph is a short line of date and filing details under a headline
/// ("September 10, 2018 |", "05/10/2018 - Published by: …"): a date and no sentence.
fn is_date_line(para: &str) -> bool {
    let p = para.trim();
    p.chars().count() <= 100
        && DATE.is_match(p)
        && !p.ends_with(['.', '!', '?', '。', '！', '？', '"', '”'])
}

/// Drops furniture paragraphs from text whose paragraphs are separated by blank lines, and
/// a leading repeat of the page's `title` with the date line under it.
pub fn clean(text: &str, title: Option<&str>) -> String {
    let groups = enabled();
    let mut paras: Vec<&str> = text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty() && !is_furniture(p, groups))
        .collect();
    let title = title.filter(|_| groups.iter().any(|g| g == "title"));
    if let Some(title) = title
        && paras.len() > 1
        && is_title(paras[0], title)
    {
        paras.remove(0);
        if paras.len() > 1 && is_date_line(paras[0]) {
            paras.remove(0);
        }
    }
    paras.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn drops_a_leading_title_and_the_date_line_under_it() {
        let text = "September 2018 open thread\n\nSeptember 10, 2018 |\n\nOur open threads let readers ask questions.\n\nSeptember 10, 2018 was a Monday";
        assert_eq!(
            clean(text, Some("September 2018 open thread | The Blog")),
            "Our open threads let readers ask questions.\n\nSeptember 10, 2018 was a Monday"
        );
        // Chinese titles and dates too.
        let zh = "京东MALL北京首店试营业\n\n2025年11月21日 来源：新华网\n\n京东MALL北京首店今日开始试营业。";
        assert_eq!(
            clean(zh, Some("京东MALL北京首店试营业")),
            "京东MALL北京首店今日开始试营业。"
        );
        // A first paragraph that is not the title, or a sentence after it, stays.
        let lede = "JD Mall opens\n\nOn 21 November 2025, JD.com opened its first mall in Beijing.";
        assert_eq!(
            clean(lede, Some("JD Mall opens")),
            "On 21 November 2025, JD.com opened its first mall in Beijing."
        );
        assert_eq!(clean(lede, Some("Other story")), lede);
        // A page whose only text is its title keeps it.
        assert_eq!(
            clean("JD Mall opens", Some("JD Mall opens")),
            "JD Mall opens"
        );
    }

    #[test]
    fn drops_furniture_paragraphs_only() {
        let text = "Advert\n\nImage 2 of 5\n\nSEE MORE: Other story\n\nUpdated at 1:23 p.m.\n\nBy Jane Doe - 11/18/19 11:04 PM EST\n\n\
                    The minister said the plan, updated last week, would go ahead.\n\n\
                    Published reports suggest the talks will resume.\n\n© 2019 Example Corp. All rights reserved.";
        assert_eq!(
            clean(text, None),
            "The minister said the plan, updated last week, would go ahead.\n\nPublished reports suggest the talks will resume."
        );
    }
}
