//! Sentence splitting for every script.
//!
//! Chinese and Japanese end sentences with 。！？； (optionally followed by a closing quote or
//! bracket) and need no space after them. Latin-script sentences end with . ! ? followed by
//! space and a capital, digit or opening quote; common abbreviations ("Mr.", "U.S.", "Inc.")
//! and decimals do not end a sentence.

/// Splits text into trimmed sentences. Paragraph breaks (newlines) always end a sentence.
pub fn split(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.split('\n') {
        split_paragraph(para, &mut out);
    }
    out
}

fn split_paragraph(para: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = para.chars().collect();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut end = None;
        if matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | '.' | '…') {
            // Take closing quotes and brackets with the sentence.
            let mut j = i + 1;
            while j < chars.len() && is_closer(chars[j]) {
                j += 1;
            }
            let full_width = matches!(c, '。' | '！' | '？' | '；' | '…');
            if full_width || j >= chars.len() {
                end = Some(j);
            } else if chars[j].is_whitespace() {
                let next = chars[j..].iter().find(|c| !c.is_whitespace());
                let starts_sentence = next.is_some_and(|n| {
                    n.is_uppercase()
                        || n.is_ascii_digit()
                        || is_opener(*n)
                        || super::tokens::is_cjk(*n)
                });
                if starts_sentence && !(c == '.' && is_abbreviation(&chars[start..i])) {
                    end = Some(j);
                }
            }
        }
        if let Some(e) = end {
            push(&chars[start..e], out);
            start = e;
            i = e;
        } else {
            i += 1;
        }
    }
    push(&chars[start..], out);
}

fn push(chars: &[char], out: &mut Vec<String>) {
    let s: String = chars.iter().collect();
    let s = s.trim();
    if !s.is_empty() {
        out.push(s.to_string());
    }
}

fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | '」' | '』' | '）' | ')' | '】' | '》'
    )
}

fn is_opener(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '“' | '‘' | '(' | '「' | '『' | '（' | '【' | '《'
    )
}

/// Whether the text before a period ends with an abbreviation or an initial.
fn is_abbreviation(before: &[char]) -> bool {
    let word: String = before
        .iter()
        .rev()
        .take_while(|c| !c.is_whitespace())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let word = word.trim_start_matches(|c: char| is_opener(c));
    if word.chars().count() == 1 && word.chars().all(char::is_uppercase) {
        return true; // an initial: "J. Smith"
    }
    if word.contains('.') {
        return true; // "U.S", "e.g"
    }
    const ABBR: &[&str] = &[
        "Mr", "Mrs", "Ms", "Dr", "Prof", "Sr", "Jr", "St", "Mt", "Inc", "Ltd", "Co", "Corp", "vs",
        "No", "Gen", "Gov", "Sen", "Rep", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
        "Sept", "Oct", "Nov", "Dec", "approx", "est",
    ];
    ABBR.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn english_sentences() {
        let s = split(
            "Mr. Liu spoke in the U.S. on Monday. Sales rose 3.5% to $1.2 billion! \"It works,\" he said. Next.",
        );
        assert_eq!(
            s,
            vec![
                "Mr. Liu spoke in the U.S. on Monday.",
                "Sales rose 3.5% to $1.2 billion!",
                "\"It works,\" he said.",
                "Next."
            ]
        );
    }

    #[test]
    fn chinese_sentences() {
        let s = split("京东MALL北京首店今日试营业。面积超过五万平方米！“我们很期待，”一位顾客说。");
        assert_eq!(
            s,
            vec![
                "京东MALL北京首店今日试营业。",
                "面积超过五万平方米！",
                "“我们很期待，”一位顾客说。"
            ]
        );
    }

    #[test]
    fn paragraphs_end_sentences() {
        assert_eq!(
            split("A title\nBody text. More"),
            vec!["A title", "Body text.", "More"]
        );
    }
}
