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
    if !info.is_reliable() && sample.split_whitespace().count() < 8 {
        return None;
    }
    iso639_1(info.lang())
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
}
