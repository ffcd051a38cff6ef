//! Config tab: a frame of the tree for a full config renders in 2 ms or less, and search over
//! every path and value answers a keystroke in 5 ms or less.
//!
//! The config is the demo server's (a real-shaped config.json, 379 settings) with the settings
//! of 40 plugins added (1,200 more), every section unfolded, a search active so that matches
//! are highlighted: more than a real server's config, drawn the slowest way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mmops::demo::world::World;
use mmops::server_config::ConfigDoc;
use mmops::server_config::tree::leaf_paths;
use mmops::tui::keys::Action;
use mmops::tui::tabs::config::{ConfigTab, view};
use mmops::tui::theme::Theme;
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

fn loaded_tab() -> (ConfigTab, usize) {
    let config = big_config();
    // A few hundred settings changed, some from the environment, as on a real server.
    let changed: HashSet<String> = leaf_paths(&config).into_iter().step_by(3).collect();
    let env: HashSet<String> = leaf_paths(&config).into_iter().step_by(17).collect();
    let doc = ConfigDoc::new(&config, &[], env, Some(changed), "bench".into(), vec![]);
    let rows = doc.tree.rows.len();
    let mut tab = ConfigTab::new(true);
    let generation = tab.begin_load();
    tab.loaded(generation, Ok(doc), 0);
    (tab, rows)
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn frame(c: &mut Criterion) {
    let (mut tab, rows) = loaded_tab();
    tab.folded.clear();
    tab.refilter();
    tab.perform(Action::Filter);
    for ch in "smtp".chars() {
        tab.handle_key(key(ch));
    }
    tab.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    tab.selected = tab.visible.len() / 2;
    eprintln!(
        "config rows: {rows}, shown: {}, settings: {}",
        tab.visible.len(),
        tab.doc().unwrap().tree.leaves().count()
    );
    let theme = Theme::builtin("dark");
    let area = Rect::new(0, 0, 120, 38);
    c.bench_function("config/frame_120x40_all_open_with_search", |b| {
        b.iter(|| {
            let mut buf = Buffer::empty(area);
            view::render(&mut tab, area, &mut buf, &theme);
            buf
        })
    });
}

fn search(c: &mut Criterion) {
    let (mut tab, _) = loaded_tab();
    tab.perform(Action::Filter);
    for ch in "email".chars() {
        tab.handle_key(key(ch));
    }
    // One keystroke: typing a letter, then taking it back; each re-searches every path and
    // value, opens the first match's sections and recomputes the rows shown.
    let mut add = true;
    c.bench_function("config/search_keystroke", |b| {
        b.iter(|| {
            let event = if add {
                key('s')
            } else {
                KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)
            };
            add = !add;
            tab.handle_key(event)
        })
    });
}

criterion_group!(benches, frame, search);
criterion_main!(benches);
