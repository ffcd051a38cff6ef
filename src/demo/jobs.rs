//! The demo's background jobs (`GET /api/v4/jobs`): a week of runs of the kinds the doctor
//! reads, the newest LDAP sync and data retention runs failed unless the demo runs healthy.

use serde_json::{Value, json};

use super::rng::Rng;
use super::world::{DAY_MS, HOUR_MS};

#[derive(Debug, Clone)]
pub struct DemoJob {
    pub id: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub create_at: i64,
    pub error: Option<&'static str>,
}

impl DemoJob {
    pub fn to_json(&self) -> Value {
        let mut data = json!({});
        if let Some(error) = self.error {
            data["error"] = json!(error);
        }
        json!({
            "id": self.id,
            "type": self.kind,
            "priority": 0,
            "create_at": self.create_at,
            "start_at": self.create_at + 1_000,
            "last_activity_at": self.create_at + 60_000,
            "status": self.status,
            "progress": if self.status == "success" { 100 } else { 0 },
            "data": data,
        })
    }
}

/// Every kind runs daily for a week, newest last; `failing` makes the last LDAP sync and data
/// retention runs fail.
pub fn generate(rng: &mut Rng, now_ms: i64, failing: bool) -> Vec<DemoJob> {
    let kinds = [
        "ldap_sync",
        "data_retention",
        "message_export",
        "migrations",
        "elasticsearch_post_indexing",
    ];
    let mut jobs = Vec::new();
    for day in (0..7).rev() {
        for (i, kind) in kinds.iter().enumerate() {
            let create_at = now_ms - day * DAY_MS - (i as i64 + 1) * HOUR_MS;
            let newest = day == 0;
            let error = match *kind {
                "ldap_sync" if failing && newest => Some(
                    "LDAP Result Code 200 \"Network Error\": dial tcp 10.20.0.30:636: i/o timeout",
                ),
                "data_retention" if failing && newest => Some(
                    "DataRetentionJob: failed to delete posts: pq: canceling statement due to statement timeout",
                ),
                _ => None,
            };
            jobs.push(DemoJob {
                id: rng.id(),
                kind,
                status: if error.is_some() { "error" } else { "success" },
                create_at,
                error,
            });
        }
    }
    jobs
}
