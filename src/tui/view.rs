//! The one contract every tab and every dialog implements, and the context it works through.
//!
//! A view owns its state. The app routes to it: the actions its focus' key tables give, typed
//! text while it takes text, the results of its own jobs, the signals every view hears, and a
//! frame to draw into. A view never does I/O: it asks for work through [`Ctx::spawn`] and gets
//! the typed result back in [`View::on_msg`].
//!
//! Why a trait (with the app holding `Box<dyn AnyView>`) and not an enum of views: the app
//! must know no view's insides, and a new tab must be one module plus one registry line; an
//! enum would need a match arm per view in every method.

use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use tokio::time::Instant;

use super::env::Env;
use super::jobs::{Jobs, Mailbox, Policy, ViewId};
use super::keys::{Action, Binding, Focus, Keymap};
use super::status::Status;
use super::theme::Theme;
use crate::error::Error;

/// What drawing needs besides the view's own state.
pub struct Ui<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    /// "Now" for relative times (fixed in tests).
    pub now_ms: i64,
}

/// Where a view is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Between the tab bar and the footer (a tab, most dialogs).
    Body,
    /// Over everything but the status bar (the help).
    Screen,
}

/// What a refresh of the Server tab reloads besides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// At start and on `r` in the Server tab: everything.
    Everything,
    /// The periodic refresh: what has no live updates, and never what someone is reading.
    Timer,
}

/// News every view hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Refresh(Refresh),
    /// The credentials were read again: whatever talks to the server starts over.
    Reconnected,
    /// The doctor has a new diagnosis (look it up with [`Lookup::Diagnosis`]).
    Diagnosed,
    /// A capture started or stopped (`Status::capture` says which).
    Capture,
}

/// Where another view should take the user: the evidence of a doctor's finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reveal {
    /// A setting on the Config tab, by its dotted path.
    Setting(String),
    /// The log entries that hold any of these texts, on the Logs tab.
    LogText(Vec<String>),
    /// A plugin on the Plugins tab, by id.
    Plugin(String),
    /// A cluster node on the Server tab, by hostname.
    Node(String),
}

/// What one view looks up in the others, found at once by the one that knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'q> {
    /// The newest `limit` log entries that mention `needle`.
    LogMentions { needle: &'q str, limit: usize },
    /// Where the doctor stands.
    Diagnosis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// One-line summaries, oldest first; `held` is false while no entry is held at all.
    LogMentions {
        lines: Vec<String>,
        held: bool,
    },
    Diagnosis(crate::doctor::Standing),
}

/// A view: a tab or a dialog.
pub trait View: Any {
    /// The results of this view's jobs and producers.
    type Msg: Send + 'static;

    /// The name in the tab bar (tabs) or in the log (dialogs).
    fn title(&self) -> &str;
    /// Which key tables apply now: the view's own, or those of the mode it is in.
    fn focus(&self) -> Focus;
    /// An action from the focus' tables.
    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_, Self::Msg>);
    /// A result of this view's work.
    fn on_msg(&mut self, msg: Self::Msg, ctx: &mut Ctx<'_, Self::Msg>);
    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>);

    /// Typed or pasted text, while the focus takes text.
    fn on_text(&mut self, _text: &str, _ctx: &mut Ctx<'_, Self::Msg>) {}
    fn on_signal(&mut self, _signal: Signal, _ctx: &mut Ctx<'_, Self::Msg>) {}
    /// Once: when the console starts (a tab) or when it opens (a dialog).
    fn on_start(&mut self, _ctx: &mut Ctx<'_, Self::Msg>) {}
    /// Each time the tab comes into view.
    fn on_show(&mut self, _ctx: &mut Ctx<'_, Self::Msg>) {}
    /// Shows what another view points at (a doctor finding's evidence); true when this view
    /// has it, and the app then brings it into view.
    fn reveal(&mut self, _what: &Reveal, _ctx: &mut Ctx<'_, Self::Msg>) -> bool {
        false
    }
    /// What this view finds for another's lookup; `None` when it is not its to answer.
    fn look_up(&self, _lookup: Lookup<'_>) -> Option<Found> {
        None
    }
    /// Work left to do in slices between events; [`View::step`] does a slice.
    fn is_busy(&self) -> bool {
        false
    }
    fn step(&mut self) {}
    /// When [`View::on_timer`] should run next.
    fn next_deadline(&self) -> Option<Instant> {
        None
    }
    fn on_timer(&mut self, _now: Instant, _ctx: &mut Ctx<'_, Self::Msg>) {}
    /// A binding's label in the footer now; `None` leaves it out.
    fn hint<'b>(&'b self, binding: &'b Binding) -> Option<&'b str> {
        binding.hint.as_deref()
    }
    fn placement(&self) -> Placement {
        Placement::Body
    }
}

/// What the app asks of a view once its message type is erased; every [`View`] is one.
pub trait AnyView {
    fn title(&self) -> &str;
    fn focus(&self) -> Focus;
    fn on_action(&mut self, action: Action, parts: Parts<'_>);
    fn on_text(&mut self, text: &str, parts: Parts<'_>);
    fn on_message(&mut self, msg: Box<dyn Any + Send>, parts: Parts<'_>);
    fn on_signal(&mut self, signal: Signal, parts: Parts<'_>);
    fn on_start(&mut self, parts: Parts<'_>);
    fn on_show(&mut self, parts: Parts<'_>);
    fn on_timer(&mut self, now: Instant, parts: Parts<'_>);
    fn look_up(&self, lookup: Lookup<'_>) -> Option<Found>;
    fn reveal(&mut self, what: &Reveal, parts: Parts<'_>) -> bool;
    fn is_busy(&self) -> bool;
    fn step(&mut self);
    fn next_deadline(&self) -> Option<Instant>;
    fn hint<'b>(&'b self, binding: &'b Binding) -> Option<&'b str>;
    fn placement(&self) -> Placement;
    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>);
    fn as_any(&self) -> &dyn Any;
}

impl<V: View> AnyView for V {
    fn title(&self) -> &str {
        View::title(self)
    }
    fn focus(&self) -> Focus {
        View::focus(self)
    }
    fn on_action(&mut self, action: Action, parts: Parts<'_>) {
        View::on_action(self, action, &mut Ctx::new(parts))
    }
    fn on_text(&mut self, text: &str, parts: Parts<'_>) {
        View::on_text(self, text, &mut Ctx::new(parts))
    }
    fn on_message(&mut self, msg: Box<dyn Any + Send>, parts: Parts<'_>) {
        match msg.downcast::<V::Msg>() {
            Ok(msg) => View::on_msg(self, *msg, &mut Ctx::new(parts)),
            Err(_) => tracing::error!("{}: a message of another view", View::title(self)),
        }
    }
    fn on_signal(&mut self, signal: Signal, parts: Parts<'_>) {
        View::on_signal(self, signal, &mut Ctx::new(parts))
    }
    fn on_start(&mut self, parts: Parts<'_>) {
        View::on_start(self, &mut Ctx::new(parts))
    }
    fn on_show(&mut self, parts: Parts<'_>) {
        View::on_show(self, &mut Ctx::new(parts))
    }
    fn on_timer(&mut self, now: Instant, parts: Parts<'_>) {
        View::on_timer(self, now, &mut Ctx::new(parts))
    }
    fn look_up(&self, lookup: Lookup<'_>) -> Option<Found> {
        View::look_up(self, lookup)
    }
    fn reveal(&mut self, what: &Reveal, parts: Parts<'_>) -> bool {
        View::reveal(self, what, &mut Ctx::new(parts))
    }
    fn is_busy(&self) -> bool {
        View::is_busy(self)
    }
    fn step(&mut self) {
        View::step(self)
    }
    fn next_deadline(&self) -> Option<Instant> {
        View::next_deadline(self)
    }
    fn hint<'b>(&'b self, binding: &'b Binding) -> Option<&'b str> {
        View::hint(self, binding)
    }
    fn placement(&self) -> Placement {
        View::placement(self)
    }
    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        View::draw(self, area, buf, ui)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// What a view asks of the app, carried out after its handler returns.
pub(crate) enum Command {
    Signal(Signal),
    /// Bytes for the terminal itself (an OSC 52 copy), written after the next frame.
    Terminal(String),
    Open(Box<dyn AnyView>),
    Close(ViewId),
    Reveal(Reveal),
    Switch(Switch),
}

/// What the whole console shows instead of what it shows now: every tab starts over on it.
pub enum Switch {
    /// A support packet, read-only (the server is kept to go back to).
    ToPacket(std::sync::Arc<crate::packet::open::Packet>),
    /// Back to the server the console showed before a packet was opened.
    BackToServer,
    /// Another server of the fleet: its console, built from its profile.
    ToServer(Box<crate::tui::env::Launch>),
}

/// The other views, for lookups.
#[derive(Clone, Copy)]
pub struct Peers<'a> {
    pub(crate) groups: [&'a [Box<dyn AnyView>]; 2],
}

impl Peers<'_> {
    pub const NONE: Peers<'static> = Peers { groups: [&[], &[]] };

    fn look_up(&self, lookup: Lookup<'_>) -> Option<Found> {
        self.groups
            .iter()
            .flat_map(|group| group.iter())
            .find_map(|view| view.look_up(lookup))
    }
}

/// The app's side of one call into a view, with its message type erased.
pub struct Parts<'a> {
    pub(crate) me: ViewId,
    pub(crate) env: &'a Env,
    pub(crate) status: &'a mut Status,
    pub(crate) jobs: &'a mut Jobs,
    pub(crate) commands: &'a mut Vec<Command>,
    pub(crate) peers: Peers<'a>,
}

/// What a view works through: the environment it runs in, the status bar, its jobs, and the
/// app's services (signals, lookups, dialogs, the terminal).
pub struct Ctx<'a, M> {
    pub env: &'a Env,
    pub status: &'a mut Status,
    me: ViewId,
    jobs: &'a mut Jobs,
    commands: &'a mut Vec<Command>,
    peers: Peers<'a>,
    _msg: PhantomData<fn() -> M>,
}

impl<'a, M: Send + 'static> Ctx<'a, M> {
    pub fn new(parts: Parts<'a>) -> Self {
        Self {
            env: parts.env,
            status: parts.status,
            me: parts.me,
            jobs: parts.jobs,
            commands: parts.commands,
            peers: parts.peers,
            _msg: PhantomData,
        }
    }

    /// Runs a load in the background; its result comes back to this view as `wrap(result)`.
    /// A newer job wrapped by the same function makes this one's result stale.
    pub fn spawn<T, E, W, F>(&mut self, wrap: W, work: F)
    where
        T: Send + 'static,
        E: Into<Error> + Send + 'static,
        W: FnOnce(Result<T, Error>) -> M + Send + 'static,
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        self.jobs.spawn(self.me, Policy::Latest(0), wrap, work);
    }

    /// As [`Ctx::spawn`], for loads of one kind that run side by side: latest wins per `key`.
    pub fn spawn_keyed<T, E, W, F>(&mut self, key: u64, wrap: W, work: F)
    where
        T: Send + 'static,
        E: Into<Error> + Send + 'static,
        W: FnOnce(Result<T, Error>) -> M + Send + 'static,
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        self.jobs.spawn(self.me, Policy::Latest(key), wrap, work);
    }

    /// Runs a write (a toggle, a send, a file saved) in the background: every one's result
    /// comes back, however many run.
    pub fn spawn_each<T, E, W, F>(&mut self, wrap: W, work: F)
    where
        T: Send + 'static,
        E: Into<Error> + Send + 'static,
        W: FnOnce(Result<T, Error>) -> M + Send + 'static,
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        self.jobs.spawn(self.me, Policy::Every, wrap, work);
    }

    /// A mailbox for a producer that sends many messages (a log feed, a WebSocket). With
    /// `settles_on_first` the producer counts as pending work until its first message.
    pub fn mailbox<I, W>(&mut self, wrap: W, settles_on_first: bool) -> Mailbox<I>
    where
        I: 'static,
        W: Fn(I) -> M + Send + Sync + 'static,
    {
        self.jobs.mailbox(self.me, wrap, settles_on_first)
    }

    /// Tells every view.
    pub fn signal(&mut self, signal: Signal) {
        self.commands.push(Command::Signal(signal));
    }

    /// Looks something up in the other views; the first that knows answers.
    pub fn look_up(&self, lookup: Lookup<'_>) -> Option<Found> {
        self.peers.look_up(lookup)
    }

    /// Writes bytes to the terminal after the next frame (an OSC 52 copy).
    pub fn write_terminal(&mut self, bytes: String) {
        self.commands.push(Command::Terminal(bytes));
    }

    pub fn open_dialog(&mut self, dialog: Box<dyn AnyView>) {
        self.commands.push(Command::Open(dialog));
    }

    /// Takes the user to what `what` names, in the tab that has it.
    pub fn reveal(&mut self, what: Reveal) {
        self.commands.push(Command::Reveal(what));
    }

    /// Shows `to` in every tab instead of what they show now (this view closes with the rest).
    pub fn switch(&mut self, to: Switch) {
        self.commands.push(Command::Switch(to));
    }

    /// Closes this view (a dialog).
    pub fn close(&mut self) {
        self.commands.push(Command::Close(self.me));
    }

    pub fn now_ms(&self) -> i64 {
        self.env.clock.now_ms()
    }
}
