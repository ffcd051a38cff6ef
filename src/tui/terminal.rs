//! The terminal: raw mode and the alternate screen on the way in, everything undone on the way
//! out, whatever the way out is (normal exit, error, panic, Ctrl-C, SIGTERM, SIGHUP).
//!
//! Frames go through a 64 KiB `BufWriter` (one or two writes per frame instead of hundreds) and
//! are wrapped in synchronized-update escapes so slow links never show half a frame.

use std::io::{self, BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Once, OnceLock};
use std::thread::ThreadId;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute, queue};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::app::App;

pub type Backend = CrosstermBackend<BufWriter<Stdout>>;

/// Whether the terminal is currently in the console's mode, so restoring is done once.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Puts the terminal back the way the shell expects it. Safe to call any number of times and
/// from a panic hook; errors are ignored because the terminal may already be gone (SIGHUP).
pub fn restore_terminal() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = execute!(
            out,
            EndSynchronizedUpdate,
            DisableBracketedPaste,
            LeaveAlternateScreen,
            cursor::Show
        );
        let _ = disable_raw_mode();
        let _ = out.flush();
    }
}

/// The thread that draws the console. Set once, when the console starts.
static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// On a panic of the console's own thread: restore the terminal, then let the previous hook
/// print, so the message is readable. A panic of a background thread or task (which tokio
/// turns into a failed job the app reports) must not print over the running console: it goes
/// to mmops' log instead.
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let on_ui_thread = UI_THREAD.get() == Some(&std::thread::current().id());
            if ACTIVE.load(Ordering::SeqCst) && !on_ui_thread {
                tracing::error!("a background task panicked: {info}");
                return;
            }
            restore_terminal();
            previous(info);
        }));
    });
}

pub struct Tui {
    terminal: Terminal<Backend>,
}

impl Tui {
    pub fn enter() -> io::Result<Self> {
        install_panic_hook();
        let _ = UI_THREAD.set(std::thread::current().id());
        enter_modes()?;
        Ok(Self {
            terminal: new_terminal()?,
        })
    }

    pub fn draw(&mut self, app: &mut App) -> io::Result<()> {
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        self.terminal.draw(|frame| app.draw(frame))?;
        queue!(self.terminal.backend_mut(), EndSynchronizedUpdate)?;
        self.terminal.backend_mut().flush()
    }

    /// Writes bytes meant for the terminal itself (an OSC 52 copy), outside any frame.
    pub fn write_raw(&mut self, bytes: &str) -> io::Result<()> {
        let out = self.terminal.backend_mut();
        out.write_all(bytes.as_bytes())?;
        out.flush()
    }

    /// Ctrl-Z: give the terminal back, stop the process, and take it again on `fg`.
    pub fn suspend(&mut self) -> io::Result<()> {
        restore_terminal();
        signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
        enter_modes()?;
        // A fresh terminal has no memory of the old frame, so the next draw repaints it all.
        self.terminal = new_terminal()?;
        Ok(())
    }
}

/// A ratatui terminal on a buffered stdout. (ratatui's own `clear` is avoided: it asks the
/// terminal for the cursor position, which slow links and some emulators never answer.)
fn new_terminal() -> io::Result<Terminal<Backend>> {
    Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(
        64 * 1024,
        io::stdout(),
    )))
}

fn enter_modes() -> io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    if let Err(err) = execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide,
        Clear(ClearType::All)
    ) {
        restore_terminal();
        return Err(err);
    }
    Ok(())
}

impl Drop for Tui {
    fn drop(&mut self) {
        restore_terminal();
    }
}
