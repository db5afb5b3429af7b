//! Date expressions as found in feeds, pages and imports.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Parses a date or date-time in the forms real pages use: RFC 3339 / ISO 8601 (with or
/// without offset), RFC 2822, "2025-11-20 08:30", "2025/11/20", "2025年11月20日 08:30".
///
/// Times without an offset are taken as UTC; a bare date is midnight UTC.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S %z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    let cjk = s
        .replace(['年', '月'], "-")
        .replace('日', " ")
        .replace('/', "-");
    let cjk = cjk.trim();
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(cjk, f) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    let date_part = cjk.split_whitespace().next().unwrap_or(cjk);
    let date_part = date_part.split('T').next().unwrap_or(date_part);
    NaiveDate::parse_from_str(date_part, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t))
}

#[cfg(test)]
mod tests {
    use super::parse_datetime;

    #[test]
    fn common_forms() {
        let want = "2025-11-20T08:30:00Z";
        for s in [
            "2025-11-20T16:30:00+08:00",
            "Thu, 20 Nov 2025 08:30:00 GMT",
            "2025-11-20 08:30",
            "2025年11月20日 08:30",
            "2025-11-20T16:30:00+0800",
        ] {
            let t = parse_datetime(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                want,
                "{s}"
            );
        }
        assert!(parse_datetime("2025-11-20").is_some());
        assert!(parse_datetime("yesterday").is_none());
    }
}
