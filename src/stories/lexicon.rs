//! A small built-in bilingual lexicon: places, and the words of business news that translate
//! one for one.
//!
//! Places tell one event from another ("a store in Beijing" vs "a data centre in Mexico") and
//! are among the few words a Chinese and an English report share once translated. Only names
//! that cannot be mistaken for common words are listed ("US" is left out: it is also "us").
//!
//! Terms do the same for what happened: "raise prices", "price hike", "涨价" and "上调价格" are
//! one term, so that two headlines of one event meet even when they word it differently, in
//! one language or two. Only words with one clear sense in news about companies are listed;
//! English inflections are spelled out, as aliases match whole words.

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

/// (Term, its other wordings in any script).
const TERMS: &[(&str, &[&str])] = &[
    (
        "price rise",
        &[
            "price rises",
            "price increase",
            "price increases",
            "price hike",
            "price hikes",
            "raise prices",
            "raises prices",
            "raised prices",
            "raising prices",
            "hike prices",
            "hikes prices",
            "hiked prices",
            "涨价",
            "提价",
            "上调价格",
            "价格上调",
            "调涨",
        ],
    ),
    (
        "price cut",
        &[
            "price cuts",
            "cut prices",
            "cuts prices",
            "slash prices",
            "slashes prices",
            "slashed prices",
            "降价",
            "下调价格",
            "价格下调",
            "直降",
        ],
    ),
    ("price war", &["price wars", "价格战"]),
    (
        "subsidy",
        &[
            "subsidies",
            "subsidise",
            "subsidises",
            "subsidising",
            "subsidize",
            "subsidizes",
            "subsidizing",
            "补贴",
        ],
    ),
    ("luxury", &["奢侈品", "奢侈品牌"]),
    ("tariff", &["tariffs", "关税"]),
    (
        "de minimis",
        &[
            "小额豁免",
            "小额包裹",
            "小额免税",
            "low-value parcels",
            "low-value packages",
        ],
    ),
    (
        "fine",
        &[
            "fined",
            "fines",
            "penalty",
            "penalties",
            "罚款",
            "罚金",
            "处罚",
            "重罚",
        ],
    ),
    ("appeal", &["appeals", "appealed", "上诉"]),
    ("ban", &["bans", "banned", "banning", "禁令", "封禁"]),
    (
        "probe",
        &[
            "probes",
            "investigation",
            "investigates",
            "investigating",
            "立案调查",
            "展开调查",
            "启动调查",
        ],
    ),
    ("summons", &["summoned", "约谈"]),
    ("lawsuit", &["lawsuits", "sues", "sued", "起诉", "诉讼"]),
    (
        "antitrust",
        &["anti-monopoly", "monopoly", "反垄断", "垄断"],
    ),
    ("sanctions", &["sanction", "sanctioned", "制裁"]),
    ("export controls", &["export control", "出口管制"]),
    (
        "ipo",
        &[
            "initial public offering",
            "prospectus",
            "首次公开募股",
            "招股书",
            "递表",
        ],
    ),
    (
        "acquisition",
        &[
            "acquisitions",
            "acquire",
            "acquires",
            "acquired",
            "takeover",
            "收购",
            "并购",
        ],
    ),
    (
        "partnership",
        &[
            "partnerships",
            "partners with",
            "teams up",
            "team up",
            "tie-up",
            "联手",
            "携手",
            "牵手",
            "战略合作",
        ],
    ),
    (
        "stake",
        &["stakes", "controlling stake", "股权", "控股权", "持股"],
    ),
    (
        "sales decline",
        &[
            "sales slump",
            "sales fall",
            "sales drop",
            "销售下滑",
            "销量下滑",
            "销售额下降",
        ],
    ),
    ("layoffs", &["layoff", "lays off", "job cuts", "裁员"]),
    (
        "rename",
        &[
            "renamed",
            "renames",
            "rebrand",
            "rebrands",
            "rebranded",
            "更名",
            "改名",
        ],
    ),
    (
        "quarterly results",
        &["earnings", "财报", "业绩", "季报", "quarterly revenue"],
    ),
    ("revenue", &["revenues", "营收", "营业收入"]),
    ("net profit", &["net income", "净利润", "净利"]),
    (
        "q1",
        &["first quarter", "first-quarter", "一季度", "第一季度"],
    ),
    (
        "q2",
        &["second quarter", "second-quarter", "二季度", "第二季度"],
    ),
    (
        "q3",
        &["third quarter", "third-quarter", "三季度", "第三季度"],
    ),
    (
        "q4",
        &["fourth quarter", "fourth-quarter", "四季度", "第四季度"],
    ),
    ("gmv", &["gross merchandise volume", "成交额", "交易额"]),
    (
        "record high",
        &["all-time high", "创新高", "历史新高", "创纪录"],
    ),
    (
        "first store",
        &[
            "first physical store",
            "first permanent store",
            "first offline store",
            "首店",
            "首家门店",
            "首家线下门店",
            "首家实体店",
        ],
    ),
    ("flagship store", &["flagship stores", "旗舰店"]),
    ("app store", &["app stores", "应用商店"]),
    (
        "store closures",
        &[
            "store closure",
            "closes stores",
            "closing stores",
            "shuts stores",
            "shut stores",
            "闭店",
            "关店",
            "关闭门店",
        ],
    ),
    ("stores", &["store", "门店"]),
    ("food delivery", &["takeaway", "takeout", "外卖"]),
    (
        "instant retail",
        &["instant commerce", "quick commerce", "即时零售"],
    ),
    (
        "delivery riders",
        &[
            "delivery rider",
            "riders",
            "couriers",
            "courier",
            "骑手",
            "外卖员",
            "快递员",
        ],
    ),
    ("cross-border", &["跨境"]),
    (
        "e-commerce",
        &["ecommerce", "online retail", "电商", "电子商务"],
    ),
    (
        "livestreaming",
        &[
            "livestream",
            "livestreams",
            "live-streaming",
            "live streaming",
            "直播带货",
            "直播",
        ],
    ),
    ("influencers", &["influencer", "网红", "达人", "博主"]),
    ("short video", &["short videos", "短视频"]),
    (
        "short drama",
        &["short dramas", "micro drama", "micro dramas", "短剧"],
    ),
    ("mini program", &["mini programs", "mini-program", "小程序"]),
    ("refund", &["refunds", "退款"]),
    ("counterfeit", &["counterfeits", "fake goods", "假货"]),
    ("second-hand", &["secondhand", "second hand", "二手"]),
    ("membership", &["会员"]),
    ("coffee", &["咖啡"]),
    ("tea drinks", &["milk tea", "bubble tea", "奶茶", "茶饮"]),
    (
        "ai model",
        &[
            "ai models",
            "large language model",
            "large language models",
            "llm",
            "llms",
            "fine-tune",
            "fine-tuning",
            "大模型",
            "大语言模型",
        ],
    ),
    (
        "chips",
        &["chip", "semiconductor", "semiconductors", "芯片", "半导体"],
    ),
    ("smartphone", &["smartphones", "手机"]),
    (
        "electric vehicles",
        &[
            "electric vehicle",
            "ev",
            "evs",
            "电动车",
            "电动汽车",
            "新能源汽车",
        ],
    ),
    ("humanoid robots", &["humanoid robot", "人形机器人"]),
    ("data security", &["data protection", "数据安全"]),
    ("data breach", &["data breaches", "data leak", "数据泄露"]),
    ("raid", &["raids", "raided", "突击检查", "搜查"]),
    (
        "overseas expansion",
        &[
            "expands abroad",
            "expanding abroad",
            "goes global",
            "going global",
            "出海",
        ],
    ),
    (
        "soft opening",
        &[
            "soft-opens",
            "soft-opened",
            "soft opens",
            "soft-opening",
            "试营业",
        ],
    ),
    (
        "standalone app",
        &["standalone apps", "独立app", "独立应用"],
    ),
    (
        "monthly active users",
        &["mau", "maus", "月活跃用户", "月活用户"],
    ),
    (
        "daily active users",
        &["dau", "daus", "日活跃用户", "日活用户"],
    ),
    (
        "orders",
        &["daily orders", "order volume", "订单量", "日订单", "单量"],
    ),
    (
        "privacy",
        &["personal information", "personal data", "隐私", "个人信息"],
    ),
];

/// How many of the lexicon's entries are places: entries `0..PLACE_COUNT` are places, the
/// rest are terms.
pub const PLACE_COUNT: usize = PLACES.len();

/// The lexicon (places, then terms) as a matcher.
pub fn matcher() -> &'static Matcher {
    static M: LazyLock<Matcher> = LazyLock::new(|| {
        Matcher::new(
            PLACES
                .iter()
                .chain(TERMS)
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

    #[test]
    fn one_term_in_many_wordings() {
        let m = matcher();
        let rise = m.find("Luxury brands raise prices in China");
        assert_eq!(rise, m.find("奢侈品牌在中国涨价"));
        assert_eq!(rise, m.find("多个奢侈品牌在中国上调价格"));
        assert_ne!(m.find("Luxury brands cut prices in China"), rise);
        // A short Chinese wording is not listed where it sits inside common phrases: "日活"
        // (daily active users) is in "会员日活动" (a members' day), "新高" in "新高地".
        let names =
            |text: &str| -> Vec<&str> { m.find(text).into_iter().map(|i| m.name(i)).collect() };
        assert_eq!(names("唯品会推出会员日活动"), ["membership"]);
        assert!(names("打造创新新高地").is_empty());
    }

    #[test]
    fn entries_are_not_repeated() {
        let m = matcher();
        // One wording names one entry (an entry may list a form twice, as Traditional and
        // Simplified Chinese fold to one).
        let mut owner = std::collections::HashMap::new();
        for (k, (name, aliases)) in PLACES.iter().chain(TERMS).enumerate() {
            for a in std::iter::once(name).chain(aliases.iter()) {
                let n = crate::text::tokens::normalize(a);
                let first = *owner.entry(n.clone()).or_insert(k);
                assert_eq!(first, k, "{n} names two entries");
            }
        }
        assert!(m.len() > PLACE_COUNT);
    }
}
