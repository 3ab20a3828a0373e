//! `--output`: the report file is opened before the scan (a missing or unwritable directory
//! fails at once, exit 2) as a temporary file beside the target, and renamed over the target
//! only once the whole report is written and flushed, so the target holds a whole report or
//! is left as it was.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use miette::{IntoDiagnostic, WrapErr, miette};

/// A report file being written: a temporary file until `commit`; removed when dropped
/// uncommitted (an error while writing). A process killed mid-write leaves the temporary
/// file (named `.<target>.<pid>.nhiscan.tmp`) and the target untouched. A target that
/// exists and is not a regular file (`/dev/null`, a FIFO, `/dev/stdout`) is written
/// directly: it cannot be replaced, and renaming over it would replace the device.
#[derive(Debug)]
pub(super) struct PendingOutput {
    /// Empty when writing to the target directly.
    temp: PathBuf,
    target: PathBuf,
    file: Option<File>,
}

impl PendingOutput {
    /// Creates the temporary file beside `target` (or opens a special file).
    pub(super) fn create(target: &Path) -> miette::Result<Self> {
        let cannot = || format!("cannot write {}", target.display());
        if let Ok(meta) = std::fs::metadata(target)
            && !meta.is_file()
            && !meta.is_dir()
        {
            let file = OpenOptions::new()
                .write(true)
                .open(target)
                .into_diagnostic()
                .wrap_err_with(cannot)?;
            return Ok(Self {
                temp: PathBuf::new(),
                target: target.to_path_buf(),
                file: Some(file),
            });
        }
        let name = target
            .file_name()
            .ok_or_else(|| miette!("{}: not a file name", cannot()))?;
        if target.is_dir() {
            return Err(miette!("{}: it is a directory", cannot()));
        }
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{}.nhiscan.tmp", std::process::id()));
        let temp = dir.join(temp_name);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)
            .into_diagnostic()
            .wrap_err_with(cannot)?;
        Ok(Self {
            temp,
            target: target.to_path_buf(),
            file: Some(file),
        })
    }

    /// Writes the report and renames it into place; on any error the target is untouched.
    pub(super) fn commit(
        mut self,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("report file already written"))?;
        let mut out = BufWriter::new(file);
        write(&mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        if self.temp.as_os_str().is_empty() {
            return Ok(());
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.temp, &self.target)?;
        self.temp = PathBuf::new();
        Ok(())
    }
}

impl Drop for PendingOutput {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            let _best_effort = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_target_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.json");
        std::fs::write(&target, "previous report").unwrap();
        let pending = PendingOutput::create(&target).unwrap();
        let failed = pending.commit(|out| {
            out.write_all(b"{\"half\": ")?;
            Err(io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "previous report");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "the temporary file is removed: {left:?}");
        let pending = PendingOutput::create(&target).unwrap();
        pending.commit(|out| out.write_all(b"{}")).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "{}");
    }

    /// A FIFO (or `/dev/null`) given as `--output` is written to, never replaced by a file.
    #[cfg(unix)]
    #[test]
    fn a_fifo_is_written_in_place_never_replaced() {
        use std::io::Read as _;
        use std::os::unix::fs::FileTypeExt as _;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("report.fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader_path = fifo.clone();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            std::fs::File::open(reader_path)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        });
        let pending = PendingOutput::create(&fifo).unwrap();
        pending.commit(|out| out.write_all(b"{}")).unwrap();
        assert_eq!(reader.join().unwrap(), "{}");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }

    #[test]
    fn a_missing_directory_fails_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let error = PendingOutput::create(&dir.path().join("missing/report.json")).unwrap_err();
        assert!(error.to_string().starts_with("cannot write"), "{error}");
    }
}
