//! The event loop: one `select!` over terminal events, worker results, timers and signals.
//!
//! Rendering is coalesced: every event, message and timer marks the screen dirty here (views
//! never do), and a frame is drawn at most once per frame interval. With nothing happening, the loop sleeps until the next timer the app
//! asks for, so an idle console uses no CPU.

use std::time::Duration;

use crossterm::event::EventStream;
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use super::app::App;
use super::env::Launch;
use super::frame_stats::FrameStats;
use super::terminal::Tui;

/// Why the console stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    User,
    Terminated,
    HangUp,
    InputClosed,
}

pub async fn run(launch: Launch, frame_rate: u32) -> std::io::Result<Exit> {
    let frame_interval = Duration::from_secs_f64(1.0 / f64::from(frame_rate.clamp(1, 240)));
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    let mut tui = Tui::enter()?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut app = App::new(launch, tx);
    tui.draw(&mut app)?;
    app.mark_drawn();
    let mut last_frame = Instant::now();
    // For the test that proves a panic gives the terminal back (debug builds only): nothing
    // else can make the console panic on purpose.
    #[cfg(debug_assertions)]
    if std::env::var_os("MMOPS_DEBUG_PANIC").is_some() {
        panic!("MMOPS_DEBUG_PANIC is set: a deliberate panic after the first frame");
    }
    app.start();
    let mut events = EventStream::new();
    let mut stats = FrameStats::from_env();

    let exit = loop {
        if app.should_quit() {
            break Exit::User;
        }
        let frame_due = app.is_dirty().then_some(last_frame + frame_interval);
        let deadline = [frame_due, app.next_deadline()].into_iter().flatten().min();
        let wake = async {
            match deadline {
                Some(at) => sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => {
                    let turn = std::time::Instant::now();
                    app.on_event(event);
                    app.mark_dirty();
                    stats.turn(turn.elapsed());
                }
                Some(Err(err)) => {
                    tracing::error!("terminal input failed: {err}");
                    break Exit::InputClosed;
                }
                None => break Exit::InputClosed,
            },
            Some(msg) = rx.recv() => {
                let turn = std::time::Instant::now();
                app.on_msg(msg);
                // Drain what is waiting, but not past half a frame: a source faster than the
                // console (a packet's log read at decompression speed) would keep the queue
                // full, and no frame would be drawn until it ended.
                let until = turn + frame_interval / 2;
                while std::time::Instant::now() < until {
                    let Ok(more) = rx.try_recv() else { break };
                    app.on_msg(more);
                }
                app.mark_dirty();
                stats.turn(turn.elapsed());
            }
            () = wake => {
                let turn = std::time::Instant::now();
                app.on_timer(Instant::now());
                app.mark_dirty();
                stats.turn(turn.elapsed());
            }
            _ = sigterm.recv() => break Exit::Terminated,
            _ = sigint.recv() => break Exit::Terminated,
            _ = sighup.recv() => break Exit::HangUp,
        }
        if app.take_suspend_request() {
            tui.suspend()?;
            last_frame = Instant::now() - frame_interval;
        }
        let now = Instant::now();
        if app.is_dirty() && now >= last_frame + frame_interval {
            let drawing = std::time::Instant::now();
            if let Err(err) = tui.draw(&mut app) {
                // The terminal went away (an SSH drop): nothing left to draw on.
                tracing::warn!("drawing failed: {err}");
                break Exit::HangUp;
            }
            stats.frame(drawing.elapsed());
            app.mark_drawn();
            last_frame = now;
        }
        for bytes in app.take_terminal_output() {
            if let Err(err) = tui.write_raw(&bytes) {
                tracing::warn!("writing to the terminal failed: {err}");
            }
        }
    };
    drop(tui);
    stats.write();
    Ok(exit)
}
