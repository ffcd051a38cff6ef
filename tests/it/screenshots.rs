//! The SVG screenshots in `screenshots/`, rendered from the real App with the seeded demo
//! server and a fixed clock. This test fails when a committed screenshot no longer matches
//! what the code draws; regenerate them all with
//!
//! ```sh
//! MMOPS_UPDATE_SCREENSHOTS=1 cargo test --test it screenshots::
//! ```

use crate::common::Tabs;
use std::path::PathBuf;

use crate::common::*;
use mmops::host::{HomeOrigin, MmHome};
use mmops::tui::svg::{self, DARK_TERMINAL};
use mmops::tui::tabs::invites::InvitesLaunch;
use mmops::tui::testing::Harness;

struct Shot {
    file: &'static str,
    title: &'static str,
    keys: &'static [&'static str],
    width: u16,
    height: u16,
    /// The Invites tab needs the install dir (the audit and server logs) and a ledger.
    invites: bool,
}

const SHOTS: &[Shot] = &[
    Shot {
        file: "invites.svg",
        title: "mmops: the Invites tab, the invitation audit",
        keys: &["5"],
        width: 120,
        height: 40,
        invites: true,
    },
    Shot {
        file: "invite-detail.svg",
        title: "mmops: an invitation used by another account, with its evidence",
        keys: &["5", "/", "f", "e", "l", "i", "x", "enter", "enter"],
        width: 120,
        height: 40,
        invites: true,
    },
    Shot {
        file: "invite-form.svg",
        title: "mmops: sending invitations from the Invites tab",
        keys: &["5", "i", "e", "n", "g"],
        width: 120,
        height: 40,
        invites: true,
    },
    Shot {
        file: "invite-members.svg",
        title: "mmops: how each member of a team got in",
        keys: &["5", "m", "t", "l", "e", "a", "d", "enter"],
        width: 120,
        height: 40,
        invites: true,
    },
    Shot {
        file: "doctor.svg",
        title: "mmops: the Doctor tab, findings with evidence and fixes",
        keys: &["6"],
        width: 120,
        height: 40,
        invites: true,
    },
    Shot {
        file: "doctor-80x24.svg",
        title: "mmops: the Doctor tab in an 80x24 terminal",
        keys: &["6", "j", "j", "j"],
        width: 80,
        height: 24,
        invites: true,
    },
    Shot {
        file: "server.svg",
        title: "mmops: the Server tab",
        keys: &[],
        width: 120,
        height: 40,
        invites: false,
    },
    Shot {
        file: "server-80x24.svg",
        title: "mmops: the Server tab at 80x24",
        keys: &[],
        width: 80,
        height: 24,
        invites: false,
    },
    Shot {
        file: "help.svg",
        title: "mmops: the key help",
        keys: &["?"],
        width: 120,
        height: 40,
        invites: false,
    },
    Shot {
        file: "logs.svg",
        title: "mmops: the Logs tab on the REST log API of a two-node cluster",
        keys: &["3"],
        width: 120,
        height: 40,
        invites: false,
    },
    Shot {
        file: "logs-detail.svg",
        title: "mmops: one log entry in full",
        keys: &["3", "e", "enter"],
        width: 120,
        height: 40,
        invites: false,
    },
    Shot {
        file: "plugins.svg",
        title: "mmops: the Plugins tab, failed plugins first",
        keys: &["2"],
        width: 120,
        height: 40,
        invites: false,
    },
    Shot {
        file: "plugin-detail.svg",
        title: "mmops: one plugin in full, secret settings masked",
        keys: &["2", "j", "enter"],
        width: 120,
        height: 40,
        invites: false,
    },
    Shot {
        file: "config.svg",
        title: "mmops: the Config tab, sanitized, with changed and environment markers",
        keys: &["4", "j", "j", "j", "enter"],
        width: 120,
        height: 40,
        invites: false,
    },
    Shot {
        file: "logs-patterns.svg",
        title: "mmops: the Logs tab's patterns view (u), the entries grouped by message",
        keys: &["3", "u"],
        width: 120,
        height: 40,
        invites: true,
    },
    Shot {
        file: "logs-timeline.svg",
        title: "mmops: the Logs tab's timeline (T), errors and warnings stacked, over errors and warnings",
        keys: &["3", "T", "w"],
        width: 120,
        height: 40,
        invites: true,
    },
    Shot {
        file: "packet.svg",
        title: "mmops: the support packet dialog (p)",
        keys: &["p"],
        width: 120,
        height: 40,
        invites: false,
    },
    Shot {
        file: "capture.svg",
        title: "mmops: a capture (R): what it will change, before it does",
        keys: &["R"],
        width: 120,
        height: 40,
        invites: false,
    },
    // Last: it leaves the demo's level raised.
    Shot {
        file: "capture-running.svg",
        title: "mmops: a capture running: the mark in the Logs tab, the length and volume in the status bar",
        keys: &["R", "y", "3"],
        width: 120,
        height: 40,
        invites: false,
    },
];

#[tokio::test]
async fn screenshots_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    let update = std::env::var("MMOPS_UPDATE_SCREENSHOTS").as_deref() == Ok("1");
    let server = demo().await;
    let mut stale = Vec::new();
    for shot in SHOTS {
        let ledger_dir = tempfile::tempdir().unwrap();
        let mut launch = launch(Some(admin(&server)), "DEMO");
        launch.capture.file = Some(mmops::capture::CaptureFile::in_dir(ledger_dir.path()));
        if shot.invites {
            launch.mm_home = Some(MmHome::new(server.host_dir.clone(), HomeOrigin::Demo));
            launch.invites = InvitesLaunch {
                ledger: Some(ledger_dir.path().join("ledger.sqlite")),
                data_dir: None,
                db_url: None,
                no_database: Some("the demo server has no database".into()),
            };
        }
        let mut harness = Harness::start(launch);
        harness.settle().await;
        // Every source answered: both cluster nodes over REST, or the install's three files.
        let sources = if shot.invites { 3 } else { 2 };
        harness
            .pump_until(std::time::Duration::from_secs(20), |app| {
                app.logs().store().sources().len() == sources
            })
            .await;
        harness.settle().await;
        for key in shot.keys {
            harness.press(&[key]).unwrap();
            harness.settle().await;
        }
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
        "stale screenshots: {stale:?}; run MMOPS_UPDATE_SCREENSHOTS=1 cargo test --test it screenshots::"
    );
}
