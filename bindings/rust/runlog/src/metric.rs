//! `MetricOptions` for `Run::define_metric` (runlog_metric_options).
use std::ops::{BitOr, BitOrAssign};

use runlog_sys as sys;

/// Summary statistics of a metric (`runlog_summary_op`), combined with `|`.
/// The default (no bits) keeps the last value, as W&B does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SummaryOps(u32);

impl SummaryOps {
    /// The last value (W&B's default).
    pub const DEFAULT: SummaryOps = SummaryOps(sys::RUNLOG_SUMMARY_DEFAULT);
    pub const MIN: SummaryOps = SummaryOps(sys::RUNLOG_SUMMARY_MIN);
    pub const MAX: SummaryOps = SummaryOps(sys::RUNLOG_SUMMARY_MAX);
    pub const MEAN: SummaryOps = SummaryOps(sys::RUNLOG_SUMMARY_MEAN);
    pub const FIRST: SummaryOps = SummaryOps(sys::RUNLOG_SUMMARY_FIRST);
    pub const LAST: SummaryOps = SummaryOps(sys::RUNLOG_SUMMARY_LAST);
    /// No summary for this metric.
    pub const NONE: SummaryOps = SummaryOps(sys::RUNLOG_SUMMARY_NONE);

    pub const fn bits(self) -> u32 {
        self.0
    }
    /// Any combination of `RUNLOG_SUMMARY_*` bits (unknown bits are passed on).
    pub const fn from_bits(bits: u32) -> SummaryOps {
        SummaryOps(bits)
    }
    pub const fn contains(self, other: SummaryOps) -> bool {
        self.0 & other.0 == other.0
    }
    /// W&B's names: "min", "max", "mean", "first", "last", "none".
    pub fn from_name(name: &str) -> Option<SummaryOps> {
        Some(match name {
            "min" => SummaryOps::MIN,
            "max" => SummaryOps::MAX,
            "mean" => SummaryOps::MEAN,
            "first" => SummaryOps::FIRST,
            "last" => SummaryOps::LAST,
            "none" => SummaryOps::NONE,
            _ => return None,
        })
    }
}

impl BitOr for SummaryOps {
    type Output = SummaryOps;
    fn bitor(self, rhs: SummaryOps) -> SummaryOps {
        SummaryOps(self.0 | rhs.0)
    }
}

impl BitOrAssign for SummaryOps {
    fn bitor_assign(&mut self, rhs: SummaryOps) {
        self.0 |= rhs.0;
    }
}

/// How `Run::define_metric` treats a metric (W&B's `define_metric(name,
/// step_metric=, summary=, hidden=, step_sync=)`). A builder:
///
/// ```
/// use runlog::{MetricOptions, SummaryOps};
/// let opts = MetricOptions::new().step_metric("epoch").summary(SummaryOps::MIN | SummaryOps::MAX);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricOptions {
    pub(crate) step_metric: Option<String>,
    pub(crate) summary: SummaryOps,
    pub(crate) hidden: bool,
    pub(crate) step_sync: Option<bool>,
}

impl MetricOptions {
    pub fn new() -> MetricOptions {
        MetricOptions::default()
    }
    /// The x-axis metric. With step sync (the default then), a row holding
    /// this metric but not the step metric gets the step metric's last value.
    pub fn step_metric(mut self, name: impl Into<String>) -> MetricOptions {
        self.step_metric = Some(name.into());
        self
    }
    /// Summary statistics; a metric with statistics has an object summary
    /// such as `{"min": 0.1, "max": 0.9}`.
    pub fn summary(mut self, ops: SummaryOps) -> MetricOptions {
        self.summary = ops;
        self
    }
    /// Hide the metric from the default charts.
    pub fn hidden(mut self, hidden: bool) -> MetricOptions {
        self.hidden = hidden;
        self
    }
    /// Fill in the step metric's last value (default: yes when a step metric is set).
    pub fn step_sync(mut self, sync: bool) -> MetricOptions {
        self.step_sync = Some(sync);
        self
    }
}
