//! The Invites tab's keys and messages through the contract, on a ledger of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::demo::DemoServer;
use crate::tui::testing::{Probe, quiet_demo};

const NOW_MS: i64 = 1_795_339_800_000;

/// A tab on a new ledger in `dir`, without a server.
async fn offline(dir: &std::path::Path) -> (Probe, InvitesTab) {
    let mut probe = Probe::offline(dir, NOW_MS);
    probe.env.invites.ledger = Some(dir.join("ledger.sqlite"));
    let mut tab = InvitesTab::new(&probe.env);
    probe.start(&mut tab);
    probe.settle(&mut tab).await;
    (probe, tab)
}

/// A tab on the demo server with a ledger of its own in `dir` (no database), read; with
/// `install`, the demo's install dir too (its audit log holds the invitations' history).
async fn on_demo(server: &DemoServer, dir: &std::path::Path, install: bool) -> (Probe, InvitesTab) {
    let mut probe = Probe::on_demo(server, dir, NOW_MS);
    probe.env.invites.ledger = Some(dir.join("ledger.sqlite"));
    probe.env.invites.no_database = Some("the demo has none".into());
    if install {
        probe.env.mm_home = Some(crate::host::MmHome::new(
            server.host_dir.clone(),
            crate::host::HomeOrigin::Demo,
        ));
    }
    let mut tab = InvitesTab::new(&probe.env);
    probe.start(&mut tab);
    probe.settle(&mut tab).await;
    (probe, tab)
}

#[tokio::test]
async fn a_new_ledger_opens_empty_and_the_first_showing_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = offline(dir.path()).await;
    assert!(tab.ledger_path().is_some());
    assert!(tab.rows().is_empty());
    probe.with(&mut tab, |tab, ctx| tab.on_show(ctx));
    assert!(tab.syncing.is_some());
    probe.settle(&mut tab).await;
    assert!(tab.syncing.is_none());
    let notice = tab.notice().map(Notice::text).unwrap_or_default();
    assert!(notice.starts_with("synced: 0 invitations"), "{notice}");
    // Shown again: no second sync.
    probe.with(&mut tab, |tab, ctx| tab.on_show(ctx));
    assert_eq!(probe.pending(), 0);
}

#[tokio::test]
async fn without_a_server_sending_and_invalidating_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = offline(dir.path()).await;
    probe.press(&mut tab, &["i"]);
    assert!(!tab.is_form_open());
    let notice = tab.notice().map(Notice::text).unwrap_or_default();
    assert_eq!(notice, "sending invitations needs a server connection");
    probe.press(&mut tab, &["X"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Invites), "no question asked");
}

#[tokio::test]
async fn the_finder_and_the_export_prompt_close_with_esc_and_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = offline(dir.path()).await;
    for close in ["esc", "ctrl-c"] {
        probe.press(&mut tab, &["/"]);
        assert_eq!(tab.focus(), Focus::on(Scope::Prompt));
        probe.press(&mut tab, &["q", "1"]);
        probe.press(&mut tab, &[close]);
        assert_eq!(tab.focus(), Focus::on(Scope::Invites), "{close}");
        assert_eq!(tab.query(), "", "a cancelled find keeps the old query");
    }
    probe.press(&mut tab, &["e"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Prompt));
    probe.press(&mut tab, &["ctrl-c"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Invites));
}

#[tokio::test]
async fn an_export_is_written_in_the_background_and_never_replaces_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = offline(dir.path()).await;
    probe.press(&mut tab, &["e", "ctrl-u"]);
    probe.type_text(&mut tab, "out.json");
    probe.press(&mut tab, &["enter"]);
    probe.deliver(&mut tab).await;
    let notice = tab.notice().map(Notice::text).unwrap_or_default();
    assert!(notice.starts_with("exported 0 invitations to "), "{notice}");
    assert!(dir.path().join("out.json").exists());
    probe.press(&mut tab, &["e", "ctrl-u"]);
    probe.type_text(&mut tab, "out.json");
    probe.press(&mut tab, &["enter"]);
    probe.deliver(&mut tab).await;
    let notice = tab.notice().map(Notice::text).unwrap_or_default();
    assert!(notice.contains("exists: give another name"), "{notice}");
}

#[tokio::test]
async fn invalidating_asks_then_records_and_syncs() {
    let server = quiet_demo(NOW_MS).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = on_demo(&server, dir.path(), false).await;
    probe.press(&mut tab, &["X"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Question));
    probe.press(&mut tab, &["enter"]);
    let notice = tab.notice().map(Notice::text).unwrap_or_default();
    assert_eq!(notice, "nothing was invalidated", "Enter is not a yes");
    probe.press(&mut tab, &["X", "y"]);
    probe.settle(&mut tab).await;
    let notice = tab.notice().map(Notice::text).unwrap_or_default();
    assert!(
        notice.starts_with("every pending email invite was invalidated; synced: "),
        "{notice}"
    );
}

#[tokio::test]
async fn the_send_form_checks_reviews_and_sends_only_on_y() {
    let server = quiet_demo(NOW_MS).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = on_demo(&server, dir.path(), false).await;
    probe.press(&mut tab, &["i"]);
    assert_eq!(tab.focus(), Focus::over(Scope::InviteForm, Scope::Prompt));
    probe.settle(&mut tab).await;
    // The team picker narrows as one types; Enter chooses and moves on.
    probe.type_text(&mut tab, "engin");
    probe.press(&mut tab, &["enter"]);
    let form = tab.send.as_ref().unwrap();
    assert_eq!(form.field, send::Field::Addresses);
    assert_eq!(
        form.chosen_team().map(|t| t.name.as_str()),
        Some("engineering")
    );
    probe.type_text(&mut tab, "ana@example.org, nope");
    probe.press(&mut tab, &["enter", "enter"]);
    let problem = tab
        .send
        .as_ref()
        .and_then(|f| f.problem.as_ref())
        .map(Notice::text);
    assert_eq!(problem.as_deref(), Some("nope is not an email address"));
    probe.press(&mut tab, &["ctrl-w", "backspace", "backspace", "tab"]);
    probe.type_text(&mut tab, "~no-such-channel");
    probe.press(&mut tab, &["enter"]);
    // The channels are looked up first; an unknown one sends the user back to them.
    probe.settle(&mut tab).await;
    let form = tab.send.as_ref().unwrap();
    assert!(matches!(form.stage, send::Stage::Editing));
    assert_eq!(form.field, send::Field::Channels);
    assert!(form.problem.is_some());
    probe.press(&mut tab, &["ctrl-u"]);
    probe.type_text(&mut tab, "town-square");
    probe.press(&mut tab, &["enter"]);
    probe.settle(&mut tab).await;
    assert_eq!(tab.focus(), Focus::on(Scope::Question), "the review asks");
    probe.press(&mut tab, &["enter"]);
    assert_eq!(
        tab.focus(),
        Focus::over(Scope::InviteForm, Scope::Prompt),
        "Enter is not a yes: back to the form"
    );
    probe.press(&mut tab, &["enter"]);
    probe.settle(&mut tab).await;
    probe.press(&mut tab, &["y"]);
    probe.settle(&mut tab).await;
    let form = tab.send.as_ref().unwrap();
    assert!(
        matches!(&form.stage, send::Stage::Done(Ok(sent)) if sent.len() == 1),
        "sent"
    );
    assert_eq!(
        tab.rows()
            .iter()
            .filter(|r| r.invite.email == "ana@example.org")
            .count(),
        1,
        "recorded in the ledger and read again"
    );
    probe.press(&mut tab, &["enter"]);
    assert!(!tab.is_form_open());
}

#[tokio::test]
async fn a_send_goes_on_behind_a_hidden_form_and_says_how_it_went() {
    let server = quiet_demo(NOW_MS).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = on_demo(&server, dir.path(), false).await;
    probe.press(&mut tab, &["i"]);
    probe.settle(&mut tab).await;
    probe.type_text(&mut tab, "engin");
    probe.press(&mut tab, &["enter"]);
    probe.type_text(&mut tab, "late@example.org");
    probe.press(&mut tab, &["enter", "enter"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Question), "the review");
    server
        .set_faults("/api/v4/teams/*/invite/email=latency:400")
        .unwrap();
    probe.press(&mut tab, &["y", "esc"]);
    assert_eq!(
        tab.focus(),
        Focus::on(Scope::Invites),
        "hidden while it sends"
    );
    assert!(!tab.is_form_open());
    // `i` brings the same form back, still sending; a new one is not opened over it.
    probe.press(&mut tab, &["i"]);
    assert_eq!(tab.focus(), Focus::on(Scope::InviteForm));
    assert!(matches!(
        tab.send.as_ref().map(|f| &f.stage),
        Some(send::Stage::Sending)
    ));
    let working = tab.send.as_ref().and_then(send::SendForm::working);
    assert_eq!(
        working.as_deref(),
        Some("Sending 1 invitation to engineering…")
    );
    // While it sends, the footer offers only hiding it.
    let form_keys = &probe.env.keymap.table(Scope::InviteForm).bindings;
    let hints: Vec<&str> = form_keys.iter().filter_map(|b| tab.hint(b)).collect();
    assert_eq!(hints, ["hide"]);
    probe.press(&mut tab, &["esc"]);
    probe.settle(&mut tab).await;
    assert!(tab.send.is_none(), "done: the hidden form goes");
    let notice = tab.notice().map(Notice::text).unwrap_or_default();
    assert_eq!(
        notice,
        "1 invitation sent, 0 refused; recorded in the ledger"
    );
}

#[tokio::test]
async fn an_invalidation_during_a_sync_is_followed_by_a_sync_of_its_own() {
    let server = quiet_demo(NOW_MS).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = on_demo(&server, dir.path(), true).await;
    probe.with(&mut tab, |tab, ctx| tab.on_show(ctx));
    probe.settle(&mut tab).await;
    assert!(tab.pending_invites() > 0, "the demo has pending invites");
    // A sync runs while the invalidation is asked for and done.
    probe.press(&mut tab, &["s", "X", "y"]);
    probe.settle(&mut tab).await;
    assert_eq!(tab.pending_invites(), 0, "the sync after it decided them");
    let notice = tab.notice().map(Notice::text).unwrap_or_default();
    assert!(
        notice.starts_with("every pending email invite was invalidated; synced: "),
        "{notice}"
    );
}
