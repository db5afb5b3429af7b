//! Language detection, answering with ISO 639-1 codes.

use super::tokens::is_cjk;

/// Detects the language of `text`: "zh" or "ja" for CJK text, else whatlang's guess.
///
/// Returns `None` when the text is too short or unclear to tell.
pub fn detect(text: &str) -> Option<&'static str> {
    let sample: String = text.chars().take(2000).collect();
    let script = Script::of(&sample);
    if script.kana > 0 && script.kana * 10 >= script.han {
        return Some("ja");
    }
    if mostly_cjk(script.han, script.hangul + script.letters) {
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
            let script = Script::of(title);
            let cjk_title = mostly_cjk(script.han + script.kana + script.hangul, script.letters);
            cjk_title == matches!(lang, "zh" | "ja" | "ko")
        }
    }
}

/// How many characters of a text are in each script that language detection weighs.
struct Script {
    /// Han ideographs.
    han: usize,
    /// Japanese kana.
    kana: usize,
    /// Korean hangul syllables.
    hangul: usize,
    /// Other letters (Latin, Cyrillic...).
    letters: usize,
}

impl Script {
    fn of(text: &str) -> Script {
        let mut s = Script {
            han: 0,
            kana: 0,
            hangul: 0,
            letters: 0,
        };
        for c in text.chars() {
            if matches!(c, '\u{3040}'..='\u{30ff}') {
                s.kana += 1;
            } else if is_cjk(c) {
                s.han += 1;
            } else if matches!(c, '\u{ac00}'..='\u{d7af}') {
                s.hangul += 1;
            } else if c.is_alphabetic() {
                s.letters += 1;
            }
        }
        s
    }
}

/// Whether `cjk` characters outweigh `letters`: a CJK character carries about as much as a
/// short word.
fn mostly_cjk(cjk: usize, letters: usize) -> bool {
    cjk > 0 && cjk * 4 >= letters
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
