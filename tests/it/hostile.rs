//! Hostile text wherever a server's data reaches the screen: escape sequences (CSI, OSC — an
//! OSC 52 clipboard write among them —, DCS), BEL, C1 controls, bidi overrides, zero-width and
//! double-width characters, and a 10 MB log line, in plugin manifests, config values, site,
//! team and user names, and log lines. Every frame must hold them inert (no control character
//! reaches the terminal) and aligned (every row keeps its right border in the last column).

use crate::common::Tabs;
use std::io::Write;
use std::time::Duration;

use crate::common::*;
use mmops::host::{HomeOrigin, MmHome};
use mmops::tui::tabs::invites::InvitesLaunch;
use mmops::tui::testing::Harness;
use serde_json::json;

/// One of everything a terminal could act on or mis-measure.
const HOSTILE: &str = "A\u{1b}[31mred\u{1b}[0m\u{1b}]52;c;SGVsbG8=\u{7}\u{1b}P1$r\u{1b}\\\u{7}\u{9b}2J\u{202e}txe.exe\u{202c}zw\u{200b}j\u{200d}日本語\u{0}Z";

fn check_frame(frame: &str, width: usize, what: &str) {
    let bad: Vec<char> = frame
        .chars()
        .filter(|c| {
            *c != '\n'
                && (c.is_control()
                    || ('\u{80}'..='\u{9f}').contains(c)
                    || ('\u{202a}'..='\u{202e}').contains(c)
                    || ('\u{2066}'..='\u{2069}').contains(c))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: {bad:?} reached the screen:\n{frame}"
    );
    for line in frame.lines() {
        let cells = unicode_width::UnicodeWidthStr::width(line);
        assert!(cells <= width, "{what}: a row of {cells} cells:\n{frame}");
    }
}

fn frames(h: &mut Harness, what: &str) -> String {
    let mut last = String::new();
    for (w, hgt) in [(80, 24), (120, 40), (200, 50)] {
        last = h.render_text(w, hgt);
        check_frame(&last, usize::from(w), what);
        // Framed panels keep their right border where it belongs: a row's last border sits
        // in a column where some panel has a corner.
        let cell_of =
            |line: &str, byte: usize| unicode_width::UnicodeWidthStr::width(&line[..byte]);
        let corners: std::collections::HashSet<usize> = last
            .lines()
            .flat_map(|line| {
                line.char_indices()
                    .filter(|(_, c)| matches!(c, '╭' | '╮' | '╰' | '╯'))
                    .map(move |(i, _)| cell_of(line, i))
            })
            .collect();
        for line in last.lines().filter(|l| l.starts_with('│')) {
            let Some((i, c)) = line.char_indices().last() else {
                continue;
            };
            if c == '│' {
                assert!(
                    corners.contains(&cell_of(line, i)),
                    "{what}: a right border out of line at width {w}:\n{last}"
                );
            }
        }
    }
    last
}

#[tokio::test]
async fn hostile_names_manifests_config_values_and_log_lines_stay_inert_and_aligned() {
    let server = demo().await;
    {
        let mut world = server.shared().world.write().unwrap();
        world.server.site_name = format!("Site {HOSTILE}");
        for plugin in &mut world.plugins {
            let name = format!(
                "{HOSTILE} {}",
                plugin.manifest["name"].as_str().unwrap_or("")
            );
            plugin.manifest["name"] = json!(name);
            plugin.manifest["description"] = json!(HOSTILE.repeat(50));
            plugin.manifest["homepage_url"] = json!(format!("https://x.example/{HOSTILE}"));
        }
        for team in &mut world.teams {
            team.display_name = format!("{HOSTILE} {}", team.display_name);
        }
        for user in world.users.iter_mut().skip(3) {
            user.username = format!("{}{HOSTILE}", user.username);
            user.first_name = HOSTILE.to_string();
        }
        world.config["TeamSettings"]["SiteName"] = json!(HOSTILE);
        world.config["ServiceSettings"]["SiteURL"] = json!(format!("https://{HOSTILE}"));
        world.config["LogSettings"]["AdvancedLoggingJSON"] = json!({HOSTILE: HOSTILE});
    }
    // A 10 MB line and a line of escapes, appended to the log the Logs tab follows.
    {
        let mut log = std::fs::OpenOptions::new()
            .append(true)
            .open(server.log_path())
            .unwrap();
        let huge = format!(
            "{{\"timestamp\":\"2026-11-22 09:29:59.000 Z\",\"level\":\"error\",\"msg\":\"{}\"}}\n",
            "\\u001b[2J".repeat(1_200_000)
        );
        assert!(huge.len() > 10_000_000);
        log.write_all(huge.as_bytes()).unwrap();
        writeln!(
            log,
            "{{\"timestamp\":\"2026-11-22 09:30:00.000 Z\",\"level\":\"warn\",\"msg\":{}}}",
            serde_json::to_string(HOSTILE).unwrap()
        )
        .unwrap();
        log.write_all(HOSTILE.as_bytes()).unwrap();
        log.write_all(b"\xff\xfe raw bytes that are not UTF-8\n")
            .unwrap();
    }

    let dir = tempfile::tempdir().unwrap();
    let mut launch = launch(Some(admin(&server)), "DEMO");
    launch.mm_home = Some(MmHome::new(server.host_dir.clone(), HomeOrigin::Demo));
    launch.invites = InvitesLaunch {
        ledger: Some(dir.path().join("ledger.sqlite")),
        data_dir: None,
        db_url: None,
        no_database: Some("the demo server has no database".into()),
    };
    let mut h = Harness::start(launch);
    h.settle().await;

    let server_tab = frames(&mut h, "the Server tab");
    assert!(server_tab.contains("Site A"), "{server_tab}");

    h.press(&["2"]).unwrap();
    h.settle().await;
    let plugins = frames(&mut h, "the Plugins tab");
    assert!(plugins.contains("8 installed"), "{plugins}");
    for i in 0..8 {
        h.press(&["enter"]).unwrap();
        frames(&mut h, &format!("plugin {i} in full"));
        h.press(&["ctrl-d"]).unwrap();
        frames(&mut h, &format!("plugin {i} in full, scrolled"));
        h.press(&["esc", "j"]).unwrap();
    }

    h.press(&["3"]).unwrap();
    // Until the last line written above is held (the 10 MB line before it takes a while).
    h.pump_until(Duration::from_secs(30), |app| {
        let store = app.logs().store();
        (store.first_seq()..store.end_seq())
            .rev()
            .take(20)
            .any(|seq| {
                store
                    .get(seq)
                    .is_some_and(|e| e.raw.windows(9).any(|w| w == b"not UTF-8"))
            })
    })
    .await;
    h.settle().await;
    h.press(&["G"]).unwrap();
    let logs = frames(&mut h, "the Logs tab at its end");
    assert!(logs.contains("日本語\\x00Z"), "{logs}");
    assert!(
        logs.contains(r"A\x1b[31mred"),
        "the escapes are shown, inert:\n{logs}"
    );
    for _ in 0..4 {
        h.press(&["enter"]).unwrap();
        frames(&mut h, "a hostile log entry in full");
        h.press(&["esc", "k"]).unwrap();
    }

    h.press(&["4", "/"]).unwrap();
    h.type_text("SiteName");
    h.press(&["enter"]).unwrap();
    frames(&mut h, "the config's hostile value");
    h.press(&["esc", "/"]).unwrap();
    h.type_text("AdvancedLoggingJSON");
    h.press(&["enter"]).unwrap();
    frames(&mut h, "a hostile config key");

    h.press(&["esc", "5"]).unwrap();
    h.settle().await;
    let invites = frames(&mut h, "the Invites tab");
    assert!(invites.contains("invitations"), "{invites}");
    h.press(&["enter"]).unwrap();
    frames(&mut h, "an invitation in full");
    h.press(&["esc", "m"]).unwrap();
    h.settle().await;
    frames(&mut h, "the members of a hostile team");
    h.press(&["esc", "t"]).unwrap();
    frames(&mut h, "the team picker");
}
