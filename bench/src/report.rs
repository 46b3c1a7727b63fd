//! The bench's figures: latency samples, one row per scenario, printed as a table or as JSON.

use std::time::Duration;

use serde::Serialize;

/// Latencies of one kind of operation.
#[derive(Debug, Default, Clone)]
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn push(&mut self, latency: Duration) {
        self.0.push(latency);
    }

    pub fn extend(&mut self, other: Samples) {
        self.0.extend(other.0);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The `q` quantile (0.5 = median), nearest rank.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        let mut sorted = self.0.clone();
        sorted.sort();
        let last = sorted.len().checked_sub(1)?;
        // Nearest rank: the smallest value with at least q of the samples at or below it.
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, last + 1) - 1;
        sorted.get(rank).copied()
    }

    pub fn max(&self) -> Option<Duration> {
        self.0.iter().max().copied()
    }
}

/// One line of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub name: &'static str,
    /// What was measured, in words.
    pub what: String,
    /// How many operations the latencies describe.
    pub count: usize,
    pub rate: Option<f64>,
    pub rate_unit: &'static str,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    /// Further figures of the row (holds, 5xx, ratio to baseline…), in order.
    pub figures: Vec<(String, serde_json::Value)>,
}

impl Row {
    pub fn new(name: &'static str, what: impl Into<String>) -> Self {
        Self {
            name,
            what: what.into(),
            count: 0,
            rate: None,
            rate_unit: "",
            p50_ms: None,
            p99_ms: None,
            max_ms: None,
            figures: Vec::new(),
        }
    }

    pub fn latencies(mut self, samples: &Samples) -> Self {
        let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1000.0);
        self.count = samples.len();
        self.p50_ms = ms(samples.quantile(0.5));
        self.p99_ms = ms(samples.quantile(0.99));
        self.max_ms = ms(samples.max());
        self
    }

    pub fn rate(mut self, per_second: f64, unit: &'static str) -> Self {
        self.rate = Some(per_second);
        self.rate_unit = unit;
        self
    }

    pub fn figure(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        self.figures.push((name.to_owned(), value.into()));
        self
    }
}

/// Everything one run measured, and where.
#[derive(Debug, Serialize)]
pub struct Report {
    pub machine: String,
    pub database: String,
    /// Tickets for sale before the first row.
    pub catalog: usize,
    pub rows: Vec<Row>,
}

impl Report {
    pub fn table(&self) -> String {
        let mut out = format!(
            "boxoffice bench — {} — database: {} — catalog: {} tickets for sale\n\n",
            self.machine, self.database, self.catalog
        );
        out.push_str("| row | n | rate | p50 | p99 | max | figures |\n");
        out.push_str("|---|---|---|---|---|---|---|\n");
        for row in &self.rows {
            let ms = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.1} ms"));
            let rate = row
                .rate
                .map_or("–".to_owned(), |r| format!("{r:.1} {}", row.rate_unit));
            let figures = row
                .figures
                .iter()
                .map(|(name, value)| match value {
                    serde_json::Value::Number(n) if n.is_f64() => {
                        format!("{name} {:.2}", n.as_f64().unwrap_or_default())
                    }
                    serde_json::Value::String(s) => format!("{name} {s}"),
                    other => format!("{name} {other}"),
                })
                .collect::<Vec<_>>()
                .join(", ");
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                row.name,
                row.count,
                rate,
                ms(row.p50_ms),
                ms(row.p99_ms),
                ms(row.max_ms),
                figures
            ));
        }
        out.push('\n');
        for row in &self.rows {
            out.push_str(&format!("- {}: {}\n", row.name, row.what));
        }
        out
    }
}

/// What machine the figures come from.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|line| line.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib / 1024.0 / 1024.0)
        })
        .unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|line| line.starts_with("model name"))?;
            Some(line.split_once(':')?.1.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let build = if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    };
    format!("{cores} cores ({cpu}), {memory_gib:.0} GiB, {build}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let mut samples = Samples::default();
        for ms in 1..=100 {
            samples.push(Duration::from_millis(ms));
        }
        assert_eq!(samples.quantile(0.5), Some(Duration::from_millis(50)));
        assert_eq!(samples.quantile(0.99), Some(Duration::from_millis(99)));
        assert_eq!(samples.max(), Some(Duration::from_millis(100)));
        assert_eq!(Samples::default().quantile(0.5), None);
    }
}
