//! Cleaning sentences and titles of what is not news: datelines, bylines, credits, junk.

use std::sync::LazyLock;

use regex::Regex;

/// A long list of phrases as one regex, with room for its lazy DFA so that the DFA's states
/// are built once rather than thrown away and rebuilt as sentences come.
fn phrases(pattern: &str) -> Regex {
    regex::RegexBuilder::new(pattern)
        .dfa_size_limit(16 << 20)
        .build()
        .expect("static regex")
}

static DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    // An all-capitals place, its state or country, an optional date and agency, then a dash:
    // "BEIJING (Reuters) - ", "KINGSTON, Jamaica (AP) — ".
    Regex::new(r"^[A-Z][A-Z .'-]{1,30}(?:,\s*[A-Z][a-z]+\.?(?:\s+[A-Z][a-z]+\.?)?)?(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:\([^)]{1,40}\))?\s*[-–—]\s+")
        .expect("static regex")
});
static ZH_DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[（(][^）)]{1,20}[）)]|[\p{Han}]{2,10}(?:网|社|报|日报|新闻)?(?:\d{1,2}月\d{1,2}日)?(?:电|讯|消息))\s*[，,：:]?\s*")
        .expect("static regex")
});
static JUNK: LazyLock<Regex> = LazyLock::new(|| {
    phrases(concat!(
        r"(?i)^(?:by\s+[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}\s*$|photo:|image:|photograph:|picture:|credit:|",
        r"advertisement|read more|click here|subscribe|sign up|follow us|share this|related:|",
        r"this article (?:was|originally)|all rights reserved|copyright|©|",
        r"the wayback machine|an archived version|archived from|pic\.twitter\.com|",
        r"\(?(?:photo|image) (?:by|credit)|getty images|ap photo|reuters/|",
        r"责任编辑|编辑[:：]|来源[:：]|图片来源|原标题|点击|关注我们|版权所有|未经授权)"
    ))
});
/// Words of page furniture that no news sentence uses, wherever they stand in it: media
/// player and caption widgets, share bars, reprint and sign-up boxes, photo captions and
/// credits.
static FURNITURE: LazyLock<Regex> = LazyLock::new(|| {
    phrases(concat!(
        r"(?i)(?-u:\b)image (?:copyright|caption)(?-u:\b)|(?-u:\b)media caption(?-u:\b)|toggle caption(?-u:\b)|",
        r"(?-u:\b)hide caption(?-u:\b)|media playback is unsupported|(?-u:\b)autoplay(?-u:\b)|copy this code to your|",
        r"enable javascript|javascript is (?:disabled|required)|continue reading the main story|",
        r"rating is available when|(?-u:\b)replay more videos(?-u:\b)|(?-u:\b)more news videos(?-u:\b)|(?-u:\b)just watched(?-u:\b)|",
        r"(?-u:\b)share tweet(?-u:\b)|(?-u:\b)share this article(?-u:\b)|(?-u:\b)shares? on (?:facebook|twitter)(?-u:\b)|",
        r"(?-u:\b)buy photo(?-u:\b)|\(photo:|\[photo|(?-u:\b)photos?: [A-Z]|getty images|",
        r"(?-u:\b)reprints?(?-u:\b).{0,40}(?-u:\b)cop(?:y|ies)(?-u:\b)|presentation-ready copies|",
        r"(?-u:\b)your inbox(?-u:\b)|breaking news (?:emails|alerts)|thank you for subscribing|",
        r"(?-u:\b)email this to a friend(?-u:\b)|\(opens in new window\)|",
        r"crawl data|(?-u:\b)these crawls(?-u:\b)|the wayback machine|archive-it|",
        r"as an interest to stay up to date|^listen to article(?-u:\b)|^enlarge (?:this )?image(?-u:\b)|",
        r"unsubscribe at any time|does not support the (?:audio|video) element|^donate now(?-u:\b)|",
        r"^related stories(?-u:\b)|^\(published(?-u:\b)|^caption(?-u:\b)|^editor'?s note:|",
        r"\.\.\. \((?:associated press|ap|reuters|afp)\)$|^\([^()]{3,60}/[^()]{3,60}\)$|",
        r"^(?:in )?th(?:is|ese)(?-u:\b).{0,60}?(?-u:\b)file (?:photo|image|picture)s?(?-u:\b)"
    ))
});
static EMBED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:—|-)\s*[^()]{1,60}\(@\w+\)\s+\w+\s+\d{1,2},\s+\d{4}|https?://\S+|\bpic\.twitter\.com/\S+")
        .expect("static regex")
});

/// A cleaned sentence, or `None` when the sentence is junk through and through.
pub fn sentence(raw: &str) -> Option<String> {
    let s = raw.trim();
    if JUNK.is_match(s) || EMBED.is_match(s) || FURNITURE.is_match(s) {
        return None;
    }
    let s = DATELINE.replace(s, "");
    let s = ZH_DATELINE.replace(&s, "");
    let s = s.trim();
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    if letters * 2 < s.chars().count() {
        return None; // mostly digits and symbols: a table row or a timestamp
    }
    (!s.is_empty()).then(|| s.to_string())
}

/// A title without its site suffix (" - SCMP", "| 36氪", "_新浪科技").
pub fn title(raw: &str) -> String {
    let t = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    for sep in [" | ", " - ", " — ", " – ", "｜", "|", "_"] {
        if let Some(pos) = t.rfind(sep) {
            let (head, tail) = (&t[..pos], &t[pos + sep.len()..]);
            let tail_words = tail.split_whitespace().count();
            if tail_words <= 4
                && tail.chars().count() <= 24
                && head.chars().count() >= 2 * tail.chars().count().min(8)
            {
                return head.trim().to_string();
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datelines_bylines_and_junk() {
        assert_eq!(
            sentence("BEIJING (Reuters) - JD.com opened a mall.").as_deref(),
            Some("JD.com opened a mall.")
        );
        assert_eq!(
            sentence("HONG KONG, Nov 17 - Shares rose.").as_deref(),
            Some("Shares rose.")
        );
        assert_eq!(
            sentence("KINGSTON, Jamaica (AP) — Marijuana has long been sold openly.").as_deref(),
            Some("Marijuana has long been sold openly.")
        );
        assert_eq!(sentence("By Jane Smith"), None);
        assert_eq!(sentence("Photo: Example Images"), None);
        assert_eq!(sentence("Read more: how malls work"), None);
        assert_eq!(sentence("— Li Hua (@lihua) November 17, 2025"), None);
        assert_eq!(
            sentence("新华社北京11月17日电，京东MALL今日开业。").as_deref(),
            Some("京东MALL今日开业。")
        );
        assert_eq!(sentence("责任编辑：王五"), None);
        assert_eq!(
            sentence("Sales rose 5% in October.").as_deref(),
            Some("Sales rose 5% in October.")
        );
    }

    #[test]
    fn media_widgets_captions_and_share_bars() {
        for junk in [
            "Image copyright Getty Images Image caption The minister arrives in Brussels",
            "Media playback is unsupported on your device",
            "In this Oct. 28, 2008 file photo, an agent stands near the stage.",
            "Embed Urgent repairs needed 1:04 autoplay autoplay Copy this code to your website or blog",
            "LISTEN TO ARTICLE 4:34 SHARE THIS ARTICLE Share Tweet Post Email",
            "Enlarge this image toggle caption Jay Reed/NPR",
            "Get daily updates directly to your inbox + Subscribe Thank you for subscribing!",
            "Starting in 1996, Alexa Internet has been donating their crawl data to the Internet Archive.",
            "i itoggle caption Jim Weber/The Commercial Appeal",
            "You can unsubscribe at any time.",
            "Your browser does not support the audio element.",
            "(Published Tuesday, Oct. 25, 2016)",
            "Co-anchors Harry... (Associated Press)",
            "(Ricky Carioti/The Washington Post)",
        ] {
            assert_eq!(sentence(junk), None, "{junk}");
        }
        // News that talks about photos, shares and archives stays.
        for news in [
            "The photo shows the minister arriving in Brussels on Monday.",
            "Shares of the company fell 4% after the announcement.",
            "The national archive will open the files next year.",
        ] {
            assert_eq!(sentence(news).as_deref(), Some(news));
        }
    }

    #[test]
    fn site_suffixes() {
        assert_eq!(
            title("Temu faces Dutch probe - SCMP"),
            "Temu faces Dutch probe"
        );
        assert_eq!(
            title("京东MALL北京首店试营业 | 36氪"),
            "京东MALL北京首店试营业"
        );
        assert_eq!(
            title("阿里云墨西哥数据中心启用_新浪科技"),
            "阿里云墨西哥数据中心启用"
        );
        assert_eq!(title("Up - Down"), "Up - Down");
    }
}
