//! The progress line: on a terminal's standard error, for a scan still running after a
//! second, one line (files, MB, NHIs found so far) rewritten in place a few times a second
//! and erased when the scan ends, so neither the report nor a log ever contains it.

use std::io::{self, Write};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::pipeline::Progress;

/// How long a scan runs before the line appears.
const DELAY: Duration = Duration::from_secs(1);
/// How often the line is rewritten.
const TICK: Duration = Duration::from_millis(200);
/// Erases the current line and returns to its start.
const CLEAR: &str = "\r\x1b[2K";

/// The thread that draws the line; stopped (and the line erased) by `finish` or on drop.
#[derive(Debug)]
pub(super) struct Ticker {
    done: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Starts drawing `progress` on standard error after `DELAY`.
    pub(super) fn start(progress: Arc<Progress>) -> Self {
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&done);
        let thread = std::thread::Builder::new()
            .name("nhiscan-progress".into())
            .spawn(move || draw(&progress, &signal))
            .ok();
        Self { done, thread }
    }

    /// Stops drawing and erases the line.
    pub(super) fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let (lock, wake) = &*self.done;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _drawing_is_best_effort = thread.join();
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn draw(progress: &Progress, done: &(Mutex<bool>, Condvar)) {
    let (lock, wake) = done;
    let mut finished = lock.lock().unwrap_or_else(PoisonError::into_inner);
    let mut wait = DELAY;
    let mut drawn = false;
    loop {
        let (guard, _) = wake
            .wait_timeout_while(finished, wait, |done| !*done)
            .unwrap_or_else(PoisonError::into_inner);
        finished = guard;
        if *finished {
            break;
        }
        let line = format!("{CLEAR}scanning: {}", progress_text(progress));
        let _drawing_is_best_effort = io::stderr().lock().write_all(line.as_bytes());
        drawn = true;
        wait = TICK;
    }
    if drawn {
        let _drawing_is_best_effort = io::stderr().lock().write_all(CLEAR.as_bytes());
    }
}

fn progress_text(progress: &Progress) -> String {
    let files = progress.files.load(Ordering::Relaxed);
    let bytes = progress.bytes.load(Ordering::Relaxed);
    let found = progress.subjects.load(Ordering::Relaxed);
    format!(
        "{files} file{} read, {:.1} MB, {found} NHI{} found so far",
        if files == 1 { "" } else { "s" },
        bytes as f64 / 1e6,
        if found == 1 { "" } else { "s" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_files_megabytes_and_nhis() {
        let progress = Progress::default();
        progress.files.store(1234, Ordering::Relaxed);
        progress.bytes.store(56_700_000, Ordering::Relaxed);
        progress.subjects.store(1, Ordering::Relaxed);
        assert_eq!(
            progress_text(&progress),
            "1234 files read, 56.7 MB, 1 NHI found so far"
        );
    }
}
