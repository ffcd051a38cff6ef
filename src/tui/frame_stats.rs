//! Frame timings for load tests and slow terminals: with `MMOPS_FRAME_STATS=PATH`, the event
//! loop times every frame it draws and every turn it spends on input and worker results, and
//! writes a one-line JSON summary to PATH when the console exits.

use std::path::PathBuf;
use std::time::Duration;

/// Samples kept per series; a minute at 30 frames a second is 1,800 frames.
const MAX_SAMPLES: usize = 2_000_000;

#[derive(Debug, Default)]
pub struct FrameStats {
    path: Option<PathBuf>,
    frames_us: Vec<u32>,
    turns_us: Vec<u32>,
}

impl FrameStats {
    /// Recording only when `MMOPS_FRAME_STATS` names a file.
    pub fn from_env() -> Self {
        Self {
            path: std::env::var_os("MMOPS_FRAME_STATS")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            ..Self::default()
        }
    }

    pub fn is_on(&self) -> bool {
        self.path.is_some()
    }

    pub fn frame(&mut self, took: Duration) {
        if self.is_on() && self.frames_us.len() < MAX_SAMPLES {
            self.frames_us.push(micros(took));
        }
    }

    pub fn turn(&mut self, took: Duration) {
        if self.is_on() && self.turns_us.len() < MAX_SAMPLES {
            self.turns_us.push(micros(took));
        }
    }

    /// The summary: counts, and p50, p99 and max of each series, in microseconds.
    pub fn summary(&self) -> serde_json::Value {
        let series = |samples: &[u32]| {
            let mut sorted = samples.to_vec();
            sorted.sort_unstable();
            let at = |q: f64| {
                sorted
                    .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
                    .copied()
                    .unwrap_or(0)
            };
            serde_json::json!({
                "count": sorted.len(),
                "p50_us": at(0.5),
                "p99_us": at(0.99),
                "max_us": sorted.last().copied().unwrap_or(0),
            })
        };
        serde_json::json!({"frames": series(&self.frames_us), "turns": series(&self.turns_us)})
    }

    /// Writes the summary; a failure goes to mmops' log, never to the terminal.
    pub fn write(&self) {
        let Some(path) = &self.path else {
            return;
        };
        if let Err(err) = std::fs::write(path, format!("{}\n", self.summary())) {
            tracing::warn!("cannot write frame stats to {}: {err}", path.display());
        }
    }
}

fn micros(took: Duration) -> u32 {
    u32::try_from(took.as_micros()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_samples() {
        let mut stats = FrameStats {
            path: Some(PathBuf::from("/dev/null")),
            ..FrameStats::default()
        };
        for us in 1..=100 {
            stats.frame(Duration::from_micros(us));
        }
        stats.turn(Duration::from_millis(3));
        let summary = stats.summary();
        assert_eq!(summary["frames"]["count"], 100);
        assert_eq!(summary["frames"]["p50_us"], 51);
        assert_eq!(summary["frames"]["p99_us"], 99);
        assert_eq!(summary["frames"]["max_us"], 100);
        assert_eq!(summary["turns"]["max_us"], 3000);
    }

    #[test]
    fn nothing_is_kept_when_off() {
        let mut stats = FrameStats::default();
        stats.frame(Duration::from_millis(1));
        assert_eq!(stats.summary()["frames"]["count"], 0);
    }
}
