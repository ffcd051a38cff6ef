//! The capture dialog (`R`): what the start will do and a yes; on the second `R` (or at the
//! time limit) the levels put back and a line on what was reproduced, then the packet dialog
//! with the capture's files; at start-up, a capture an mmops left unfinished and the offer to
//! put its levels back.
//!
//! A running capture lives in the status bar ([`Status::capture`]); this dialog only starts and
//! stops it. While it talks to the server it cannot be closed: a start or a stop whose answer
//! were dropped would leave the bar saying the wrong thing.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::packet::{PacketCapture, PacketDialog};
use crate::capture::{Blocked, Capture, Outcome, Plan, Start, Stopped};
use crate::error::Error;
use crate::text::inert;
use crate::timefmt::{duration_ms, utc_clock};
use crate::tui::env::Env;
use crate::tui::keys::{Action, Binding, Focus, Scope};
use crate::tui::status::{Message, RunningCapture, Status};
use crate::tui::view::{Ctx, Signal, Ui, View};
use crate::tui::widgets::input::{Edit, Input};
use crate::tui::widgets::{dialog_area, dialog_block, yes_no};

pub enum Stage {
    /// Asking the server what the start would do.
    Checking,
    /// The plan, waiting for a yes.
    Confirm(Box<Plan>),
    /// The server refused the change: capture at the current level instead?
    Refused { plan: Box<Plan>, error: Error },
    /// Starting on this plan (kept to offer the current level if the server refuses).
    Starting(Box<Plan>),
    /// Putting the levels back.
    Stopping,
    /// Stopped: a line on what was reproduced, then the packet.
    Describe { stopped: Box<Stopped>, input: Input },
    /// A capture an mmops left running when it died: put its levels back?
    Unfinished(Box<Capture>),
    /// Something went wrong; `what` says what it means for the capture.
    Failed { what: &'static str, error: Error },
    /// Nothing to do here but read and close.
    Note(String),
}

pub enum Msg {
    Planned(Result<Plan, Error>),
    Started(Result<Capture, Error>),
    Stopped(Result<Stopped, Error>),
}

pub struct CaptureDialog {
    pub stage: Stage,
    /// The capture being stopped (from the bar, or an unfinished one).
    stopping: Option<Capture>,
    /// Stopped by the time limit, not by the admin.
    time_limit: bool,
    /// How long a capture may run, for the plan's words.
    max_minutes: u32,
}

impl CaptureDialog {
    fn at(stage: Stage) -> Self {
        Self {
            stage,
            stopping: None,
            time_limit: false,
            max_minutes: crate::capture::DEFAULT_MAX_MINUTES,
        }
    }

    /// The dialog `R` opens: the start, or the stop of the capture running; or why neither.
    pub fn for_key(env: &Env, status: &Status) -> Result<Self, String> {
        if env.packet.is_some() {
            return Err(if status.capture.is_some() {
                "the capture runs on the server: O goes back to it, where R stops it".into()
            } else {
                "a support packet is open: a capture needs a server (O goes back to it)".into()
            });
        }
        if env.client.is_none() {
            return Err(
                "a capture changes the server's log level: it needs a server connection".into(),
            );
        }
        if env.capture.file.is_none() {
            return Err("captures are not available in this console".into());
        }
        let mut dialog = match &status.capture {
            Some(running) => Self::stop(running.capture.clone(), false),
            None => Self::at(Stage::Checking),
        };
        dialog.max_minutes = env.capture.max_minutes;
        Ok(dialog)
    }

    /// Puts the levels of `capture` back, then asks for the description.
    pub fn stop(capture: Capture, time_limit: bool) -> Self {
        Self {
            stopping: Some(capture),
            time_limit,
            ..Self::at(Stage::Stopping)
        }
    }

    /// At start-up: a capture nobody keeps any more.
    pub fn unfinished(capture: Capture, env: &Env) -> Self {
        let here = env.client.as_ref().map(|c| c.display_name().to_string());
        if here.as_deref() != Some(capture.server.as_str()) {
            let profile = capture
                .profile
                .as_deref()
                .map(|p| format!("--profile {} ", inert(p)))
                .unwrap_or_default();
            return Self::at(Stage::Note(format!(
                "A capture on {} (since {}, {}) was left unfinished by an mmops that stopped. \
                 This console is on another server: run `mmops {profile}capture restore` to put its levels back.",
                inert(&capture.server),
                utc_clock(capture.started_ms),
                inert(&capture.headline())
            )));
        }
        Self::at(Stage::Unfinished(Box::new(capture)))
    }

    /// Stopping a capture, or stopped and asking for the description.
    pub fn is_stopping(&self) -> bool {
        self.stopping.is_some()
    }

    /// Talking to the server: the dialog stays until the answer.
    pub fn is_working(&self) -> bool {
        matches!(
            self.stage,
            Stage::Checking | Stage::Starting(_) | Stage::Stopping
        )
    }

    fn plan(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let Some(client) = ctx.env.client.clone() else {
            return;
        };
        self.stage = Stage::Checking;
        ctx.spawn(Msg::Planned, async move {
            crate::capture::plan(&client).await.map_err(Error::from)
        });
    }

    fn start(&mut self, plan: &Plan, at_current_level: Option<String>, ctx: &mut Ctx<'_, Msg>) {
        let (Some(client), Some(file)) = (ctx.env.client.clone(), ctx.env.capture.file.clone())
        else {
            return;
        };
        let plan = plan.clone();
        let home = ctx.env.mm_home.clone();
        let watchdog = ctx.env.capture.watchdog.clone();
        let (now_ms, max_minutes, profile) = (
            ctx.now_ms(),
            ctx.env.capture.max_minutes,
            ctx.env.capture.profile.clone(),
        );
        self.stage = Stage::Starting(Box::new(plan.clone()));
        ctx.spawn_each(Msg::Started, async move {
            let file_marks =
                tokio::task::spawn_blocking(move || crate::capture::file_marks(home.as_ref()))
                    .await?;
            let how = Start {
                now_ms,
                max_minutes,
                owner_pid: std::process::id(),
                file_marks,
                at_current_level,
                profile,
            };
            let capture = crate::capture::start(&client, &plan, how, &file).await?;
            // Should this console die, the watchdog still puts the levels back in time.
            if !capture.changes.is_empty()
                && let Some(watchdog) = watchdog
                && let Err(err) = watchdog(&capture.id)
            {
                tracing::warn!("the capture's watchdog did not start: {err}");
            }
            Ok::<_, Error>(capture)
        });
    }

    fn restore(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let (Some(client), Some(file), Some(capture)) = (
            ctx.env.client.clone(),
            ctx.env.capture.file.clone(),
            self.stopping.clone(),
        ) else {
            return;
        };
        let now_ms = ctx.now_ms();
        self.stage = Stage::Stopping;
        ctx.spawn_each(Msg::Stopped, async move {
            crate::capture::restore(&client, &capture, now_ms, &file)
                .await
                .map_err(Error::from)
        });
    }

    fn yes(&mut self, ctx: &mut Ctx<'_, Msg>) {
        match std::mem::replace(&mut self.stage, Stage::Checking) {
            Stage::Confirm(plan) => self.start(&plan, None, ctx),
            Stage::Refused { plan, error } => {
                let why = format!("the server refused the change ({error})");
                self.start(&plan, Some(why), ctx);
            }
            Stage::Unfinished(capture) => {
                self.stopping = Some(*capture);
                self.restore(ctx);
            }
            Stage::Failed { .. } if self.stopping.is_some() => self.restore(ctx),
            other => self.stage = other,
        }
    }

    /// Closes the dialog; after a stop, without a packet.
    fn no(&mut self, ctx: &mut Ctx<'_, Msg>) {
        if self.is_working() {
            return;
        }
        if let Stage::Describe { stopped, .. } = &self.stage {
            ctx.status.message = Message::Info(format!(
                "capture stopped after {}; no packet written",
                duration_ms(stopped.stopped_ms - stopped.capture.started_ms)
            ));
        }
        ctx.close();
    }

    fn write_packet(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let Stage::Describe { stopped, input } =
            std::mem::replace(&mut self.stage, Stage::Checking)
        else {
            return;
        };
        let capture = PacketCapture {
            stopped: *stopped,
            description: input.text().trim().to_string(),
        };
        ctx.close();
        ctx.open_dialog(Box::new(PacketDialog::with_capture(
            &ctx.env.packet_dir,
            ctx.now_ms(),
            capture,
        )));
    }

    fn planned(&mut self, plan: Plan) {
        self.stage = Stage::Confirm(Box::new(plan));
    }

    fn started(&mut self, result: Result<Capture, Error>, ctx: &mut Ctx<'_, Msg>) {
        let plan = match std::mem::replace(&mut self.stage, Stage::Checking) {
            Stage::Starting(plan) => Some(plan),
            _ => None,
        };
        self.stage = match (result, plan) {
            (Ok(capture), _) => {
                ctx.status.message = Message::Info(format!(
                    "capture started {}: {}",
                    utc_clock(capture.started_ms),
                    inert(&capture.headline())
                ));
                ctx.status.capture = Some(RunningCapture::new(capture));
                ctx.signal(Signal::Capture);
                ctx.close();
                return;
            }
            // The server would not take the change: offer the current level.
            (Err(error), Some(plan)) if refused(&error) => Stage::Refused { plan, error },
            (Err(error), _) => Stage::Failed {
                what: "the capture did not start; nothing was changed",
                error,
            },
        };
    }

    fn stopped(&mut self, result: Result<Stopped, Error>, ctx: &mut Ctx<'_, Msg>) {
        match result {
            Ok(stopped) => {
                let said: Vec<String> = stopped.outcomes.iter().map(Outcome::describe).collect();
                ctx.status.message = Message::Info(if said.is_empty() {
                    "capture stopped".to_string()
                } else {
                    said.join("; ")
                });
                // Only the bar's own capture ends here (not another one it shows).
                if ctx
                    .status
                    .capture
                    .as_ref()
                    .is_some_and(|r| r.capture.id == stopped.capture.id)
                {
                    ctx.status.capture = None;
                }
                ctx.signal(Signal::Capture);
                self.stage = Stage::Describe {
                    stopped: Box::new(stopped),
                    input: Input::default(),
                };
            }
            Err(error) => {
                self.stage = Stage::Failed {
                    what: "the levels were not put back; the capture is still recorded",
                    error,
                }
            }
        }
    }
}

/// The server refused the change itself (a permission, a read-only config store): capturing
/// at the current level still makes sense. Not when it could not be reached.
fn refused(error: &Error) -> bool {
    match error {
        Error::Capture(crate::capture::CaptureError::NotApplied { .. }) => true,
        _ => error
            .api()
            .is_some_and(|api| !api.is_unreachable() && !api.needs_login() && !api.is_transient()),
    }
}

impl View for CaptureDialog {
    type Msg = Msg;

    fn title(&self) -> &str {
        "Capture"
    }

    fn focus(&self) -> Focus {
        match self.stage {
            Stage::Describe { .. } => Focus::on(Scope::Prompt),
            _ => Focus::on(Scope::Question),
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg>) {
        match self.stage {
            Stage::Checking => self.plan(ctx),
            Stage::Stopping => self.restore(ctx),
            _ => {}
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        if let Stage::Describe { input, .. } = &mut self.stage {
            match input.apply(action) {
                Edit::Submit => self.write_packet(ctx),
                Edit::Cancel => self.no(ctx),
                _ => {}
            }
            return;
        }
        match action {
            Action::Confirm => self.yes(ctx),
            _ => self.no(ctx),
        }
    }

    fn on_text(&mut self, text: &str, _ctx: &mut Ctx<'_, Msg>) {
        if let Stage::Describe { input, .. } = &mut self.stage {
            // One line: a pasted newline ends nothing, it becomes a space.
            input.type_text(&text.replace(['\n', '\r'], " "));
        }
    }

    fn on_msg(&mut self, msg: Msg, ctx: &mut Ctx<'_, Msg>) {
        match msg {
            Msg::Planned(Ok(plan)) => self.planned(plan),
            Msg::Planned(Err(error)) => {
                self.stage = Stage::Failed {
                    what: "mmops could not find out what a capture would change",
                    error,
                }
            }
            Msg::Started(result) => self.started(result, ctx),
            Msg::Stopped(result) => self.stopped(result, ctx),
        }
    }

    fn hint<'b>(&'b self, binding: &'b Binding) -> Option<&'b str> {
        match (&self.stage, binding.action) {
            (Stage::Describe { .. }, Action::Submit) => Some("packet"),
            (Stage::Describe { .. }, Action::Close) => Some("no packet"),
            (Stage::Describe { .. }, _) => None,
            (Stage::Confirm(_) | Stage::Refused { .. } | Stage::Unfinished(_), _) => {
                binding.hint.as_deref()
            }
            (Stage::Failed { .. }, Action::Confirm) if self.stopping.is_some() => Some("try again"),
            (_, Action::Close) if !self.is_working() => Some("close"),
            _ => None,
        }
    }

    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        let theme = ui.theme;
        let text = |t: String| Line::from(Span::styled(t, theme.base));
        let muted = |t: String| Line::from(Span::styled(t, theme.muted));
        let mut lines: Vec<Line> = Vec::new();
        let mut question: Option<&str> = None;
        match &self.stage {
            Stage::Checking => lines.push(muted(
                "Asking the server what a capture would change…".into(),
            )),
            Stage::Starting(_) => lines.push(muted("Starting the capture…".into())),
            Stage::Stopping => lines.push(muted(if self.time_limit {
                "The capture reached its time limit: putting the levels back…".into()
            } else {
                "Putting the levels back…".into()
            })),
            Stage::Confirm(plan) => {
                lines.extend(plan_lines(plan, self.max_minutes, ui));
                question = Some(if plan.changes().is_empty() {
                    "Capture at the current level?"
                } else {
                    "Start the capture?"
                });
            }
            Stage::Refused { plan, error } => {
                let level = current_level(plan);
                lines.push(Line::from(Span::styled(
                    format!("The server did not take the change: {error}"),
                    theme.error,
                )));
                lines.push(Line::default());
                lines.push(text(format!(
                    "mmops can still capture at the current level ({level}): the start is marked and the window's lines go in the packet."
                )));
                question = Some("Capture at the current level?");
            }
            Stage::Describe { stopped, input } => {
                for outcome in &stopped.outcomes {
                    lines.push(Line::from(Span::styled(
                        format!("✓ {}", inert(&outcome.describe())),
                        theme.ok,
                    )));
                }
                lines.push(text(format!(
                    "Stopped after {}{}.",
                    duration_ms(stopped.stopped_ms - stopped.capture.started_ms),
                    if self.time_limit {
                        " (its time limit)"
                    } else {
                        ""
                    }
                )));
                lines.push(Line::default());
                lines.push(text(
                    "What did you reproduce? One line for capture.yaml, then Enter for the packet (privacy and logs as in p)."
                        .into(),
                ));
                let inner = frame(area, buf, ui, &lines, 2);
                let field = crate::tui::widgets::line_at(inner, inner.height.saturating_sub(1));
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .render(inner, buf);
                input.render("› ", field, buf, theme.key, theme.base);
                return;
            }
            Stage::Unfinished(capture) => {
                lines.push(Line::from(Span::styled(
                    format!(
                        "An mmops that stopped without putting it back left a capture running on {} since {}: {}.",
                        inert(&capture.server),
                        utc_clock(capture.started_ms),
                        inert(&capture.headline())
                    ),
                    theme.warn,
                )));
                for change in &capture.changes {
                    lines.push(text(format!(
                        "  {}: back to {}",
                        change.setting,
                        inert(&change.before)
                    )));
                }
                lines.push(Line::default());
                lines.push(muted(
                    "n leaves it (mmops capture restore does it later); the packet is offered after."
                        .into(),
                ));
                question = Some("Put the levels back now?");
            }
            Stage::Failed { what, error } => {
                lines.push(Line::from(Span::styled((*what).to_string(), theme.error)));
                lines.push(text(error.to_string()));
            }
            Stage::Note(note) => lines.push(text(note.clone())),
        }
        if let Some(question) = question {
            lines.push(Line::default());
            let mut spans = vec![Span::styled(format!("{question}  "), theme.title)];
            spans.extend(yes_no(ui.keymap, theme));
            lines.push(Line::from(spans));
        }
        let inner = frame(area, buf, ui, &lines, 0);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
    }
}

/// The dialog's box, as tall as its wrapped lines (and `extra` rows) need; its inside.
fn frame(area: Rect, buf: &mut Buffer, ui: &Ui<'_>, lines: &[Line<'_>], extra: u16) -> Rect {
    const WIDTH: u16 = 76;
    let inner_width = usize::from(area.width.saturating_sub(4).min(WIDTH).saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|line| line.width().div_ceil(inner_width).max(1))
        .sum();
    // Words wrap before the edge: a row of slack for each line that wraps.
    let wrapped = lines.iter().filter(|l| l.width() > inner_width).count();
    let height = u16::try_from(rows + wrapped)
        .unwrap_or(u16::MAX)
        .saturating_add(2 + extra);
    let rect = dialog_area(area, buf, (WIDTH, height), height.min(6));
    let block = dialog_block(" Capture ", ui.theme);
    let inner = block.inner(rect);
    block.render(rect, buf);
    inner
}

/// The level the capture would read at now.
fn current_level(plan: &Plan) -> String {
    plan.levels
        .iter()
        .find(|l| l.raise)
        .and_then(|l| l.value.as_deref())
        .map_or_else(|| "unknown".to_string(), |v| inert(v).into_owned())
}

/// What the start will do, line by line.
fn plan_lines(plan: &Plan, max_minutes: u32, ui: &Ui<'_>) -> Vec<Line<'static>> {
    let (base, muted) = (ui.theme.base, ui.theme.muted);
    let mut lines = vec![
        Line::from(Span::styled(
            format!(
                "On {} as {} · nodes {}",
                inert(&plan.server),
                inert(&plan.by),
                plan.nodes
                    .iter()
                    .map(|n| inert(n).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            muted,
        )),
        Line::default(),
    ];
    let changes = plan.changes();
    if changes.is_empty() {
        let why = plan.at_current_level().unwrap_or_default();
        let style = if matches!(
            plan.blocked,
            Some(Blocked::Permission(_) | Blocked::ReadOnly | Blocked::Environment(_))
        ) {
            ui.theme.warn
        } else {
            base
        };
        lines.push(Line::from(Span::styled(
            format!("mmops will not change the level: {why}."),
            style,
        )));
        lines.push(Line::from(Span::styled(
            format!(
                "It can capture at the current level ({}): the start is marked in the Logs tab and the window's lines go in the packet.",
                current_level(plan)
            ),
            base,
        )));
        return lines;
    }
    lines.push(Line::from(Span::styled("mmops will:", base)));
    for change in &changes {
        lines.push(Line::from(Span::styled(
            format!(
                "  • set {} {} → {} (PUT /api/v4/config/patch, that setting only)",
                change.setting,
                inert(&change.before),
                change.during
            ),
            base,
        )));
    }
    lines.push(Line::from(Span::styled(
        "  • mark the start in the Logs tab",
        base,
    )));
    let deadline = ui.now_ms + i64::from(max_minutes) * 60_000;
    lines.push(Line::from(Span::styled(
        format!(
            "  • put it back at R, or by itself at {} at the latest",
            utc_clock(deadline)
        ),
        base,
    )));
    lines.push(Line::from(Span::styled(
        "Nothing else in the config is touched.",
        muted,
    )));
    lines
}
