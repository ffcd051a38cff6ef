//! The SVG screenshots in `screenshots/`, rendered from the real App with the seeded demo
//! server and a fixed clock. This test fails when a committed screenshot no longer matches
//! what the code draws; regenerate them all with
//!
//! ```sh
//! MMOPS_UPDATE_SCREENSHOTS=1 cargo test --test screenshots
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use common::*;
use mmops::tui::svg::{self, DARK_TERMINAL};
use mmops::tui::testing::Harness;

struct Shot {
    file: &'static str,
    title: &'static str,
    keys: &'static [&'static str],
    width: u16,
    height: u16,
}

const SHOTS: &[Shot] = &[
    Shot {
        file: "server.svg",
        title: "mmops: the Server tab",
        keys: &[],
        width: 120,
        height: 40,
    },
    Shot {
        file: "server-80x24.svg",
        title: "mmops: the Server tab at 80x24",
        keys: &[],
        width: 80,
        height: 24,
    },
    Shot {
        file: "help.svg",
        title: "mmops: the key help",
        keys: &["?"],
        width: 120,
        height: 40,
    },
    Shot {
        file: "logs.svg",
        title: "mmops: the Logs tab on the REST log API of a two-node cluster",
        keys: &["3"],
        width: 120,
        height: 40,
    },
    Shot {
        file: "logs-detail.svg",
        title: "mmops: one log entry in full",
        keys: &["3", "e", "enter"],
        width: 120,
        height: 40,
    },
    Shot {
        file: "plugins.svg",
        title: "mmops: the Plugins tab, failed plugins first",
        keys: &["2"],
        width: 120,
        height: 40,
    },
    Shot {
        file: "plugin-detail.svg",
        title: "mmops: one plugin in full, secret settings masked",
        keys: &["2", "j", "enter"],
        width: 120,
        height: 40,
    },
    Shot {
        file: "config.svg",
        title: "mmops: the Config tab, sanitized, with changed and environment markers",
        keys: &["4", "j", "j", "j", "enter"],
        width: 120,
        height: 40,
    },
    Shot {
        file: "packet.svg",
        title: "mmops: the support packet dialog (p)",
        keys: &["p"],
        width: 120,
        height: 40,
    },
];

#[tokio::test]
async fn screenshots_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    let update = std::env::var("MMOPS_UPDATE_SCREENSHOTS").as_deref() == Ok("1");
    let server = demo().await;
    let mut stale = Vec::new();
    for shot in SHOTS {
        let mut harness = Harness::start(launch(Some(admin(&server)), "DEMO"));
        harness.settle().await;
        // The REST log source: both cluster nodes answered.
        harness
            .pump_until(std::time::Duration::from_secs(20), |app| {
                app.logs_tab().store().sources().len() == 2
            })
            .await;
        harness.settle().await;
        harness.press(shot.keys).unwrap();
        harness.settle().await;
        let svg = svg::render(
            &harness.render(shot.width, shot.height),
            &DARK_TERMINAL,
            shot.title,
        );
        let path = dir.join(shot.file);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &svg).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(svg.as_str()) {
            stale.push(shot.file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale screenshots: {stale:?}; run MMOPS_UPDATE_SCREENSHOTS=1 cargo test --test screenshots"
    );
}
