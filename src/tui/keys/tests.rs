use crossterm::event::{KeyCode, KeyModifiers};

use super::*;

fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

fn key(text: &str) -> KeyEvent {
    KeyCombo::parse(text).expect("a key").to_event()
}

#[test]
fn the_embedded_defaults_load_and_name_every_scope() {
    let keymap = Keymap::from_toml(DEFAULTS, "keymap.toml").expect("the defaults load");
    assert_eq!(keymap, Keymap::default());
    for &scope in Scope::all() {
        assert!(
            !keymap.table(scope).bindings.is_empty(),
            "[{}] has no keys",
            scope.name()
        );
    }
    for (scope, binding) in keymap.describe() {
        assert!(
            !binding.keys.is_empty(),
            "[{}] {} has no keys",
            scope.name(),
            binding.action.name()
        );
        assert!(
            !binding.description.is_empty(),
            "[{}] {} is not described",
            scope.name(),
            binding.action.name()
        );
    }
}

#[test]
fn names_come_from_the_enums() {
    assert_eq!(Action::NextTab.name(), "next_tab");
    assert_eq!(Action::TabServer.name(), "tab_server");
    assert_eq!(
        Action::from_str("invalidate_invites"),
        Ok(Action::InvalidateInvites)
    );
    assert_eq!(Scope::LogsDetail.name(), "logs_detail");
    assert_eq!(Scope::from_str("prompt"), Ok(Scope::Prompt));
}

#[test]
fn the_documented_keymap_loads_back_to_the_defaults() {
    let text = Keymap::default().to_documented_toml();
    let loaded = Keymap::default()
        .with_overrides(&text, "generated")
        .expect("the generated keymap parses");
    assert_eq!(loaded, Keymap::default());
    for (scope, binding) in Keymap::default().describe() {
        assert!(
            text.contains(&format!("{} = [", binding.action.name())),
            "{} {} is missing",
            scope.name(),
            binding.action.name()
        );
        for key in &binding.keys {
            assert_eq!(KeyCombo::parse(&key.spelling()), Ok(*key));
        }
    }
}

#[test]
fn movements_stay_inside_the_rows() {
    assert_eq!(Action::Down.select(4, 5, 10), 4);
    assert_eq!(Action::Up.select(0, 5, 10), 0);
    assert_eq!(Action::PageDown.select(1, 50, 10), 11);
    assert_eq!(Action::PageUp.select(3, 50, 10), 0);
    assert_eq!(Action::Bottom.select(0, 0, 10), 0);
    assert_eq!(Action::Bottom.select(0, 7, 0), 6);
    assert_eq!(Action::Open.select(3, 7, 10), 3);
    assert_eq!(Action::Bottom.scroll(2), u16::MAX);
    assert_eq!(Action::Up.scroll(0), 0);
    assert_eq!(Action::Yank.scroll(5), 5);
}

#[test]
fn one_rule_for_ctrl_c_esc_and_q() {
    let keymap = Keymap::default();
    let ctrl_c = ev(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let esc = key("esc");
    for &scope in Scope::all().iter().filter(|s| s.is_modal()) {
        let focus = Focus::on(scope);
        assert_eq!(
            keymap.resolve(focus, &ctrl_c),
            KeyMeaning::Action(Action::Close),
            "Ctrl-C in [{}]",
            scope.name()
        );
        assert_eq!(
            keymap.resolve(focus, &esc),
            KeyMeaning::Action(Action::Close),
            "Esc in [{}]",
            scope.name()
        );
    }
    for scope in [
        Scope::Server,
        Scope::Plugins,
        Scope::Logs,
        Scope::Config,
        Scope::Invites,
    ] {
        for quit in [&ctrl_c, &key("q")] {
            assert_eq!(
                keymap.resolve(Focus::on(scope), quit),
                KeyMeaning::Global(Action::Quit),
                "{quit:?} in [{}]",
                scope.name()
            );
        }
    }
}

#[test]
fn prompts_take_characters_and_pass_only_suspend() {
    let keymap = Keymap::default();
    let prompt = Focus::on(Scope::Prompt);
    assert_eq!(keymap.resolve(prompt, &key("q")), KeyMeaning::Text('q'));
    assert_eq!(keymap.resolve(prompt, &key("?")), KeyMeaning::Text('?'));
    assert_eq!(keymap.resolve(prompt, &key("1")), KeyMeaning::Text('1'));
    assert_eq!(
        keymap.resolve(prompt, &key("enter")),
        KeyMeaning::Action(Action::Submit)
    );
    assert_eq!(
        keymap.resolve(prompt, &key("ctrl-z")),
        KeyMeaning::Global(Action::Suspend)
    );
    assert_eq!(keymap.resolve(prompt, &key("f1")), KeyMeaning::Nothing);
    // A form's own keys come before the field's.
    let form = Focus::over(Scope::InviteForm, Scope::Prompt);
    assert_eq!(
        keymap.resolve(form, &key("tab")),
        KeyMeaning::Action(Action::NextField)
    );
    assert_eq!(
        keymap.resolve(form, &key("left")),
        KeyMeaning::Action(Action::CursorLeft)
    );
    assert_eq!(keymap.resolve(form, &key("x")), KeyMeaning::Text('x'));
}

#[test]
fn a_question_hears_no_in_any_other_key() {
    let keymap = Keymap::default();
    let question = Focus::on(Scope::Question);
    assert_eq!(
        keymap.resolve(question, &key("y")),
        KeyMeaning::Action(Action::Confirm)
    );
    for other in ["enter", "Y", "j", "q", "1"] {
        assert_eq!(
            keymap.resolve(question, &key(other)),
            KeyMeaning::Action(Action::Close),
            "{other}"
        );
    }
}

#[test]
fn the_packet_dialog_lets_help_through() {
    let keymap = Keymap::default();
    let packet = Focus::on(Scope::Packet);
    assert_eq!(
        keymap.resolve(packet, &key("?")),
        KeyMeaning::Global(Action::Help)
    );
    assert_eq!(keymap.resolve(packet, &key("q")), KeyMeaning::Nothing);
    assert_eq!(keymap.resolve(packet, &key("3")), KeyMeaning::Nothing);
}

#[test]
fn user_overrides_replace_keys_and_words() {
    let keymap = Keymap::default()
        .with_overrides(
            "[global]\nquit = [\"ctrl-q\"]\n[server]\nrefresh = { keys = [\"Z\"], hint = \"again\" }\n\
             [prompt]\nclose = { help = \"Give up\" }\n",
            "test",
        )
        .expect("valid overrides");
    let global = keymap.table(Scope::Global);
    assert_eq!(
        global.action_for(&ev(KeyCode::Char('q'), KeyModifiers::NONE)),
        None
    );
    assert_eq!(
        global.action_for(&ev(KeyCode::Char('q'), KeyModifiers::CONTROL)),
        Some(Action::Quit)
    );
    let server = keymap.table(Scope::Server);
    assert_eq!(
        server.action_for(&ev(KeyCode::Char('Z'), KeyModifiers::SHIFT)),
        Some(Action::Refresh)
    );
    assert_eq!(server.bindings[0].hint.as_deref(), Some("again"));
    let prompt = keymap.table(Scope::Prompt);
    let close = prompt.bindings.iter().find(|b| b.action == Action::Close);
    assert_eq!(close.map(|b| b.description.as_str()), Some("Give up"));
    assert_eq!(prompt.keys_for(Action::Close).len(), 2, "keys kept");
}

#[test]
fn bad_overrides_say_what_is_wrong() {
    let refused = |text: &str| {
        Keymap::default()
            .with_overrides(text, "k.toml")
            .expect_err("refused")
            .to_string()
    };
    assert!(refused("[nowhere]\nquit=[\"q\"]\n").contains("[nowhere]"));
    assert!(refused("[global]\nfly=[\"q\"]\n").contains("fly"));
    assert!(refused("[global]\nquit=[\"hyper-q\"]\n").contains("hyper"));
    assert!(refused("[global]\nquit=7\n").contains("a list of keys"));
    // An action that exists, but not in that table.
    assert!(refused("[server]\nyank=[\"y\"]\n").contains("[server] has no action 'yank'"));
}

#[test]
fn conflicting_keymaps_are_refused() {
    let refused = |text: &str| {
        Keymap::default()
            .with_overrides(text, "k")
            .expect_err("refused")
            .to_string()
    };
    let err = refused("[global]\nquit = []\n");
    assert!(err.contains("quit needs at least one key"), "{err}");
    let err = refused("[server]\nrefresh = [\"j\"]\n");
    assert!(err.contains("bound to both refresh and down"), "{err}");
    let err = refused("[server]\nrefresh = [\"1\"]\n");
    assert!(err.contains("which is [global] tab_server"), "{err}");
    let err = refused("[global]\nquit = [\"j\"]\n");
    assert!(err.contains("[server] down uses j"), "{err}");
    let err = refused("[packet]\nclose = []\n");
    assert!(
        err.contains("[packet] close needs at least one key"),
        "{err}"
    );
    let err = refused("[prompt]\nsubmit = [\"s\"]\n");
    assert!(err.contains("could then no longer be typed"), "{err}");
    let err = refused("[invite_form]\nnext_field = [\"j\"]\n");
    assert!(err.contains("could then no longer be typed"), "{err}");
    let err = refused("[logs_detail]\nclose = []\n");
    assert!(
        err.contains("[logs_detail] close needs at least one key"),
        "{err}"
    );
}
