//! The Invites tab in the real App against the demo server: its invitation history synced
//! into a ledger and shown (table, detail, members), the finder and filters, sending,
//! invalidating and exporting; and a ledger with hostile text, opened without a server.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::Tabs;
use crate::common::*;
use mmops::demo::DemoServer;
use mmops::host::{HomeOrigin, MmHome};
use mmops::invites::ledger::{Ledger, NewInvitation};
use mmops::tui::Launch;
use mmops::tui::tabs::invites::InvitesLaunch;
use mmops::tui::testing::Harness;

/// A console on the demo with its install dir and a ledger in `dir`; no database.
fn invites_launch(server: &DemoServer, dir: &Path) -> Launch {
    let mut launch = launch(Some(admin(server)), "DEMO");
    launch.mm_home = Some(MmHome::new(server.host_dir.clone(), HomeOrigin::Demo));
    launch.packet_dir = dir.to_path_buf();
    launch.invites = InvitesLaunch {
        ledger: Some(ledger_file(dir)),
        data_dir: None,
        db_url: None,
        no_database: Some("the demo server has no database".into()),
    };
    launch
}

fn ledger_file(dir: &Path) -> PathBuf {
    dir.join("ledger.sqlite")
}

/// The console on the Invites tab, the first sync done.
async fn on_invites(launch: Launch) -> Harness {
    let mut h = Harness::start(launch);
    h.settle().await;
    h.press(&["5"]).unwrap();
    h.settle().await;
    assert_eq!(h.app.active_title(), "Invites");
    h
}

#[tokio::test]
async fn the_demo_history_is_synced_and_shown_newest_first_with_the_flag() {
    let server = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = on_invites(invites_launch(&server, dir.path())).await;
    let text = h.render_text(120, 40);
    insta::assert_snapshot!("invites_120x40", text);
    insta::assert_snapshot!("invites_80x24", h.render_text(80, 24));
    // The sources line: the audit log, the server log and REST were read; the database is
    // missing and the tab says what that costs.
    assert!(
        text.contains("✓ audit log · ✓ server log · ✓ REST"),
        "{text}"
    );
    assert!(text.contains("no database: pending invites"), "{text}");
    // Every status of the story is there, and the use by another account stands out.
    let tab = h.app.invites();
    for status in [
        "pending",
        "accepted",
        "⚑ by other",
        "expired",
        "revoked",
        "failed",
    ] {
        assert!(text.contains(status), "{status} in {text}");
    }
    assert!(text.contains("⚑ 1 by another account"), "{text}");
    // Newest first.
    let sent: Vec<i64> = tab
        .shown()
        .iter()
        .map(|i| tab.rows()[*i as usize].invite.sent_at)
        .collect();
    assert!(sent.windows(2).all(|w| w[0] >= w[1]), "{sent:?}");
    assert!(sent.len() >= 15, "{}", sent.len());
    // The ledger is the user's alone.
    let mode = std::fs::metadata(ledger_file(dir.path()))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // No invite token ever reaches the screen.
    let world = server.shared().world.read().unwrap().invites.clone();
    for invite in world {
        assert!(!text.contains(&invite.token), "a token on screen");
    }
}

#[tokio::test]
async fn the_finder_narrows_as_you_type_and_the_detail_shows_the_evidence() {
    let server = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = on_invites(invites_launch(&server, dir.path())).await;
    let total = h.app.invites().shown().len();
    h.press(&["/"]).unwrap();
    h.type_text("felix");
    // Answered while typing, before Enter.
    let while_typing = h.app.invites().shown().len();
    assert!(
        while_typing >= 1 && while_typing < total,
        "{while_typing} of {total}"
    );
    h.press(&["enter"]).unwrap();
    let selected = h.app.invites().selected_row().unwrap();
    assert_eq!(selected.invite.status, "accepted_by_other");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let text = h.render_text(120, 40);
    insta::assert_snapshot!("invite_detail_120x40", text);
    assert!(text.contains("used by another account"), "{text}");
    assert!(text.contains("Evidence, oldest first"), "{text}");
    assert!(text.contains("audit"), "{text}");
    insta::assert_snapshot!("invite_detail_80x24", h.render_text(80, 24));
    // Esc goes back to the table, the finder still applied; x clears it.
    h.press(&["esc", "x"]).unwrap();
    assert_eq!(h.app.invites().shown().len(), total);
}

#[tokio::test]
async fn status_and_team_filters_narrow_the_table() {
    let server = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = on_invites(invites_launch(&server, dir.path())).await;
    // The first status is pending.
    h.press(&["f"]).unwrap();
    let tab = h.app.invites();
    assert!(!tab.shown().is_empty());
    assert!(
        tab.shown()
            .iter()
            .all(|i| tab.rows()[*i as usize].invite.status == "pending")
    );
    assert!(h.render_text(120, 40).contains("Showing status pending"));
    h.press(&["x", "t"]).unwrap();
    h.type_text("leadership");
    let picker = h.render_text(120, 40);
    assert!(picker.contains("Show the invitations of team"), "{picker}");
    h.press(&["enter"]).unwrap();
    let tab = h.app.invites();
    assert!(!tab.shown().is_empty());
    assert!(
        tab.shown()
            .iter()
            .all(|i| tab.rows()[*i as usize].invite.team_name.as_deref() == Some("leadership"))
    );
}

#[tokio::test]
async fn the_send_form_picks_a_team_reviews_and_records_what_it_sent() {
    let server = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = on_invites(invites_launch(&server, dir.path())).await;
    let before = h.app.invites().rows().len();
    h.press(&["i"]).unwrap();
    h.settle().await;
    h.type_text("eng");
    insta::assert_snapshot!("invite_form_80x24", h.render_text(80, 24));
    h.press(&["enter"]).unwrap();
    h.type_text("new.person@example.com, second@example.org");
    h.press(&["enter"]).unwrap();
    h.type_text("town-square");
    h.press(&["enter"]).unwrap();
    // The channels are checked with the server before the review.
    h.settle().await;
    let review = h.render_text(80, 24);
    insta::assert_snapshot!("invite_form_review_80x24", review);
    assert!(
        review.contains("Send 2 invitations to engineering"),
        "{review}"
    );
    // Nothing is sent before y.
    h.settle().await;
    assert_eq!(h.app.invites().rows().len(), before);
    h.press(&["y"]).unwrap();
    h.settle().await;
    let done = h.render_text(80, 24);
    assert!(
        done.contains("2 sent, 0 refused; recorded in the ledger"),
        "{done}"
    );
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let tab = h.app.invites();
    assert_eq!(tab.rows().len(), before + 2);
    let newest = &tab.rows()[tab.shown()[0] as usize].invite;
    assert_eq!(newest.status, "pending");
    assert_eq!(newest.sender_username.as_deref(), Some("sysadmin"));
    assert_eq!(newest.channels.len(), 1, "the channel's id is recorded");
    // The ledger on disk has them, with the sender.
    let ledger = Ledger::open(&ledger_file(dir.path())).unwrap();
    let emails: Vec<String> = ledger
        .invitations()
        .unwrap()
        .into_iter()
        .map(|i| i.email)
        .collect();
    assert!(emails.contains(&"second@example.org".to_string()));
}

#[tokio::test]
async fn an_unknown_channel_sends_nothing_and_says_why() {
    let server = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = on_invites(invites_launch(&server, dir.path())).await;
    let before = h.app.invites().rows().len();
    h.press(&["i"]).unwrap();
    h.settle().await;
    h.type_text("eng");
    h.press(&["enter"]).unwrap();
    h.type_text("x@example.com");
    h.press(&["enter"]).unwrap();
    h.type_text("no-such-channel");
    // The channel is looked up before the review: the form comes back, nothing typed lost.
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let text = h.render_text(100, 30);
    assert!(
        text.contains("the team has no channel named no-such-channel"),
        "{text}"
    );
    assert!(text.contains("x@example.com"), "{text}");
    h.press(&["esc"]).unwrap();
    h.settle().await;
    assert_eq!(h.app.invites().rows().len(), before);
}

#[tokio::test]
async fn invalidating_asks_first_then_revokes_every_pending_invite() {
    let server = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = on_invites(invites_launch(&server, dir.path())).await;
    let pending = h.app.invites().pending_invites();
    assert!(pending > 0);
    h.press(&["X"]).unwrap();
    let question = h.render_text(120, 40);
    assert!(
        question.contains(&format!("{pending} known to mmops")),
        "{question}"
    );
    // Enter is not a yes.
    h.press(&["enter"]).unwrap();
    h.settle().await;
    assert_eq!(h.app.invites().pending_invites(), pending);
    assert!(h.render_text(120, 40).contains("nothing was invalidated"));
    let revoked_before = h
        .app
        .invites()
        .count(mmops::invites::resolve::Status::Revoked);
    h.press(&["X", "y"]).unwrap();
    h.settle().await;
    let tab = h.app.invites();
    assert_eq!(tab.pending_invites(), 0, "{:?}", tab.notice());
    assert_eq!(
        tab.count(mmops::invites::resolve::Status::Revoked),
        revoked_before + pending
    );
    // The evidence says who did it, with mmops.
    let ledger = Ledger::open(&ledger_file(dir.path())).unwrap();
    let revoked = ledger
        .invitations()
        .unwrap()
        .into_iter()
        .find(|i| i.status == "revoked" && i.status_reason.contains("mmops"));
    assert!(
        revoked.is_some(),
        "a revocation decided by mmops' own record"
    );
}

#[tokio::test]
async fn members_show_how_each_got_in_flagged_first() {
    let server = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = on_invites(invites_launch(&server, dir.path())).await;
    h.press(&["m"]).unwrap();
    h.settle().await;
    // To the team of the use by another account.
    h.press(&["t"]).unwrap();
    h.type_text("leadership");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let text = h.render_text(120, 40);
    insta::assert_snapshot!("invite_members_120x40", text);
    assert!(
        text.contains("Members of leadership (invite only)"),
        "{text}"
    );
    assert!(text.contains("felix.dubois"), "{text}");
    assert!(text.contains("⚑"), "{text}");
    // → goes to the next team, and back.
    h.press(&["l"]).unwrap();
    h.settle().await;
    assert!(!h.render_text(120, 40).contains("Members of leadership"));
    h.press(&["h"]).unwrap();
    h.settle().await;
    assert!(h.render_text(120, 40).contains("Members of leadership"));
    insta::assert_snapshot!("invite_members_80x24", h.render_text(80, 24));
}

#[tokio::test]
async fn the_rows_shown_export_to_a_private_csv() {
    let server = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = on_invites(invites_launch(&server, dir.path())).await;
    h.press(&["f"]).unwrap();
    let shown = h.app.invites().shown().len();
    h.press(&["e"]).unwrap();
    // The default name is in the prompt; replace it.
    h.press(&["ctrl-u"]).unwrap();
    h.type_text("pending.csv");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let path = dir.path().join("pending.csv");
    let csv = std::fs::read_to_string(&path).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("sent_at,email,team_id,team_name")
    );
    assert_eq!(lines.count(), shown);
    assert!(csv.contains(",pending,"));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        h.render_text(120, 40)
            .contains(&format!("exported {shown} invitations"))
    );
}

#[tokio::test]
async fn hostile_text_in_the_ledger_is_inert_and_a_ledger_opens_without_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger_file(dir.path());
    let mut ledger = Ledger::open(&path).unwrap();
    ledger
        .record(&[NewInvitation {
            sent_at: NOW_MS - 3_600_000,
            email: "evil\u{1b}]52;c;aGk=\u{7}@x.org".into(),
            team_id: "t1".into(),
            team_name: "team\u{1b}[2J\u{202e}name".into(),
            sender_id: None,
            sender_username: Some("\u{1b}[31mred".into()),
            kind: "member",
            status: "failed",
            status_reason: "bad \u{9b}31m reason".into(),
            source: "mmops",
            said: "said \u{1b}P dcs".into(),
            token_fingerprint: None,
            channels: vec![],
        }])
        .unwrap();
    drop(ledger);
    let mut launch = launch(None, "");
    launch.invites.ledger = Some(path);
    let mut h = on_invites(launch).await;
    let mut screens = vec![h.render_text(80, 24)];
    h.press(&["enter"]).unwrap();
    h.settle().await;
    screens.push(h.render_text(80, 24));
    for screen in &screens {
        assert!(
            !screen
                .chars()
                .any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\u{9b}' || c == '\u{202e}'),
            "{screen}"
        );
    }
    assert!(screens[1].contains("evil"), "{}", screens[1]);
    // Without a server, sending says what it needs.
    h.press(&["esc", "i"]).unwrap();
    assert!(h.render_text(80, 24).contains("needs a server connection"));
}

#[tokio::test]
async fn without_a_server_or_a_ledger_the_tab_says_what_to_give() {
    let mut h = on_invites(launch(None, "")).await;
    let text = h.render_text(80, 24);
    insta::assert_snapshot!("invites_no_ledger_80x24", text);
    assert!(text.contains("No invitation ledger"), "{text}");
}

#[tokio::test]
async fn an_export_never_replaces_a_file_nor_makes_a_directory() {
    let server = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = on_invites(invites_launch(&server, dir.path())).await;
    std::fs::write(dir.path().join("taken.csv"), "mine").unwrap();
    for (name, expected) in [
        ("taken.csv", "exists: give another name"),
        ("no/such/dir.csv", "there is no directory"),
    ] {
        h.press(&["e", "ctrl-u"]).unwrap();
        h.type_text(name);
        h.press(&["enter"]).unwrap();
        h.settle().await;
        let text = h.render_text(120, 40);
        assert!(text.contains(expected), "{text}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("taken.csv")).unwrap(),
        "mine"
    );
    assert!(!dir.path().join("no").exists());
}
