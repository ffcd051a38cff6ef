//! Every scope of the keymap, reached in the real console on the demo server: each binding's
//! keys do its action there (nothing in front of them takes the key), and `?` lists every
//! binding with its keys and words.

use std::path::Path;
use std::time::Duration;

use crate::common::Tabs;
use crate::common::*;
use mmops::demo::DemoServer;
use mmops::host::{HomeOrigin, MmHome};
use mmops::tui::keys::{Focus, KeyCombo, KeyMeaning, Keymap, Scope};
use mmops::tui::tabs::invites::InvitesLaunch;
use mmops::tui::testing::Harness;
use mmops::tui::{App, Launch};

/// The demo console with its install, a ledger and snapshots of its own in `dir`.
fn full_launch(server: &DemoServer, dir: &Path) -> Launch {
    let mut launch = launch(Some(admin(server)), "DEMO");
    launch.mm_home = Some(MmHome::new(server.host_dir.clone(), HomeOrigin::Demo));
    launch.packet_dir = dir.to_path_buf();
    // A packet to compare with (C).
    crate::packet_open::flat_9x(dir);
    launch.snapshot_dir = dir.join("snapshots");
    launch.invites = InvitesLaunch {
        ledger: Some(dir.join("ledger.sqlite")),
        data_dir: None,
        db_url: None,
        no_database: Some("the demo server has no database".into()),
    };
    // A fleet of one profile, this server (F).
    let config = dir.join("fleet.toml");
    let token = dir.join("fleet.token");
    std::fs::write(&token, &server.token).unwrap();
    std::fs::write(
        &config,
        format!(
            "[profiles.demo]\nurl = \"{}\"\ntoken_file = \"{}\"\n",
            server.url,
            token.display()
        ),
    )
    .unwrap();
    launch.fleet = Some(mmops::commands::fleet::fleet_launch(
        &mmops::config::Paths::resolve(Some(&config)),
        &Default::default(),
        Default::default(),
        false,
    ));
    launch
}

/// The keys that lead from the start (the Server tab, loaded) to `scope`.
fn path_to(scope: Scope) -> &'static [&'static str] {
    match scope {
        Scope::Global | Scope::Server => &["1"],
        Scope::Help => &["?"],
        Scope::Plugins => &["2"],
        Scope::PluginDetail => &["2", "enter"],
        Scope::Logs => &["3"],
        Scope::LogsDetail => &["3", "g", "enter"],
        Scope::LogsLevels => &["3", "L"],
        Scope::LogsPatterns => &["3", "u"],
        Scope::Config => &["4"],
        Scope::ConfigCompare => &["4", "S", "c", "enter"],
        Scope::Invites => &["5"],
        Scope::InviteDetail => &["5", "enter"],
        Scope::InviteMembers => &["5", "m"],
        Scope::InviteForm => &["5", "i"],
        Scope::Doctor => &["6"],
        Scope::Packet => &["p"],
        Scope::PacketCompare => &["C", "enter"],
        Scope::Fleet => &["F"],
        Scope::FleetForm => &["F", "a"],
        Scope::Prompt => &["3", "/"],
        Scope::Question => &["5", "X"],
    }
}

/// Presses the keys one at a time and waits for what each started (and for log lines on the
/// Logs tab), as a user would.
async fn walk(h: &mut Harness, keys: &[&str]) {
    for key in keys {
        h.press(&[key]).unwrap();
        h.settle().await;
        if h.app.active_title() == "Logs" {
            h.pump_until(Duration::from_secs(20), |app| {
                !app.logs().store().is_empty()
            })
            .await;
        }
    }
}

/// What a key does with `focus`, as the first table that binds it says.
fn first_binding(keymap: &Keymap, focus: Focus, key: &KeyCombo) -> String {
    format!("{:?}", keymap.resolve(focus, &key.to_event()))
}

/// Checks that `scope` is where the keyboard is and that each of its keys does its action
/// there; and that every other table in the focus (a form's fields, the global table past a
/// plain view) keeps at least one working key for each action (a mode may take `q` from quit
/// on purpose, but quit must stay reachable).
fn check_scope(app: &App, scope: Scope) {
    let focus = app.focus();
    let global = (!focus.is_modal()).then_some(Scope::Global);
    let reached: Vec<Scope> = focus.scopes().chain(global).collect();
    assert!(
        reached.contains(&scope),
        "[{}] not reached: {focus:?}",
        scope.name()
    );
    for table in reached {
        check_table(app, focus, table, table == scope);
    }
}

/// With `every_key`, each key of each binding must do its action; without, one key will do.
fn check_table(app: &App, focus: Focus, scope: Scope, every_key: bool) {
    let keymap = app.keymap();
    for binding in &keymap.table(scope).bindings {
        let works = |key: &KeyCombo| match keymap.resolve(focus, &key.to_event()) {
            KeyMeaning::Global(action) => scope == Scope::Global && action == binding.action,
            KeyMeaning::Action(action) => scope != Scope::Global && action == binding.action,
            KeyMeaning::Text(_) | KeyMeaning::Nothing => false,
        };
        let broken: Vec<&KeyCombo> = binding.keys.iter().filter(|k| !works(k)).collect();
        let fine = if every_key {
            broken.is_empty()
        } else {
            broken.len() < binding.keys.len()
        };
        assert!(
            fine,
            "[{}] {} is not reachable on {}: {}",
            scope.name(),
            binding.action.name(),
            broken
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            broken
                .first()
                .map(|k| first_binding(keymap, focus, k))
                .unwrap_or_default()
        );
    }
}

#[tokio::test]
async fn every_binding_of_every_scope_is_reachable_where_its_scope_is() {
    let server = demo().await;
    for &scope in Scope::all() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = Harness::start(full_launch(&server, dir.path()));
        h.settle().await;
        walk(&mut h, path_to(scope)).await;
        check_scope(&h.app, scope);
    }
}

#[tokio::test]
async fn the_help_lists_every_binding_and_starts_with_the_keys_of_the_view() {
    let server = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::start(full_launch(&server, dir.path()));
    h.settle().await;
    walk(&mut h, &["3", "?"]).await;
    // The overlay's lines, without the view drawn around it.
    let text: String = h
        .render_text(120, 400)
        .lines()
        .filter_map(|line| {
            let (start, end) = (line.find('║')?, line.rfind('║')?);
            (end > start).then(|| line[start + '║'.len_utf8()..end].trim().to_string() + "\n")
        })
        .collect();
    let first = text.lines().find(|l| !l.is_empty()).unwrap_or_default();
    assert_eq!(first, "Logs tab", "{text}");
    let keymap = Keymap::default();
    for &scope in Scope::all().iter().filter(|s| **s != Scope::Help) {
        assert!(
            text.contains(scope.title()),
            "{} missing:\n{text}",
            scope.title()
        );
        for binding in &keymap.table(scope).bindings {
            let keys: Vec<String> = binding.keys.iter().map(ToString::to_string).collect();
            let row = format!("{:<18}{}", keys.join(", "), binding.description);
            // A long description is cut at the overlay's edge; its start is enough.
            let shown: String = row.chars().take(50).collect();
            assert!(
                text.contains(shown.trim_end()),
                "[{}] {} not in the help: {shown:?}",
                scope.name(),
                binding.action.name()
            );
        }
    }
    // Ctrl-C closes the help like any dialog, and does not quit.
    h.press(&["ctrl-c"]).unwrap();
    assert!(!h.app.should_quit());
    assert_eq!(h.app.focus(), Focus::on(Scope::Logs));
}

#[tokio::test]
async fn ctrl_c_closes_what_is_open_and_quits_only_from_a_plain_view() {
    let server = demo().await;
    let opened: [&[&str]; 7] = [
        &["3", "/"],
        &["3", "L"],
        &["4", "/"],
        &["5", "i"],
        &["5", "X"],
        &["p"],
        &["2", "D"],
    ];
    for keys in opened {
        let dir = tempfile::tempdir().unwrap();
        let mut h = Harness::start(full_launch(&server, dir.path()));
        h.settle().await;
        walk(&mut h, keys).await;
        assert!(h.app.focus().is_modal(), "{keys:?} opened something");
        h.press(&["ctrl-c"]).unwrap();
        assert!(!h.app.should_quit(), "{keys:?}: Ctrl-C closed it");
        assert!(!h.app.focus().is_modal(), "{keys:?}: closed");
        h.press(&["ctrl-c"]).unwrap();
        assert!(h.app.should_quit(), "{keys:?}: then Ctrl-C quits");
    }
}
