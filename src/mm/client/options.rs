//! How patient the client is: its timeouts, and when and how long it waits before trying a
//! request again.

use std::time::Duration;

use reqwest::header::HeaderMap;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Total attempts for an idempotent request, the first included.
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A 429 asking to wait longer than this is reported instead of waited out.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The longest silence: before an answer begins, and between two pieces of its body. A
    /// big answer over a slow but steady link is read as long as bytes keep coming.
    pub idle_timeout: Duration,
    /// The longest a whole request may take, however steadily its body comes.
    pub total_timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(20),
            total_timeout: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
        }
    }
}

/// `Retry-After` in seconds, or `X-RateLimit-Reset` when that is all the server sent.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    ["Retry-After", "X-RateLimit-Reset"]
        .iter()
        .find_map(|name| {
            headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|secs| secs.is_finite() && *secs >= 0.0)
                .map(|secs| Duration::from_secs_f64(secs.min(3600.0)))
        })
}

pub(super) fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exp = policy.base_delay.saturating_mul(1 << (attempt - 1).min(8));
    let capped = exp.min(policy.max_delay);
    // Up to 25% jitter so that many clients do not retry in step.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = capped.mul_f64(f64::from(nanos % 1000) / 4000.0);
    capped + jitter
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn retry_after_reads_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert("Retry-After", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        let mut headers = HeaderMap::new();
        headers.insert("X-RateLimit-Reset", HeaderValue::from_static("1"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(1)));
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        let first = backoff(&policy, 1);
        assert!(first >= Duration::from_millis(250) && first < Duration::from_millis(320));
        let late = backoff(&policy, 20);
        assert!(late <= Duration::from_millis(2500));
    }
}
