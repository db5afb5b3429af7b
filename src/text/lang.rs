//! Language detection, answering with ISO 639-1 codes.

use super::tokens::is_cjk;

/// Detects the language of `text`: "zh" or "ja" for CJK text, else whatlang's guess.
///
/// Returns `None` when the text is too short or unclear to tell.
pub fn detect(text: &str) -> Option<&'static str> {
    let sample: String = text.chars().take(2000).collect();
    let (mut cjk, mut kana, mut letters) = (0usize, 0usize, 0usize);
    for c in sample.chars() {
        if matches!(c, '\u{3040}'..='\u{30ff}') {
            kana += 1;
        } else if is_cjk(c) {
            cjk += 1;
        } else if c.is_alphabetic() {
            letters += 1;
        }
    }
    if kana > 0 && kana * 10 >= cjk {
        return Some("ja");
    }
    // A CJK character carries about as much as a short word: weigh it against letters.
    if cjk > 0 && cjk * 4 >= letters {
        return Some("zh");
    }
    let info = whatlang::detect(&sample)?;
    // On a headline whatlang's guess is often wrong ("Luxury brands raise prices in China
    // again" reads as Romanian): no answer is better than a wrong one, and the source's
    // language or the script can stand in.
    if !info.is_reliable() {
        return None;
    }
    iso639_1(info.lang())
}

/// Whether a report labelled `label` (its language, when known) with this title is in the
/// language `lang`. Without a label, the script decides: CJK for Chinese, Japanese and
/// Korean, any other for the rest.
pub fn writes_in(label: Option<&str>, title: &str, lang: &str) -> bool {
    match label {
        Some(l) => l == lang,
        None => {
            let (mut cjk, mut letters) = (0usize, 0usize);
            for c in title.chars() {
                if is_cjk(c) || matches!(c, '\u{3040}'..='\u{30ff}' | '\u{ac00}'..='\u{d7af}') {
                    cjk += 1;
                } else if c.is_alphabetic() {
                    letters += 1;
                }
            }
            let cjk_title = cjk > 0 && cjk * 4 >= letters;
            cjk_title == matches!(lang, "zh" | "ja" | "ko")
        }
    }
}

/// Maps whatlang's languages to ISO 639-1 codes.
fn iso639_1(lang: whatlang::Lang) -> Option<&'static str> {
    use whatlang::Lang::*;
    Some(match lang {
        Eng => "en",
        Cmn => "zh",
        Jpn => "ja",
        Kor => "ko",
        Fra => "fr",
        Deu => "de",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Nld => "nl",
        Rus => "ru",
        Ukr => "uk",
        Pol => "pl",
        Tur => "tr",
        Ara => "ar",
        Hin => "hi",
        Vie => "vi",
        Ind => "id",
        Tha => "th",
        Swe => "sv",
        Dan => "da",
        Nob => "no",
        Fin => "fi",
        Ces => "cs",
        Ell => "el",
        Heb => "he",
        Hun => "hu",
        Ron => "ro",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn detects_common_languages() {
        assert_eq!(
            detect("京东在北京开设首家京东MALL，面积超过五万平方米。"),
            Some("zh")
        );
        assert_eq!(
            detect(
                "JD.com opened its first JD Mall in Beijing on Friday, a store of more than fifty thousand square metres."
            ),
            Some("en")
        );
        assert_eq!(
            detect("ソフトバンクは新しいサービスを発表しました。"),
            Some("ja")
        );
        assert_eq!(detect(""), None);
    }

    #[test]
    fn a_headline_too_short_to_tell_has_no_language() {
        // whatlang reads these as Romanian and French, unreliably.
        assert_eq!(detect("Luxury brands raise prices in China again"), None);
        assert_eq!(
            detect("Taobao Instant Commerce gets 50 billion yuan subsidy push"),
            None
        );
        // The script tells what the label cannot.
        assert!(super::writes_in(
            None,
            "Luxury brands raise prices in China again",
            "en"
        ));
        assert!(!super::writes_in(None, "奢侈品牌在华涨价", "en"));
        assert!(super::writes_in(None, "奢侈品牌在华涨价", "zh"));
        assert!(!super::writes_in(
            Some("fr"),
            "Le luxe augmente ses prix",
            "en"
        ));
    }
}
