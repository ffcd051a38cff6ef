//! What the log sources send: batches of lines and changes of state. Lines travel in one buffer
//! per batch (no allocation per line), because floods of 50,000 lines a second happen.

use std::fmt;

use super::store::MAX_LINE;

/// Up to this many lines go in one batch, so a flood arrives as large, cheap messages.
pub const BATCH_LINES: usize = 4096;

/// Lines from one source, stored back to back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineBatch {
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl LineBatch {
    pub fn push(&mut self, line: &[u8]) {
        self.bytes.extend_from_slice(line);
        self.ends.push(self.bytes.len() as u32);
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_full(&self) -> bool {
        self.ends.len() >= BATCH_LINES || self.bytes.len() >= (u32::MAX as usize) / 2
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0usize;
        self.ends.iter().map(move |end| {
            let line = &self.bytes[start..*end as usize];
            start = *end as usize;
            line
        })
    }
}

/// The state of one source, shown in the Logs tab's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceState {
    Following,
    /// The file is missing; waiting for it to appear (after a rotation or before the server
    /// first writes it).
    Waiting(String),
    Rotated,
    Truncated,
    /// File logging is off on the server: the REST log API has nothing to send.
    FileLoggingOff,
    /// Lines may have been missed between two polls (more than a page was written).
    Gap,
    /// Read whole, once (a support packet's log).
    Complete,
    Failed(String),
}

impl fmt::Display for SourceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceState::Following => f.write_str("following"),
            SourceState::Waiting(why) => write!(f, "waiting: {why}"),
            SourceState::Rotated => f.write_str("rotated, following the new file"),
            SourceState::Truncated => f.write_str("truncated, reading from the start"),
            SourceState::FileLoggingOff => f.write_str(
                "file logging is off on the server: set LogSettings.EnableFile to true to get logs over the API",
            ),
            SourceState::Gap => f.write_str("more lines than a page were written between two polls; some may be missing"),
            SourceState::Complete => f.write_str("read whole from the packet"),
            SourceState::Failed(err) => write!(f, "failed: {err}"),
        }
    }
}

/// An event from a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceEvent {
    Lines { source: String, batch: LineBatch },
    State { source: String, state: SourceState },
}

/// Where a source delivers its events. It returns false once nobody listens any more, which
/// stops the source.
pub type Sink = std::sync::Arc<dyn Fn(SourceEvent) -> bool + Send + Sync>;

/// A sink that forwards into a tokio channel.
pub fn channel_sink(tx: tokio::sync::mpsc::UnboundedSender<SourceEvent>) -> Sink {
    std::sync::Arc::new(move |event| tx.send(event).is_ok())
}

/// How many bytes of lines may wait for the consumer before sources must wait.
pub const IN_FLIGHT_LIMIT: usize = 32 << 20;

/// Bytes of lines sent and not yet taken. A source that runs ahead of its consumer (a huge
/// file read at disk speed, a flood) waits in [`Backpressure::reserve`] until the consumer
/// [`release`](Backpressure::release)s what it took, so memory stays bounded.
#[derive(Debug)]
pub struct Backpressure {
    in_flight: std::sync::atomic::AtomicUsize,
    limit: usize,
}

impl Backpressure {
    pub fn new(limit: usize) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Self {
            in_flight: std::sync::atomic::AtomicUsize::new(0),
            limit,
        })
    }

    /// Waits until `bytes` more fit (always lets one batch through when nothing waits), or
    /// returns false once `closed` says nobody will take them.
    pub fn reserve(&self, bytes: usize, closed: impl Fn() -> bool) -> bool {
        use std::sync::atomic::Ordering;
        loop {
            let now = self.in_flight.load(Ordering::Acquire);
            if now == 0 || now + bytes <= self.limit {
                self.in_flight.fetch_add(bytes, Ordering::AcqRel);
                return true;
            }
            if closed() {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    pub fn release(&self, bytes: usize) {
        use std::sync::atomic::Ordering;
        let _ = self
            .in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                Some(n.saturating_sub(bytes))
            });
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(std::sync::atomic::Ordering::Acquire)
    }

    /// As [`Backpressure::reserve`], with the bytes given back when the reservation is
    /// dropped, wherever that happens (taken by the consumer, or dropped on the way).
    pub fn hold(
        self: &std::sync::Arc<Self>,
        bytes: usize,
        closed: impl Fn() -> bool,
    ) -> Option<Reservation> {
        self.reserve(bytes, closed).then(|| Reservation {
            pressure: std::sync::Arc::clone(self),
            bytes,
        })
    }
}

/// Bytes held against a [`Backpressure`] limit until this is dropped.
#[derive(Debug)]
pub struct Reservation {
    pressure: std::sync::Arc<Backpressure>,
    bytes: usize,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.pressure.release(self.bytes);
    }
}

/// A sink into a tokio channel with [`Backpressure`]: the consumer releases each batch's
/// [`LineBatch::byte_len`] once it has taken it.
pub fn bounded_channel_sink(
    tx: tokio::sync::mpsc::UnboundedSender<SourceEvent>,
    pressure: std::sync::Arc<Backpressure>,
) -> Sink {
    std::sync::Arc::new(move |event| {
        if let SourceEvent::Lines { batch, .. } = &event
            && !pressure.reserve(batch.byte_len(), || tx.is_closed())
        {
            return false;
        }
        tx.send(event).is_ok()
    })
}

/// Sends lines in order, one batch per run of lines from the same source.
pub fn send_runs<'a>(tx: &Sink, lines: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> bool {
    let mut open = true;
    let mut batch = LineBatch::default();
    let mut current: Option<&str> = None;
    for (source, line) in lines {
        if let Some(previous) = current.filter(|c| *c != source || batch.is_full()) {
            open &= tx(SourceEvent::Lines {
                source: previous.to_string(),
                batch: std::mem::take(&mut batch),
            });
        }
        current = Some(source);
        batch.push(line);
    }
    if let Some(source) = current.filter(|_| !batch.is_empty()) {
        open &= tx(SourceEvent::Lines {
            source: source.to_string(),
            batch,
        });
    }
    open
}

/// Splits `data` into complete lines, pushing each to `out`; the unfinished tail stays in
/// `partial` for the next read. A line longer than [`MAX_LINE`] is passed on in pieces of
/// that size, so no line can take unbounded memory.
pub fn split_lines(partial: &mut Vec<u8>, data: &[u8], mut out: impl FnMut(&[u8])) {
    let mut emit = |line: &[u8]| {
        if line.len() <= MAX_LINE {
            out(line);
        } else {
            line.chunks(MAX_LINE).for_each(&mut out);
        }
    };
    let mut rest = data;
    while let Some(at) = memchr::memchr(b'\n', rest) {
        if partial.is_empty() {
            emit(&rest[..at]);
        } else {
            partial.extend_from_slice(&rest[..at]);
            emit(partial);
            partial.clear();
        }
        rest = &rest[at + 1..];
    }
    partial.extend_from_slice(rest);
    while partial.len() >= MAX_LINE {
        emit(&partial[..MAX_LINE]);
        partial.drain(..MAX_LINE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_hold_lines_back_to_back() {
        let mut batch = LineBatch::default();
        batch.push(b"one");
        batch.push(b"");
        batch.push(b"three");
        assert_eq!(
            batch.iter().collect::<Vec<_>>(),
            vec![&b"one"[..], b"", b"three"]
        );
        assert_eq!(batch.len(), 3);
    }

    #[test]
    fn a_line_without_end_is_passed_on_in_pieces() {
        let mut partial = Vec::new();
        let mut sizes = Vec::new();
        let chunk = vec![0u8; MAX_LINE / 2 + 1];
        for _ in 0..5 {
            split_lines(&mut partial, &chunk, |line| sizes.push(line.len()));
        }
        assert_eq!(sizes, vec![MAX_LINE, MAX_LINE]);
        assert!(partial.len() < MAX_LINE);
    }

    #[test]
    fn backpressure_waits_for_the_consumer() {
        let pressure = Backpressure::new(100);
        assert!(pressure.reserve(80, || false));
        assert!(pressure.reserve(20, || false));
        // Full, and the consumer is gone: the source is told to stop.
        assert!(!pressure.reserve(10, || true));
        let waiting = {
            let pressure = std::sync::Arc::clone(&pressure);
            std::thread::spawn(move || pressure.reserve(50, || false))
        };
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(!waiting.is_finished(), "waits while the consumer is behind");
        pressure.release(100);
        assert!(waiting.join().unwrap());
        assert_eq!(pressure.in_flight(), 50);
        // A batch larger than the limit still passes when nothing waits.
        pressure.release(50);
        assert!(pressure.reserve(1000, || false));
    }

    #[test]
    fn lines_split_across_reads() {
        let mut partial = Vec::new();
        let mut lines = Vec::new();
        split_lines(&mut partial, b"ab\ncd", |l| lines.push(l.to_vec()));
        split_lines(&mut partial, b"ef\n\ngh", |l| lines.push(l.to_vec()));
        assert_eq!(lines, vec![b"ab".to_vec(), b"cdef".to_vec(), b"".to_vec()]);
        assert_eq!(partial, b"gh");
    }
}
