//! Extraction on real-world oddities: every encoding, declared three ways; Chinese articles;
//! and pages built to exhaust time or memory, which must give a result in bounded time.

mod common;

use std::time::{Duration, Instant};

use common::fixture;
use roundup::extract::{extract_bytes, extract_html};

/// (encoding, text in a script that encoding covers)
const SAMPLES: &[(&str, &str)] = &[
    (
        "utf-8",
        "京东MALL北京首店试营业，面积约5万平方米。JD.com opened its first JD Mall.",
    ),
    (
        "gbk",
        "京东MALL北京首店在通州区开始试营业，门店面积约5万平方米，涵盖家电和生鲜。",
    ),
    (
        "gb18030",
        "京东MALL北京首店试营业，门店商品超过十万件，“𠀀”字也能正确显示。",
    ),
    (
        "big5",
        "京東MALL北京首店試營業，門店面積約五萬平方米，涵蓋家電、家居和生鮮。",
    ),
    (
        "shift_jis",
        "東京の新しい店舗が開業し、多くの買い物客が朝から列を作りました。",
    ),
    (
        "windows-1252",
        "Café owners in Zürich said the “price war” hurt margins — again.",
    ),
];

fn page(text: &str, meta: &str) -> String {
    let para = format!("<p>{text}</p>");
    format!(
        "<html><head>{meta}<title>T</title></head><body><article>{}</article></body></html>",
        para.repeat(6)
    )
}

#[test]
fn every_encoding_declared_in_header_meta_or_not_at_all() {
    for &(label, text) in SAMPLES {
        let enc = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap();
        for mode in ["header", "meta", "none"] {
            let meta = if mode == "meta" {
                format!("<meta charset=\"{label}\">")
            } else {
                String::new()
            };
            let html = page(text, &meta);
            let (bytes, _, unmappable) = enc.encode(&html);
            assert!(!unmappable, "{label} cannot encode the sample");
            let header = (mode == "header").then(|| format!("text/html; charset={label}"));
            let x = extract_bytes(&bytes, header.as_deref(), None);
            assert!(
                x.text.contains(text),
                "{label} declared in {mode}: {:?}",
                &x.text.chars().take(80).collect::<String>()
            );
        }
    }
}

#[test]
fn chinese_articles_keep_the_story_and_drop_the_chrome() {
    let x = extract_bytes(&fixture("zh-article-instant-retail.html"), None, None);
    assert_eq!(
        x.title.as_deref(),
        Some("即时零售进入“半小时”竞争：平台补贴能否持续？")
    );
    assert_eq!(x.lang.as_deref(), Some("zh"));
    assert_eq!(x.author.as_deref(), Some("陈晓"));
    assert_eq!(
        x.published.unwrap().to_rfc3339(),
        "2025-11-21T01:30:00+00:00"
    );
    for kept in [
        "最快三十分钟即可送达",
        "门店密度与配送效率",
        "留住用户靠的是稳定的履约体验",
        "规模较小的平台可能面临更大的压力",
    ] {
        assert!(x.text.contains(kept), "missing {kept}: {}", x.text);
    }
    for dropped in [
        "下载客户端",
        "分享到",
        "图片来源",
        "相关阅读",
        "未经授权禁止转载",
    ] {
        assert!(!x.text.contains(dropped), "kept {dropped}: {}", x.text);
    }

    let x = extract_bytes(&fixture("zh-article-luxury.html"), None, None);
    assert_eq!(
        x.title.as_deref(),
        Some("奢侈品牌下调中国定价，消费者反应不一")
    );
    assert_eq!(x.author.as_deref(), Some("林雨"));
    assert_eq!(x.lang.as_deref(), Some("zh"));
    assert_eq!(
        x.text.matches("\n\n").count(),
        2,
        "three paragraphs: {}",
        x.text
    );
    assert!(x.text.starts_with("一家法国奢侈品牌近日宣布"), "{}", x.text);
    assert!(
        !x.text.contains("热门文章") && !x.text.contains("版权所有"),
        "{}",
        x.text
    );
}

/// Runs `f` with a safety limit; the limit guards the suite, it is not a speed claim.
fn bounded<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .stack_size(8 * 1024 * 1024)
        .spawn(move || tx.send(f()))
        .unwrap();
    rx.recv_timeout(limit)
        .expect("extraction did not finish in bounded time")
}

#[test]
fn pathological_pages_give_bounded_results() {
    let start = Instant::now();
    // 10,000-deep nesting.
    let deep = format!(
        "<html><body>{}<p>deep text</p>{}</body></html>",
        "<div>".repeat(10_000),
        "</div>".repeat(10_000)
    );
    let x = bounded(Duration::from_secs(60), move || extract_html(&deep, None));
    assert_eq!(x.text, "deep text");

    // Binary junk.
    let mut junk = Vec::with_capacity(2_000_000);
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..2_000_000 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        junk.push(s as u8);
    }
    let x = bounded(Duration::from_secs(60), move || {
        extract_bytes(&junk, None, None)
    });
    assert!(x.title.is_none());

    // A 50 MB page: cut to the first 8 MiB, which still holds the article's start.
    let big = format!(
        "<html><body><article><p>The start of a very long article.</p>{}</article></body></html>",
        format!("<p>{}</p>", "word ".repeat(200)).repeat(50_000)
    );
    assert!(big.len() > 50_000_000);
    let x = bounded(Duration::from_secs(120), move || {
        extract_bytes(big.as_bytes(), None, None)
    });
    assert!(x.text.starts_with("The start of a very long article."));
    assert!(x.text.len() <= roundup::extract::MAX_HTML_BYTES);
    eprintln!("pathological pages took {:?} in all", start.elapsed());
}
