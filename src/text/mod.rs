//! Language tools shared by the story and summary stages: pure, deterministic functions.
//!
//! Text arrives in any script. [`tokens::normalize`] folds full-width forms and case (NFKC),
//! [`tokens::words`] turns text into comparable words (jieba for Chinese runs, letters and
//! digits for the rest), [`sentences::split`] cuts text into sentences for every script, and
//! [`lang::detect`] names the language with an ISO 639-1 code.

pub mod dates;
pub mod html;
pub mod lang;
pub mod sentences;
pub mod tokens;

/// Counts words the way word budgets do: a CJK character is half a word.
pub fn word_count(text: &str) -> f64 {
    let mut count = 0.0;
    let mut in_word = false;
    for c in text.chars() {
        if tokens::is_cjk(c) {
            count += 0.5;
            in_word = false;
        } else if c.is_alphanumeric() {
            if !in_word {
                count += 1.0;
                in_word = true;
            }
        } else if c.is_whitespace() {
            in_word = false;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    #[test]
    fn cjk_counts_half() {
        assert_eq!(super::word_count("JD.com opens a mall"), 4.0);
        assert_eq!(super::word_count("京东开业"), 2.0);
    }
}
