//! Counters of the long-running service, shown at `/metrics` in Prometheus' text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// A value read at scrape time (from the store), with its labels.
#[derive(Debug, Clone)]
pub struct Gauge {
    /// Metric name.
    pub name: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// Label names and values.
    pub labels: Vec<(&'static str, String)>,
    /// The value.
    pub value: f64,
}

impl Gauge {
    /// A gauge with at most one label.
    pub fn new(
        name: &'static str,
        help: &'static str,
        label: Option<(&'static str, &str)>,
        value: f64,
    ) -> Gauge {
        Gauge {
            name,
            help,
            labels: label.map(|(k, v)| (k, v.to_string())).into_iter().collect(),
            value,
        }
    }
}

/// What `roundup run` has done since it started.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Source fetches attempted.
    pub fetches: AtomicU64,
    /// Source fetches that failed.
    pub fetch_errors: AtomicU64,
    /// New articles stored.
    pub articles_added: AtomicU64,
    /// Drafts built.
    pub drafts: AtomicU64,
    /// Editions published.
    pub published: AtomicU64,
    /// Emails sent to subscribers.
    pub emails_sent: AtomicU64,
    /// Emails given up on (failed or bounced).
    pub email_failures: AtomicU64,
}

impl Metrics {
    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The counters, and the gauges given, in Prometheus' text exposition format.
    pub fn render(&self, gauges: &[Gauge]) -> String {
        let mut out = String::new();
        let counters: [(&str, &str, &AtomicU64); 7] = [
            (
                "roundup_fetches_total",
                "Source fetches attempted.",
                &self.fetches,
            ),
            (
                "roundup_fetch_errors_total",
                "Source fetches that failed.",
                &self.fetch_errors,
            ),
            (
                "roundup_articles_added_total",
                "New articles stored.",
                &self.articles_added,
            ),
            ("roundup_drafts_total", "Drafts built.", &self.drafts),
            (
                "roundup_editions_published_total",
                "Editions published.",
                &self.published,
            ),
            (
                "roundup_emails_sent_total",
                "Edition emails sent.",
                &self.emails_sent,
            ),
            (
                "roundup_email_failures_total",
                "Edition emails failed or bounced.",
                &self.email_failures,
            ),
        ];
        for (name, help, c) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                c.load(Ordering::Relaxed)
            );
        }
        let mut last = "";
        for Gauge {
            name,
            help,
            labels,
            value,
        } in gauges
        {
            if *name != last {
                let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
                last = name;
            }
            let labels: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
                .collect();
            if labels.is_empty() {
                let _ = writeln!(out, "{name} {value}");
            } else {
                let _ = writeln!(out, "{name}{{{}}} {value}", labels.join(","));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_labelled_gauges() {
        let m = Metrics::default();
        Metrics::add(&m.fetches, 3);
        let text = m.render(&[
            Gauge::new(
                "roundup_sources",
                "Sources by state.",
                Some(("state", "ok")),
                2.0,
            ),
            Gauge::new(
                "roundup_sources",
                "Sources by state.",
                Some(("state", "fail\"ing")),
                1.0,
            ),
        ]);
        assert!(text.contains("# TYPE roundup_fetches_total counter\nroundup_fetches_total 3\n"));
        assert!(text.contains("roundup_sources{state=\"ok\"} 2\n"));
        assert!(text.contains("roundup_sources{state=\"fail\\\"ing\"} 1\n"));
        assert_eq!(text.matches("# TYPE roundup_sources gauge").count(), 1);
    }
}
