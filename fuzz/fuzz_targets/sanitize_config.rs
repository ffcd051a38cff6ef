//! The config sanitizer on arbitrary JSON. The input is a config, optionally followed by a NUL
//! byte and the plugins the server lists: a `GET /api/v4/plugins` answer
//! (`{"active": [...], "inactive": [...]}`) or an array of manifests.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mmops::plugins::all_manifests;
use mmops::sanitize::sanitize_config;
use mmops_fuzz::check_sanitized;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let (config, plugins) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(config) = serde_json::from_slice::<Value>(config) else {
        return;
    };
    let manifests = match serde_json::from_slice::<Value>(plugins) {
        Ok(Value::Array(list)) => list,
        Ok(answer) => all_manifests(&answer),
        Err(_) => Vec::new(),
    };
    let out = sanitize_config(&config, &manifests);
    check_sanitized(&config, &manifests, &out);
});
