//! Windows as calendar days in the beat's timezone.

use chrono::{Days, NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::model::Window;

/// The window from the start of `from` to the end of `to`, both inclusive days in `tz`.
pub fn days(tz: Tz, from: NaiveDate, to: NaiveDate) -> Window {
    let start = |d: NaiveDate| {
        let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        tz.from_local_datetime(&naive)
            .earliest()
            .unwrap_or_else(|| tz.from_utc_datetime(&naive))
            .with_timezone(&chrono::Utc)
    };
    let end_day = to.checked_add_days(Days::new(1)).unwrap_or(to);
    Window {
        from: start(from),
        to: start(end_day),
    }
}

/// The last `n` days ending with `today` (inclusive), in `tz`.
pub fn last_days(tz: Tz, today: NaiveDate, n: u32) -> Window {
    let from = today
        .checked_sub_days(Days::new(u64::from(n.max(1)) - 1))
        .unwrap_or(today);
    days(tz, from, today)
}

/// A human label for a window: "17–23 November 2025".
pub fn label(tz: Tz, w: Window) -> String {
    let from = w.from.with_timezone(&tz).date_naive();
    let to = (w.to - chrono::Duration::seconds(1))
        .with_timezone(&tz)
        .date_naive();
    if from == to {
        from.format("%-d %B %Y").to_string()
    } else if from.format("%Y-%m").to_string() == to.format("%Y-%m").to_string() {
        format!("{}–{}", from.format("%-d"), to.format("%-d %B %Y"))
    } else {
        format!("{} – {}", from.format("%-d %B %Y"), to.format("%-d %B %Y"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_in_a_timezone() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let w = days(tz, d("2025-11-17"), d("2025-11-23"));
        assert_eq!(w.from.to_rfc3339(), "2025-11-16T16:00:00+00:00");
        assert_eq!(w.to.to_rfc3339(), "2025-11-23T16:00:00+00:00");
        assert_eq!(label(tz, w), "17–23 November 2025");
        assert_eq!(last_days(tz, d("2025-11-23"), 7), w);
    }
}
