//! The job pipeline: background work whose typed result comes back as a message to the view
//! that asked for it.
//!
//! A job is a future giving `Result<T, E>`. Its result (a panic included, as
//! [`Error::Panicked`]) is wrapped in the asking view's own message type and sent back in an
//! [`Envelope`]. Loads are [`Policy::Latest`]: a job's *kind* is the function that wraps its
//! result (`Msg::Loaded`), and when a view starts a job of a kind it already has one of, the
//! older one's result is stale and is never delivered; a key tells apart loads of one kind
//! that run side by side (one per part of a page). Writes are [`Policy::Every`]: each result
//! counts (two plugins toggled one after the other must both say how it went).
//!
//! Long-lived producers (a followed log, a WebSocket) send through a [`Mailbox`]; a new
//! mailbox of the same kind makes the older one's messages stale in the same way.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use crate::error::Error;
use crate::mm::ApiError;

/// Which view a message is for: a tab for the life of the console, a dialog while it is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ViewId(pub(crate) u64);

/// Which results of a view's jobs it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Only the newest job of its kind (and key) is delivered: loads, lookups.
    Latest(u64),
    /// Every job's result is delivered: writes and actions on the server.
    Every,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Kind {
    wrap: TypeId,
    key: u64,
    /// Forgotten once delivered: a job of [`Policy::Every`].
    once: bool,
}

/// A result on its way back to the view that asked for it.
pub struct Envelope {
    pub(crate) to: ViewId,
    kind: Kind,
    seq: u64,
    /// Which connection the work used (see [`Jobs::new_connection`]).
    pub(crate) connection: u64,
    /// The API error the work met, for the status bar (rate limit, login).
    pub(crate) api_error: Option<ApiError>,
    pub(crate) msg: Box<dyn Any + Send>,
    /// Counts the job as pending until the envelope has been handled (or dropped).
    _pending: Option<Pending>,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("to", &self.to)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// One unit of work not yet reported; dropping it reports it.
struct Pending(Arc<AtomicUsize>);

impl Pending {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(Arc::clone(count))
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct Jobs {
    tx: UnboundedSender<Envelope>,
    latest: HashMap<(ViewId, Kind), u64>,
    seq: u64,
    pending: Arc<AtomicUsize>,
    connection: u64,
    /// The first connection of the console as it is now (see [`Jobs::start_over`]).
    first_connection: u64,
}

impl Jobs {
    pub fn new(tx: UnboundedSender<Envelope>) -> Self {
        Self {
            tx,
            latest: HashMap::new(),
            seq: 0,
            pending: Arc::default(),
            connection: 0,
            first_connection: 0,
        }
    }

    /// The credentials were read again: work started before now used the old connection.
    pub fn new_connection(&mut self) {
        self.connection += 1;
    }

    /// Whether `envelope`'s work used a connection replaced since (a refused session it met
    /// says nothing about the new one).
    pub fn is_from_old_connection(&self, envelope: &Envelope) -> bool {
        envelope.connection != self.connection
    }

    /// Jobs started and not yet handled, and producers whose first message is awaited.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }

    fn next(&mut self, to: ViewId, kind: Kind) -> u64 {
        self.seq += 1;
        self.latest.insert((to, kind), self.seq);
        self.seq
    }

    /// Runs `work` for view `to`; its result comes back as `wrap(result)`.
    pub fn spawn<T, E, M, W, F>(&mut self, to: ViewId, policy: Policy, wrap: W, work: F)
    where
        T: Send + 'static,
        E: Into<Error> + Send + 'static,
        M: Send + 'static,
        W: FnOnce(Result<T, Error>) -> M + Send + 'static,
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let kind = Kind {
            wrap: TypeId::of::<W>(),
            // Each job of `Every` is a kind of its own.
            key: match policy {
                Policy::Latest(key) => key,
                Policy::Every => self.seq + 1,
            },
            once: policy == Policy::Every,
        };
        let seq = self.next(to, kind);
        let pending = Pending::new(&self.pending);
        let (tx, connection) = (self.tx.clone(), self.connection);
        tokio::spawn(async move {
            // A panic inside `work` ends only the inner task; it comes back as an error.
            let result = match tokio::spawn(work).await {
                Ok(result) => result.map_err(Into::into),
                Err(join) => {
                    tracing::error!("a background job of {to:?} failed: {join}");
                    Err(Error::from(join))
                }
            };
            let api_error = result.as_ref().err().and_then(Error::api).cloned();
            // The receiver is gone only when the console has quit: nothing is left to tell.
            let _ = tx.send(Envelope {
                to,
                kind,
                seq,
                connection,
                api_error,
                msg: Box::new(wrap(result)),
                _pending: Some(pending),
            });
        });
    }

    /// A mailbox for a long-lived producer of view `to`; each item arrives as `wrap(item)`.
    /// With `settles_on_first`, the producer counts as pending work until its first message
    /// (a test that waits for the console to settle sees what the producer said first).
    pub fn mailbox<I, M, W>(&mut self, to: ViewId, wrap: W, settles_on_first: bool) -> Mailbox<I>
    where
        M: Send + 'static,
        W: Fn(I) -> M + Send + Sync + 'static,
    {
        let kind = Kind {
            wrap: TypeId::of::<W>(),
            key: 0,
            once: false,
        };
        let seq = self.next(to, kind);
        let first = settles_on_first.then(|| Pending::new(&self.pending));
        Mailbox {
            inner: Arc::new(MailboxInner {
                to,
                kind,
                seq,
                connection: self.connection,
                tx: self.tx.clone(),
                wrap: Box::new(move |item| Box::new(wrap(item))),
                first: Mutex::new(first),
            }),
        }
    }

    /// Whether `envelope` is to be delivered: the latest of its kind (an older one is stale).
    /// A job of [`Policy::Every`] is forgotten once taken.
    pub fn accept(&mut self, envelope: &Envelope) -> bool {
        let slot = (envelope.to, envelope.kind);
        let current = self.latest.get(&slot) == Some(&envelope.seq);
        if current && envelope.kind.once {
            self.latest.remove(&slot);
        }
        current
    }

    /// The console started over (a packet opened, the server back): nothing of the work
    /// started before is delivered or heard of, not even a refusal it met.
    pub fn start_over(&mut self) {
        self.latest.clear();
        self.new_connection();
        self.first_connection = self.connection;
    }

    /// Whether `envelope`'s work was started before the console started over.
    pub fn is_from_before_start_over(&self, envelope: &Envelope) -> bool {
        envelope.connection < self.first_connection
    }

    /// A dialog closed: its kinds are forgotten and any late result is stale.
    pub fn forget(&mut self, view: ViewId) {
        self.latest.retain(|(to, _), _| *to != view);
    }
}

/// Blocking work (files, SQLite) as a job's future: it runs on the blocking pool, and a panic
/// in it comes back as an error.
pub async fn blocking<T, E>(
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, Error>
where
    T: Send + 'static,
    E: Into<Error> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(Error::from)
        .and_then(|result| result.map_err(Into::into))
}

/// A long-lived task that sends through a mailbox (a WebSocket listener); dropping its handle
/// stops it.
pub struct Producer(tokio::task::AbortHandle);

impl Producer {
    pub fn spawn(work: impl Future<Output = ()> + Send + 'static) -> Self {
        Self(tokio::spawn(work).abort_handle())
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

type Wrap<I> = Box<dyn Fn(I) -> Box<dyn Any + Send> + Send + Sync>;

struct MailboxInner<I> {
    to: ViewId,
    kind: Kind,
    seq: u64,
    connection: u64,
    tx: UnboundedSender<Envelope>,
    wrap: Wrap<I>,
    first: Mutex<Option<Pending>>,
}

/// Where a producer sends its messages; cheap to clone, usable from any thread.
pub struct Mailbox<I> {
    inner: Arc<MailboxInner<I>>,
}

impl<I> Clone for Mailbox<I> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<I> Mailbox<I> {
    /// Sends one item; false when the console has quit.
    pub fn send(&self, item: I) -> bool {
        let inner = &self.inner;
        let pending = inner.first.lock().ok().and_then(|mut first| first.take());
        inner
            .tx
            .send(Envelope {
                to: inner.to,
                kind: inner.kind,
                seq: inner.seq,
                connection: inner.connection,
                api_error: None,
                msg: (inner.wrap)(item),
                _pending: pending,
            })
            .is_ok()
    }

    pub fn is_closed(&self) -> bool {
        self.inner.tx.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::mpsc;

    use super::*;

    #[derive(Debug, PartialEq)]
    enum Msg {
        Loaded(Result<u32, String>),
        Saved(Result<u32, String>),
        Line(&'static str),
    }

    fn text(result: Result<u32, Error>) -> Result<u32, String> {
        result.map_err(|e| e.to_string())
    }

    fn loaded(result: Result<u32, Error>) -> Msg {
        Msg::Loaded(text(result))
    }

    fn saved(result: Result<u32, Error>) -> Msg {
        Msg::Saved(text(result))
    }

    fn open(envelope: Envelope) -> Msg {
        match envelope.msg.downcast::<Msg>() {
            Ok(msg) => *msg,
            Err(_) => panic!("not a Msg"),
        }
    }

    #[tokio::test]
    async fn the_latest_of_a_kind_wins_and_other_kinds_are_kept() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut jobs = Jobs::new(tx);
        let view = ViewId(1);
        jobs.spawn(view, Policy::Latest(0), loaded, async { Ok::<_, Error>(1) });
        jobs.spawn(view, Policy::Latest(0), saved, async { Ok::<_, Error>(2) });
        jobs.spawn(view, Policy::Latest(0), loaded, async { Ok::<_, Error>(3) });
        let mut current = Vec::new();
        for _ in 0..3 {
            let envelope = rx.recv().await.expect("a result");
            if jobs.accept(&envelope) {
                current.push(open(envelope));
            }
        }
        current.sort_by_key(|m| format!("{m:?}"));
        assert_eq!(current, [Msg::Loaded(Ok(3)), Msg::Saved(Ok(2))]);
        assert_eq!(jobs.pending(), 0, "every envelope handled or dropped");
    }

    #[tokio::test]
    async fn every_write_is_delivered_and_then_forgotten() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut jobs = Jobs::new(tx);
        jobs.spawn(ViewId(1), Policy::Every, saved, async { Ok::<_, Error>(1) });
        jobs.spawn(ViewId(1), Policy::Every, saved, async { Ok::<_, Error>(2) });
        let mut delivered = Vec::new();
        for _ in 0..2 {
            let envelope = rx.recv().await.expect("a result");
            assert!(jobs.accept(&envelope), "both writes say how they went");
            delivered.push(open(envelope));
        }
        delivered.sort_by_key(|m| format!("{m:?}"));
        assert_eq!(delivered, [Msg::Saved(Ok(1)), Msg::Saved(Ok(2))]);
        assert!(
            jobs.latest.is_empty(),
            "nothing is kept of delivered writes"
        );
    }

    #[tokio::test]
    async fn work_begun_before_a_reconnect_is_told_apart() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut jobs = Jobs::new(tx);
        jobs.spawn(ViewId(1), Policy::Every, saved, async { Ok::<_, Error>(1) });
        jobs.new_connection();
        jobs.spawn(ViewId(1), Policy::Every, saved, async { Ok::<_, Error>(2) });
        let mut old = Vec::new();
        for _ in 0..2 {
            let envelope = rx.recv().await.expect("a result");
            old.push(jobs.is_from_old_connection(&envelope));
        }
        old.sort();
        assert_eq!(old, [false, true]);
    }

    #[tokio::test]
    async fn keys_keep_jobs_of_one_kind_apart() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut jobs = Jobs::new(tx);
        jobs.spawn(ViewId(1), Policy::Latest(1), loaded, async {
            Ok::<_, Error>(1)
        });
        jobs.spawn(ViewId(1), Policy::Latest(2), loaded, async {
            Ok::<_, Error>(2)
        });
        for _ in 0..2 {
            let envelope = rx.recv().await.expect("a result");
            assert!(jobs.accept(&envelope));
        }
    }

    #[tokio::test]
    async fn a_panic_comes_back_as_an_error() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut jobs = Jobs::new(tx);
        jobs.spawn(ViewId(1), Policy::Latest(0), loaded, async {
            if jobs_should_panic() {
                panic!("boom");
            }
            Ok::<u32, Error>(1)
        });
        assert_eq!(jobs.pending(), 1);
        let envelope = rx.recv().await.expect("a result");
        assert_eq!(
            open(envelope),
            Msg::Loaded(Err("an internal error (see mmops' log)".into()))
        );
        assert_eq!(jobs.pending(), 0);
    }

    fn jobs_should_panic() -> bool {
        true
    }

    #[tokio::test]
    async fn an_api_error_travels_with_the_result() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut jobs = Jobs::new(tx);
        let limited = ApiError::RateLimited {
            endpoint: "GET /api/v4/config".into(),
            retry_after: Some(std::time::Duration::from_secs(9)),
        };
        let refusal = limited.clone();
        jobs.spawn(ViewId(1), Policy::Latest(0), loaded, async move {
            Err::<u32, _>(refusal)
        });
        let envelope = rx.recv().await.expect("a result");
        assert_eq!(envelope.api_error, Some(limited));
    }

    #[tokio::test]
    async fn a_new_mailbox_makes_the_old_one_stale() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut jobs = Jobs::new(tx);
        let old = jobs.mailbox(ViewId(1), Msg::Line, true);
        assert_eq!(jobs.pending(), 1, "awaiting the first message");
        let new = jobs.mailbox(ViewId(1), Msg::Line, false);
        assert!(old.send("old"));
        assert!(new.send("new"));
        let first = rx.recv().await.expect("old");
        assert!(!jobs.accept(&first));
        drop(first);
        assert_eq!(jobs.pending(), 0, "the first message settled the producer");
        let second = rx.recv().await.expect("new");
        assert!(jobs.accept(&second));
        assert_eq!(open(second), Msg::Line("new"));
    }

    #[tokio::test]
    async fn a_closed_dialog_gets_nothing() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut jobs = Jobs::new(tx);
        jobs.spawn(ViewId(7), Policy::Latest(0), loaded, async {
            Ok::<_, Error>(1)
        });
        jobs.forget(ViewId(7));
        let envelope = rx.recv().await.expect("a result");
        assert!(!jobs.accept(&envelope));
    }
}
