//! Publishing: a curated draft becomes an immutable edition at a stable address.

use chrono_tz::Tz;

use crate::model::Edition;

/// The archive address of an edition: the last day of its window in the beat's timezone
/// (`2025-11-23`), with `-2`, `-3`... when an edition already has that address.
pub fn slug(edition: &Edition, tz: Tz, taken: &[String]) -> String {
    let last_day = (edition.window.to - chrono::Duration::seconds(1))
        .with_timezone(&tz)
        .format("%Y-%m-%d")
        .to_string();
    let mut slug = last_day.clone();
    let mut n = 1;
    while taken.contains(&slug) {
        n += 1;
        slug = format!("{last_day}-{n}");
    }
    slug
}

/// What is published of a curated draft: its stories as the editor left them, without the
/// bench and the dropped stories, which are the desk's business.
pub fn for_publication(curated: &Edition) -> Edition {
    let mut e = curated.clone();
    e.bench.clear();
    e.dropped.clear();
    for s in &mut e.stories {
        s.pinned = false;
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Window;
    use chrono::{TimeZone, Utc};

    #[test]
    fn slugs_name_the_last_local_day_and_never_repeat() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        // 17–23 November in Shanghai: the window ends at midnight local, 16:00 UTC.
        let e = Edition {
            title: "D".into(),
            window: Window {
                from: Utc.with_ymd_and_hms(2025, 11, 16, 16, 0, 0).unwrap(),
                to: Utc.with_ymd_and_hms(2025, 11, 23, 16, 0, 0).unwrap(),
            },
            window_label: String::new(),
            intro: String::new(),
            stories: vec![],
            bench: vec![],
            wrap_up: String::new(),
            generated_at: Utc::now(),
            dropped: vec![],
        };
        assert_eq!(slug(&e, tz, &[]), "2025-11-23");
        let taken = vec!["2025-11-23".to_string(), "2025-11-23-2".to_string()];
        assert_eq!(slug(&e, tz, &taken), "2025-11-23-3");
    }
}
