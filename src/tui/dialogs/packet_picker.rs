//! Choosing a support packet in the console (`O`, `C`): the zips in the directory packets are
//! written to and in the Downloads folder, newest first, narrowed by typing; a typed path opens
//! any other file. `O` opens the chosen packet read-only in every tab (and, over a packet,
//! offers the way back to the server); `C` compares it with the server as it is now, or with
//! the packet open, and shows the difference.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::packet_compare::PacketCompareDialog;
use crate::error::Error;
use crate::packet::compare::{Summary, difference, summarize, summarize_live, text_report};
use crate::packet::open::Packet;
use crate::text::{inert, one_line};
use crate::timefmt::bytes;
use crate::tui::jobs::blocking;
use crate::tui::keys::{Action, Focus, Scope};
use crate::tui::view::{Ctx, Switch, Ui, View};
use crate::tui::widgets::picker::{Pick, PickItem, Picker};
use crate::tui::widgets::{dialog_area, dialog_block};

/// At most this many zips are listed (the newest).
const MAX_LISTED: usize = 500;
/// The key of the picker's "back to the server" row (the others are indexes).
const BACK: &str = "";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Show the packet in every tab.
    Open,
    /// Compare it with the server, or with the packet open.
    Compare,
}

/// A zip found in one of the folders looked in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    pub size: u64,
    pub modified_ms: i64,
}

#[derive(Debug)]
enum Stage {
    Finding,
    Choosing,
    /// Opening or comparing: what is being done.
    Working(String),
}

pub enum Msg {
    Found(Result<Vec<Candidate>, Error>),
    Opened(Result<Arc<Packet>, Error>),
    Compared(Result<(String, String), Error>),
}

pub struct PacketPicker {
    purpose: Purpose,
    stage: Stage,
    picker: Picker,
    /// The zips listed; the picker's keys are their indexes (a path need not be UTF-8).
    candidates: Vec<Candidate>,
    /// Where it looked, for the empty list's words.
    folders: Vec<PathBuf>,
    /// What went wrong with the last choice.
    problem: Option<String>,
}

impl PacketPicker {
    pub fn new(purpose: Purpose, folders: Vec<PathBuf>) -> Self {
        Self {
            purpose,
            stage: Stage::Finding,
            picker: Picker::default(),
            candidates: Vec::new(),
            folders,
            problem: None,
        }
    }

    /// The folders a packet is looked for in: where mmops writes packets, and Downloads.
    pub fn folders(packet_dir: &Path) -> Vec<PathBuf> {
        let mut folders = vec![packet_dir.to_path_buf()];
        if let Some(downloads) =
            directories::UserDirs::new().and_then(|dirs| dirs.download_dir().map(Path::to_path_buf))
            && !folders.contains(&downloads)
        {
            folders.push(downloads);
        }
        folders
    }

    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    pub fn listed(&self) -> usize {
        self.picker.shown_len()
    }

    fn items(&self, candidates: &[Candidate], returns_to: Option<&str>) -> Vec<PickItem> {
        let back = returns_to
            .filter(|_| self.purpose == Purpose::Open)
            .map(|server| PickItem {
                key: BACK.to_string(),
                label: "← back to the server".to_string(),
                detail: inert(server).into_owned(),
            });
        back.into_iter()
            .chain(candidates.iter().enumerate().map(|(i, c)| {
                PickItem {
                    key: i.to_string(),
                    label: c
                        .path
                        .file_name()
                        .map(|n| inert(&n.to_string_lossy()).into_owned())
                        .unwrap_or_default(),
                    detail: format!(
                        "{} · {} · {}",
                        bytes(c.size),
                        crate::timefmt::utc_minute(c.modified_ms),
                        inert(
                            &c.path
                                .parent()
                                .map(|p| p.display().to_string())
                                .unwrap_or_default()
                        )
                    ),
                }
            }))
            .collect()
    }

    /// A listed zip (by its index) or a typed path.
    fn choose(&mut self, chosen: Chosen, ctx: &mut Ctx<'_, Msg>) {
        let path = match chosen {
            Chosen::Back => {
                ctx.switch(Switch::BackToServer);
                return;
            }
            Chosen::Listed(i) => match self.candidates.get(i) {
                Some(candidate) => candidate.path.clone(),
                None => return,
            },
            Chosen::Typed(text) => expand_home(text.trim()),
        };
        self.problem = None;
        let name = path
            .file_name()
            .map(|n| inert(&n.to_string_lossy()).into_owned())
            .unwrap_or_default();
        // Every look at the file is off the event loop: a typed path may be on a hung mount.
        let open = move || {
            if !path.is_file() {
                return Err(Error::Words(format!(
                    "{} is not a file",
                    inert(&path.display().to_string())
                )));
            }
            Packet::open(&path).map_err(Error::from)
        };
        match self.purpose {
            Purpose::Open => {
                self.stage = Stage::Working(format!("opening {name}"));
                ctx.spawn(Msg::Opened, blocking(move || open().map(Arc::new)));
            }
            Purpose::Compare => {
                self.stage = Stage::Working(format!("reading {name} and comparing"));
                let open_now = ctx.env.packet.clone();
                let client = ctx.env.client.clone();
                let now_ms = ctx.now_ms();
                ctx.spawn(Msg::Compared, async move {
                    let chosen = blocking(move || open().map(|p| summarize(&p)));
                    match (open_now, client) {
                        (Some(open_now), _) => {
                            let (chosen, now) = futures::join!(
                                chosen,
                                blocking(move || Ok::<_, Error>(summarize(&open_now)))
                            );
                            Ok(report_oldest_first(chosen?, now?))
                        }
                        (None, Some(client)) => {
                            let (chosen, live) =
                                futures::join!(chosen, summarize_live(&client, now_ms));
                            Ok(report(&chosen?, &live))
                        }
                        (None, None) => Err(Error::Words(
                            "nothing to compare with: no server and no packet open".into(),
                        )),
                    }
                });
            }
        }
    }
}

/// What was chosen in the picker.
enum Chosen {
    Back,
    Listed(usize),
    Typed(String),
}

/// The title and the report of A against B.
fn report(a: &Summary, b: &Summary) -> (String, String) {
    let title = format!(" {} → {} ", a.file, b.file);
    (title, text_report(a, b, &difference(a, b)))
}

/// Two packets: the older is A, so that "new in B" means new since.
fn report_oldest_first(x: Summary, y: Summary) -> (String, String) {
    if y.taken_ms.unwrap_or(i64::MIN) < x.taken_ms.unwrap_or(i64::MIN) {
        report(&y, &x)
    } else {
        report(&x, &y)
    }
}

/// `~/x.zip` as the shell would read it.
fn expand_home(typed: &str) -> PathBuf {
    match typed.strip_prefix("~/") {
        Some(rest) => directories::BaseDirs::new()
            .map(|dirs| dirs.home_dir().join(rest))
            .unwrap_or_else(|| PathBuf::from(typed)),
        None => PathBuf::from(typed),
    }
}

/// The zips in `folders`, newest first, each once.
pub fn find_candidates(folders: &[PathBuf]) -> Vec<Candidate> {
    let mut found: Vec<Candidate> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_zip = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
            // A symlink to a zip counts (metadata follows it).
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if !is_zip || !meta.is_file() {
                continue;
            }
            let identity = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if !seen.insert(identity) {
                continue;
            }
            let modified_ms = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_millis() as i64);
            found.push(Candidate {
                path,
                size: meta.len(),
                modified_ms,
            });
        }
    }
    found.sort_by(|a, b| b.modified_ms.cmp(&a.modified_ms).then(a.path.cmp(&b.path)));
    found.truncate(MAX_LISTED);
    found
}

impl View for PacketPicker {
    type Msg = Msg;

    fn title(&self) -> &str {
        match self.purpose {
            Purpose::Open => "Open a packet",
            Purpose::Compare => "Compare with a packet",
        }
    }

    fn focus(&self) -> Focus {
        Focus::on(Scope::Prompt)
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let folders = self.folders.clone();
        ctx.spawn(
            Msg::Found,
            blocking(move || Ok::<_, Error>(find_candidates(&folders))),
        );
    }

    fn on_text(&mut self, text: &str, _ctx: &mut Ctx<'_, Msg>) {
        if matches!(self.stage, Stage::Choosing) {
            self.picker.type_text(text);
            self.problem = None;
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        if action == Action::Close {
            ctx.close();
            return;
        }
        if !matches!(self.stage, Stage::Choosing) {
            return;
        }
        let submitted = action == Action::Submit;
        match self.picker.apply(action) {
            Pick::Chosen(key) if key == BACK => self.choose(Chosen::Back, ctx),
            Pick::Chosen(key) => {
                if let Ok(i) = key.parse() {
                    self.choose(Chosen::Listed(i), ctx);
                }
            }
            Pick::Cancelled => ctx.close(),
            // Enter with nothing listed: what was typed is a path.
            Pick::Open if submitted && !self.picker.typed().trim().is_empty() => {
                let typed = self.picker.typed().to_string();
                self.choose(Chosen::Typed(typed), ctx);
            }
            Pick::Open => {}
        }
    }

    fn on_msg(&mut self, msg: Msg, ctx: &mut Ctx<'_, Msg>) {
        match msg {
            Msg::Found(found) => {
                self.candidates = found.unwrap_or_default();
                self.picker =
                    Picker::new(self.items(&self.candidates, ctx.env.returns_to.as_deref()));
                self.stage = Stage::Choosing;
            }
            Msg::Opened(Ok(packet)) => ctx.switch(Switch::ToPacket(packet)),
            Msg::Compared(Ok((title, report))) => {
                ctx.open_dialog(Box::new(PacketCompareDialog::new(title, report)));
                ctx.close();
            }
            Msg::Opened(Err(err)) | Msg::Compared(Err(err)) => {
                self.problem = Some(crate::error::with_causes(&err));
                self.stage = Stage::Choosing;
            }
        }
    }

    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        let theme = ui.theme;
        let rect = dialog_area(area, buf, (110, 24), 6);
        let title = match self.purpose {
            Purpose::Open => " Open a support packet (read-only) ",
            Purpose::Compare => " Compare with a support packet ",
        };
        let block = dialog_block(title, theme);
        let inner = block.inner(rect);
        block.render(rect, buf);
        let text_width = usize::from(inner.width);
        let mut head: Vec<Line> = Vec::new();
        let intro = match self.purpose {
            Purpose::Open => "Enter opens it in every tab. Type to narrow, or a path.",
            Purpose::Compare => "Enter compares it with the server now, or the packet open.",
        };
        head.push(Line::styled(one_line(intro, text_width), theme.muted));
        if let Some(problem) = &self.problem {
            head.push(Line::styled(one_line(problem, text_width), theme.error));
        }
        match &self.stage {
            Stage::Finding => head.push(Line::styled("looking for packets…", theme.muted)),
            Stage::Working(what) => head.push(Line::styled(format!("{what}…"), theme.info)),
            Stage::Choosing if self.picker.is_empty() => head.push(Line::styled(
                one_line(
                    &format!(
                        "No zip in {}: type a path.",
                        self.folders
                            .iter()
                            .map(|f| inert(&f.display().to_string()).into_owned())
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                    text_width,
                ),
                theme.muted,
            )),
            Stage::Choosing => {}
        }
        let head_rows = u16::try_from(head.len())
            .unwrap_or(u16::MAX)
            .min(inner.height);
        Paragraph::new(head)
            .style(theme.base)
            .wrap(Wrap { trim: false })
            .render(
                Rect {
                    height: head_rows,
                    ..inner
                },
                buf,
            );
        let list = Rect {
            y: inner.y + head_rows,
            height: inner.height.saturating_sub(head_rows),
            ..inner
        };
        self.picker
            .render(list, buf, theme, matches!(self.stage, Stage::Choosing));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zips_newest_first_each_once() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.zip");
        let new = dir.path().join("new.ZIP");
        std::fs::write(&old, b"x").unwrap();
        std::fs::write(&new, b"yy").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"z").unwrap();
        std::fs::create_dir(dir.path().join("folder.zip")).unwrap();
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(past)
            .unwrap();
        let folders = vec![dir.path().to_path_buf(), dir.path().join(".")];
        let found = find_candidates(&folders);
        let names: Vec<_> = found
            .iter()
            .map(|c| c.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["new.ZIP", "old.zip"]);
        assert_eq!(found[0].size, 2);
        assert!(find_candidates(&[dir.path().join("missing")]).is_empty());
    }

    #[test]
    fn a_typed_home_path_is_expanded() {
        let home = directories::BaseDirs::new()
            .unwrap()
            .home_dir()
            .to_path_buf();
        assert_eq!(expand_home("~/p.zip"), home.join("p.zip"));
        assert_eq!(expand_home("/x/p.zip"), PathBuf::from("/x/p.zip"));
    }
}
