//! Config tab: a frame of the tree for a full config renders in 2 ms or less, and search over
//! every path and value answers a keystroke in 5 ms or less.
//!
//! The config is the demo server's (a real-shaped config.json, 379 settings) with the settings
//! of 40 plugins added (1,200 more), every section unfolded, a search active so that matches
//! are highlighted: more than a real server's config, drawn the slowest way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use criterion::{Criterion, criterion_group, criterion_main};
use mmops::demo::world::World;
use mmops::server_config::ConfigDoc;
use mmops::server_config::tree::leaf_paths;
use mmops::tui::keys::{Action, Keymap};
use mmops::tui::tabs::config::{ConfigTab, Msg};
use mmops::tui::testing::Probe;
use mmops::tui::theme::Theme;
use mmops::tui::view::{Ui, View};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::{Value, json};

fn big_config() -> Value {
    let mut config = World::generate(7, 1_795_339_800_000).config;
    let plugins = config
        .pointer_mut("/PluginSettings/Plugins")
        .and_then(Value::as_object_mut)
        .unwrap();
    for p in 0..40 {
        let mut settings = serde_json::Map::new();
        for k in 0..30 {
            settings.insert(
                format!("setting{k}"),
                json!(format!(
                    "value {k} of plugin {p}: https://example.com/{p}/{k}"
                )),
            );
        }
        plugins.insert(format!("com.example.plugin{p}"), Value::Object(settings));
    }
    config
}

/// The tab with the config loaded, driven through the contract by a probe.
fn loaded_tab() -> (Probe, ConfigTab, usize) {
    let config = big_config();
    // A few hundred settings changed, some from the environment, as on a real server.
    let changed: HashSet<String> = leaf_paths(&config).into_iter().step_by(3).collect();
    let env: HashSet<String> = leaf_paths(&config).into_iter().step_by(17).collect();
    let doc = ConfigDoc::new(&config, &[], env, Some(changed), "bench".into(), vec![]);
    let rows = doc.tree.rows.len();
    let mut probe = Probe::offline(&std::env::temp_dir(), 0);
    let mut tab = ConfigTab::new(&probe.env);
    probe.with(&mut tab, |tab, ctx| tab.on_msg(Msg::Loaded(Ok(doc)), ctx));
    (probe, tab, rows)
}

fn frame(c: &mut Criterion) {
    let (mut probe, mut tab, rows) = loaded_tab();
    // Every section open, a search with matches highlighted, the selection in the middle.
    probe.press(&mut tab, &["z", "/", "s", "m", "t", "p", "enter"]);
    let shown = tab.shown_paths().count();
    for _ in 0..(shown / 2) {
        probe.press(&mut tab, &["j"]);
    }
    eprintln!(
        "config rows: {rows}, shown: {shown}, settings: {}",
        tab.doc().unwrap().tree.leaves().count()
    );
    let theme = Theme::builtin("dark");
    let keymap = Keymap::default();
    let ui = Ui {
        theme: &theme,
        keymap: &keymap,
        now_ms: 0,
    };
    let area = Rect::new(0, 0, 120, 38);
    c.bench_function("config/frame_120x40_all_open_with_search", |b| {
        b.iter(|| {
            let mut buf = Buffer::empty(area);
            tab.draw(area, &mut buf, &ui);
            buf
        })
    });
}

fn search(c: &mut Criterion) {
    let (mut probe, mut tab, _) = loaded_tab();
    probe.press(&mut tab, &["/"]);
    probe.type_text(&mut tab, "email");
    // One keystroke: typing a letter, then taking it back; each re-searches every path and
    // value, opens the first match's sections and recomputes the rows shown.
    let mut add = true;
    c.bench_function("config/search_keystroke", |b| {
        b.iter(|| {
            if add {
                probe.type_text(&mut tab, "s");
            } else {
                probe.with(&mut tab, |tab, ctx| tab.on_action(Action::DeleteBack, ctx));
            }
            add = !add;
        })
    });
}

criterion_group!(benches, frame, search);
criterion_main!(benches);
