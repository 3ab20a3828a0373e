//! Enumerates the files under the roots as blobs: sorted (so output never depends on
//! thread timing), `.git/` internals skipped, `--exclude` globs applied, symlinks followed
//! only on request (with loop detection). A root that is a FIFO or a device (`<(cmd)`,
//! `/dev/stdin`) is one blob read as a stream; `-` is standard input. Reading is the
//! extract stage's job.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::Blob;
use crate::model::{InputError, InputErrorKind};

#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub excludes: GlobSet,
    pub follow_symlinks: bool,
}

/// Builds the exclusion set; a bad glob is a usage error.
pub fn excludes(globs: &[String]) -> Result<GlobSet, globset::Error> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        builder.add(Glob::new(glob)?);
        if !glob.contains('/') {
            builder.add(Glob::new(&format!("**/{glob}"))?);
        }
    }
    builder.build()
}

/// A path as reports show it, without a leading `./`. On Unix a file name is bytes: a
/// backslash is an ordinary character and stays, and bytes that are not UTF-8 are shown as
/// `\xNN` (escaped, not replaced, so names that differ in a byte never show the same; only a
/// name that literally holds the text `\xNN` could look like one that holds the byte). On Windows
/// `\` separators are shown as `/`.
pub(crate) fn display_path(path: &Path) -> String {
    let text = path_text(path);
    let mut text = text.as_str();
    while let Some(rest) = text.strip_prefix("./") {
        text = rest;
    }
    if text.is_empty() {
        ".".to_owned()
    } else {
        text.to_owned()
    }
}

#[cfg(unix)]
fn path_text(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt as _;
    escape_invalid_utf8(path.as_os_str().as_bytes())
}

#[cfg(not(unix))]
fn path_text(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// `bytes` as text, each byte of an invalid UTF-8 sequence written `\xNN`.
fn escape_invalid_utf8(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for byte in chunk.invalid() {
            let _infallible = write!(out, "\\x{byte:02X}");
        }
    }
    out
}

/// Every file under `roots`, in order, and what could not be walked.
pub fn walk(roots: &[PathBuf], options: &WalkOptions) -> (Vec<Blob>, Vec<InputError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in roots {
        if root.as_os_str() == "-" {
            files.push(Blob::stdin());
            continue;
        }
        let walker = walkdir::WalkDir::new(root)
            .follow_links(options.follow_symlinks)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                if entry.depth() == 0 {
                    return true;
                }
                let is_git = entry.file_type().is_dir() && entry.file_name() == ".git";
                let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
                !is_git
                    && !options.excludes.is_match(relative)
                    && !options.excludes.is_match(display_path(entry.path()))
            });
        for entry in walker {
            match entry {
                Ok(entry)
                    if entry.file_type().is_file()
                        || (entry.depth() == 0 && !entry.file_type().is_dir()) =>
                {
                    let display = display_path(entry.path());
                    files.push(Blob::file(entry.into_path(), display));
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e.path().map_or_else(|| display_path(root), display_path);
                    let (kind, reason) = match e.loop_ancestor() {
                        Some(ancestor) => (
                            InputErrorKind::Walk,
                            format!(
                                "symbolic link loop back to {}; not followed",
                                display_path(ancestor)
                            ),
                        ),
                        None => (
                            InputErrorKind::Io,
                            e.io_error()
                                .map_or_else(|| e.to_string(), ToString::to_string),
                        ),
                    };
                    errors.push(InputError::new(path, kind, reason));
                }
            }
        }
    }
    (files, errors)
}

#[cfg(all(test, unix))]
mod tests {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt as _;

    use super::*;

    #[test]
    fn unix_names_are_shown_as_they_are_and_invalid_bytes_escaped() {
        let show = |bytes: &[u8]| display_path(Path::new(OsStr::from_bytes(bytes)));
        assert_eq!(show(b"./dir/back\\slash.txt"), "dir/back\\slash.txt");
        assert_eq!(show(b"dir/caf\xE9.txt"), "dir/caf\\xE9.txt");
        assert_ne!(show(b"a\xFF.txt"), show(b"a\xFE.txt"));
        assert_eq!(show("dir/café.txt".as_bytes()), "dir/café.txt");
    }
}
