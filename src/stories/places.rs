//! A small built-in gazetteer of places in English and Chinese.
//!
//! Places tell one event from another ("a store in Beijing" vs "a data centre in Mexico") and
//! are among the few words a Chinese and an English report share once translated. Only names
//! that cannot be mistaken for common words are listed ("US" is left out: it is also "us").

use std::sync::LazyLock;

use super::entities::Matcher;

/// (English name, other names in any script).
const PLACES: &[(&str, &[&str])] = &[
    (
        "China",
        &["中国", "中國", "mainland china", "中国内地", "内地"],
    ),
    ("Beijing", &["北京", "peking"]),
    ("Shanghai", &["上海"]),
    ("Shenzhen", &["深圳"]),
    ("Guangzhou", &["广州", "廣州"]),
    ("Hangzhou", &["杭州"]),
    ("Chengdu", &["成都"]),
    ("Wuhan", &["武汉"]),
    ("Hong Kong", &["香港"]),
    ("Macau", &["澳门", "macao"]),
    ("Taiwan", &["台湾", "臺灣"]),
    (
        "United States",
        &[
            "美国",
            "美國",
            "u.s.",
            "america",
            "american",
            "washington",
            "华盛顿",
        ],
    ),
    ("New York", &["纽约"]),
    ("Netherlands", &["荷兰", "dutch", "holland"]),
    (
        "European Union",
        &[
            "欧盟",
            "eu",
            "brussels",
            "布鲁塞尔",
            "european commission",
            "欧盟委员会",
        ],
    ),
    ("Europe", &["欧洲", "european"]),
    ("Germany", &["德国", "german"]),
    ("France", &["法国", "french", "paris", "巴黎"]),
    (
        "United Kingdom",
        &["英国", "britain", "british", "london", "伦敦"],
    ),
    ("Japan", &["日本", "japanese", "tokyo", "东京"]),
    ("South Korea", &["韩国", "korean", "seoul", "首尔"]),
    ("Singapore", &["新加坡"]),
    (
        "Indonesia",
        &["印尼", "印度尼西亚", "indonesian", "jakarta", "雅加达"],
    ),
    ("Malaysia", &["马来西亚", "malaysian"]),
    ("Thailand", &["泰国", "thai"]),
    ("Vietnam", &["越南", "vietnamese"]),
    ("Philippines", &["菲律宾", "philippine"]),
    ("India", &["印度", "indian"]),
    (
        "Saudi Arabia",
        &["沙特", "沙特阿拉伯", "saudi", "riyadh", "利雅得"],
    ),
    ("United Arab Emirates", &["阿联酋", "uae", "dubai", "迪拜"]),
    (
        "Brazil",
        &["巴西", "brazilian", "são paulo", "sao paulo", "圣保罗"],
    ),
    (
        "Mexico",
        &["墨西哥", "mexican", "querétaro", "queretaro", "克雷塔罗"],
    ),
    ("Latin America", &["拉美", "拉丁美洲"]),
    ("Canada", &["加拿大", "canadian"]),
    ("Australia", &["澳大利亚", "澳洲", "australian"]),
    ("Russia", &["俄罗斯", "russian"]),
    ("Turkey", &["土耳其", "turkish"]),
    ("Italy", &["意大利", "italian"]),
    ("Spain", &["西班牙", "spanish"]),
    ("Middle East", &["中东"]),
    ("Africa", &["非洲", "african"]),
];

/// The gazetteer as a matcher.
pub fn matcher() -> &'static Matcher {
    static M: LazyLock<Matcher> = LazyLock::new(|| {
        Matcher::new(
            PLACES
                .iter()
                .map(|(name, aliases)| {
                    (
                        name.to_string(),
                        1.0,
                        aliases.iter().map(|a| a.to_string()).collect(),
                    )
                })
                .collect(),
        )
    });
    &M
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_in_both_languages() {
        let m = matcher();
        assert_eq!(
            m.find("Keeta launches in São Paulo"),
            m.find("Keeta在巴西圣保罗上线")
        );
        assert!(m.find("tell us more").is_empty());
    }
}
