//! The demo's metrics listener (`MetricsSettings.ListenAddress`): Prometheus text on
//! `/metrics` and Go's profiling routes under `/debug/pprof/`, which the packet takes its
//! `cpu.prof`, `heap.prof` and `goroutines` from. The profiles are small but well formed: gzipped
//! pprof protobuf with a sample type and a string table, and a `debug=2` goroutine dump.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::Shared;

/// A CPU profile's window is honoured up to this (pprof's own handler refuses more than the
/// server's write timeout).
const MAX_CPU_SECONDS: u64 = 30;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/debug/pprof/profile", get(cpu))
        .route("/debug/pprof/heap", get(heap))
        .route("/debug/pprof/goroutine", get(goroutine))
        .with_state(shared)
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    let body = format!(
        "# HELP mattermost_http_requests_total The total number of http API requests.\n\
         # TYPE mattermost_http_requests_total counter\n\
         mattermost_http_requests_total {}\n\
         # HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n\
         # TYPE process_start_time_seconds gauge\n\
         process_start_time_seconds {}\n",
        shared.recent_requests().len(),
        shared.started_ms / 1000
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

#[derive(Debug, Deserialize)]
struct ProfileQuery {
    seconds: Option<u64>,
    debug: Option<u8>,
}

async fn cpu(Query(query): Query<ProfileQuery>) -> Response {
    let seconds = query.seconds.unwrap_or(30);
    if seconds == 0 || seconds > MAX_CPU_SECONDS {
        return (
            StatusCode::BAD_REQUEST,
            "profile duration exceeds server's WriteTimeout\n",
        )
            .into_response();
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    binary(cpu_profile(seconds))
}

async fn heap() -> Response {
    binary(heap_profile())
}

async fn goroutine(Query(query): Query<ProfileQuery>) -> Response {
    if query.debug != Some(2) {
        // debug=0 is a binary profile; mmops (like the server's packet) asks for the text.
        return binary(heap_profile());
    }
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        goroutine_dump(),
    )
        .into_response()
}

fn binary(bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"profile\"",
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A CPU profile of `seconds`: samples/count and cpu/nanoseconds, no samples (an idle demo).
pub fn cpu_profile(seconds: u64) -> Vec<u8> {
    let strings = ["", "samples", "count", "cpu", "nanoseconds"];
    let mut profile = Vec::new();
    value_type(&mut profile, 1, 1, 2);
    value_type(&mut profile, 1, 3, 4);
    string_table(&mut profile, &strings);
    varint_field(&mut profile, 10, seconds * 1_000_000_000);
    value_type(&mut profile, 11, 3, 4);
    varint_field(&mut profile, 12, 10_000_000);
    gzip(&profile)
}

/// A heap profile: the four sample types of Go's heap profile, no samples.
pub fn heap_profile() -> Vec<u8> {
    let strings = [
        "",
        "alloc_objects",
        "count",
        "alloc_space",
        "bytes",
        "inuse_objects",
        "inuse_space",
        "space",
    ];
    let mut profile = Vec::new();
    value_type(&mut profile, 1, 1, 2);
    value_type(&mut profile, 1, 3, 4);
    value_type(&mut profile, 1, 5, 2);
    value_type(&mut profile, 1, 6, 4);
    string_table(&mut profile, &strings);
    value_type(&mut profile, 11, 7, 4);
    varint_field(&mut profile, 12, 524_288);
    gzip(&profile)
}

/// Every goroutine's stack, as `debug=2` prints them.
pub fn goroutine_dump() -> String {
    let goroutines = [
        (
            1,
            "chan receive, 12 minutes",
            "main.main()\n\t/mattermost/server/cmd/mattermost/main.go:15 +0x25",
        ),
        (
            37,
            "IO wait",
            "internal/poll.runtime_pollWait(0x7f2a1c0e8e28, 0x72)\n\t/usr/local/go/src/runtime/netpoll.go:351 +0x85\nnet/http.(*Server).Serve(0xc000a2e000, {0x5a3c1e0, 0xc0004b6000})\n\t/usr/local/go/src/net/http/server.go:3330 +0x30c",
        ),
        (
            112,
            "select",
            "github.com/mattermost/mattermost/server/v8/channels/jobs.(*Workers).Start.func1()\n\t/mattermost/server/channels/jobs/workers.go:70 +0x1b4",
        ),
        (
            231,
            "sync.Cond.Wait, 3 minutes",
            "github.com/mattermost/mattermost/server/v8/channels/app/platform.(*PlatformService).hubStart.func1()\n\t/mattermost/server/channels/app/platform/web_hub.go:182 +0x4d",
        ),
    ];
    goroutines
        .iter()
        .map(|(id, state, stack)| format!("goroutine {id} [{state}]:\n{stack}\n"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn varint_field(out: &mut Vec<u8>, field: u64, value: u64) {
    varint(out, field << 3);
    varint(out, value);
}

fn bytes_field(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    varint(out, (field << 3) | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// A `ValueType {type, unit}` (indexes into the string table) as field `field`.
fn value_type(out: &mut Vec<u8>, field: u64, kind: u64, unit: u64) {
    let mut message = Vec::new();
    varint_field(&mut message, 1, kind);
    varint_field(&mut message, 2, unit);
    bytes_field(out, field, &message);
}

fn string_table(out: &mut Vec<u8>, strings: &[&str]) {
    for s in strings {
        bytes_field(out, 6, s.as_bytes());
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn profiles_are_gzipped_protobuf_with_their_strings() {
        let cpu = gunzip(&cpu_profile(5));
        // sample_type { type: 1, unit: 2 } first, as pprof writes it.
        assert_eq!(&cpu[..6], &[0x0a, 0x04, 0x08, 0x01, 0x10, 0x02]);
        assert!(cpu.windows(11).any(|w| w == b"nanoseconds"));
        let heap = gunzip(&heap_profile());
        assert!(heap.windows(11).any(|w| w == b"inuse_space"));
    }

    #[test]
    fn the_goroutine_dump_reads_like_go() {
        let dump = goroutine_dump();
        assert!(dump.starts_with("goroutine 1 [chan receive, 12 minutes]:\nmain.main()"));
        assert_eq!(dump.matches("\n\ngoroutine ").count(), 3);
    }
}
