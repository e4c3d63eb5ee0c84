//! Prometheus metrics. One [`Metrics`] is made at start-up and shared
//! (through `AppState` and the writer); nothing reads the counters back
//! except the `/metrics` page.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Counters exposed at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    check_ins_new: AtomicU64,
    check_ins_existing: AtomicU64,
    check_ins_refused: AtomicU64,
    check_ins_failed: AtomicU64,
    http_requests: AtomicU64,
    http_4xx: AtomicU64,
    http_5xx: AtomicU64,
    rate_limited: AtomicU64,
    groups: AtomicU64,
    grouped_entries: AtomicU64,
}

/// How a check-in ended, as the counters tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckInOutcome {
    /// Recorded.
    New,
    /// A repeat: the existing receipt was returned.
    Existing,
    /// Storage failed; nothing was recorded.
    Failed,
    /// Refused by a rule (closed meeting, expired code, …).
    Refused,
}

impl Metrics {
    /// Records the outcome of a check-in.
    pub fn check_in(&self, outcome: CheckInOutcome) {
        let counter = match outcome {
            CheckInOutcome::New => &self.check_ins_new,
            CheckInOutcome::Existing => &self.check_ins_existing,
            CheckInOutcome::Failed => &self.check_ins_failed,
            CheckInOutcome::Refused => &self.check_ins_refused,
        };
        counter.fetch_add(1, Relaxed);
    }

    /// Records one committed group of `entries` log entries.
    pub fn group(&self, entries: usize) {
        self.groups.fetch_add(1, Relaxed);
        self.grouped_entries.fetch_add(entries as u64, Relaxed);
    }

    /// Records an HTTP response status.
    pub fn http_response(&self, status: u16) {
        self.http_requests.fetch_add(1, Relaxed);
        if (400..500).contains(&status) {
            self.http_4xx.fetch_add(1, Relaxed);
        } else if status >= 500 {
            self.http_5xx.fetch_add(1, Relaxed);
        }
    }

    /// Records a request refused by a rate limit.
    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self, open_meetings: usize) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, samples: &[(&str, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, v) in samples {
                let _ = writeln!(out, "{name}{labels} {v}");
            }
        };
        metric(
            "rollcall_check_ins_total",
            "counter",
            "Check-ins by outcome.",
            &[
                ("{outcome=\"recorded\"}", self.check_ins_new.load(Relaxed)),
                (
                    "{outcome=\"existing\"}",
                    self.check_ins_existing.load(Relaxed),
                ),
                (
                    "{outcome=\"refused\"}",
                    self.check_ins_refused.load(Relaxed),
                ),
                ("{outcome=\"failed\"}", self.check_ins_failed.load(Relaxed)),
            ],
        );
        metric(
            "rollcall_http_responses_total",
            "counter",
            "HTTP responses by class.",
            &[
                ("{class=\"all\"}", self.http_requests.load(Relaxed)),
                ("{class=\"4xx\"}", self.http_4xx.load(Relaxed)),
                ("{class=\"5xx\"}", self.http_5xx.load(Relaxed)),
            ],
        );
        metric(
            "rollcall_rate_limited_total",
            "counter",
            "Requests refused by a rate limit.",
            &[("", self.rate_limited.load(Relaxed))],
        );
        metric(
            "rollcall_commit_groups_total",
            "counter",
            "Transactions committed by the log writer.",
            &[("", self.groups.load(Relaxed))],
        );
        metric(
            "rollcall_committed_entries_total",
            "counter",
            "Log entries committed by the log writer.",
            &[("", self.grouped_entries.load(Relaxed))],
        );
        metric(
            "rollcall_open_meetings",
            "gauge",
            "Meetings open for check-in.",
            &[("", open_meetings as u64)],
        );
        out
    }
}
