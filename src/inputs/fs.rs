//! Enumerates the files under the roots as blobs: sorted (so output never depends on
//! thread timing), `.git/` internals skipped, `--exclude` globs and the default excludes
//! (dependency and cache directories) applied below each root, `.gitignore` honoured on
//! request, symlinks followed only on request (with loop detection). A root that is a FIFO
//! or a device (`<(cmd)`, `/dev/stdin`) is one blob read as a stream; `-` is standard input.
//! A root itself is never excluded. Reading is the extract stage's job.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::Blob;
use crate::model::{InputError, InputErrorKind};

#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub excludes: GlobSet,
    /// Skip the directories named in [`DEFAULT_EXCLUDED_DIRS`] below a root.
    pub default_excludes: bool,
    /// Honour `.gitignore`, `.ignore` and `.git/info/exclude` (ripgrep's rules).
    pub respect_gitignore: bool,
    pub follow_symlinks: bool,
}

/// Directories skipped below a root unless `--no-default-excludes`: downloaded dependencies
/// and caches, rebuilt from files that are scanned anyway (lock files, manifests, sources).
/// Not `vendor/` (often committed, and shipped: a key there is as exposed as one in `src/`),
/// `dist/` or `build/` (bundles inline keys at build time; `build/` holds CI and packaging
/// config in many layouts), nor `.terraform/` (may hold state with credentials).
pub const DEFAULT_EXCLUDED_DIRS: &[&str] = &[
    ".mypy_cache",
    ".nox",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".venv",
    "__pycache__",
    "bower_components",
    "node_modules",
    "target",
];

/// Builds the exclusion set; a bad glob is a usage error. A leading `./` is dropped (globs
/// are matched against paths without one); a glob without `/` matches a name at any depth.
pub fn excludes(globs: &[String]) -> Result<GlobSet, globset::Error> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let mut glob = glob.as_str();
        while let Some(rest) = glob.strip_prefix("./") {
            glob = rest;
        }
        builder.add(Glob::new(glob)?);
        if !glob.contains('/') {
            builder.add(Glob::new(&format!("**/{glob}"))?);
        }
    }
    builder.build()
}

/// The exclusion set for paths in git history (files, not directories, relative to the
/// repository): `globs`, and the default excluded directories when `default_excludes`.
pub fn history_excludes(
    globs: &[String],
    default_excludes: bool,
) -> Result<GlobSet, globset::Error> {
    let mut all = globs.to_vec();
    for glob in globs.iter().filter(|g| !g.contains('/')) {
        all.push(format!("**/{glob}/**"));
    }
    if default_excludes {
        all.extend(DEFAULT_EXCLUDED_DIRS.iter().map(|d| format!("**/{d}/**")));
    }
    excludes(&all)
}

fn is_default_excluded_dir(name: &OsStr) -> bool {
    DEFAULT_EXCLUDED_DIRS.iter().any(|d| name == *d)
}

/// A path as reports show it, without a leading `./`. On Unix a file name is bytes: a
/// backslash is an ordinary character and stays, and bytes that are not UTF-8 are shown as
/// `\xNN` (escaped, not replaced, so names that differ in a byte never show the same; only a
/// name that literally holds the text `\xNN` could look like one that holds the byte). On Windows
/// `\` separators are shown as `/`.
pub(crate) fn display_path(path: &Path) -> String {
    let text = path_text(path);
    let mut text = &*text;
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
fn path_text(path: &Path) -> Cow<'_, str> {
    use std::os::unix::ffi::OsStrExt as _;
    let bytes = path.as_os_str().as_bytes();
    std::str::from_utf8(bytes)
        .map_or_else(|_| Cow::Owned(escape_invalid_utf8(bytes)), Cow::Borrowed)
}

#[cfg(not(unix))]
fn path_text(path: &Path) -> Cow<'_, str> {
    Cow::Owned(path.to_string_lossy().replace('\\', "/"))
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

/// Every file under `roots`, in order, handed over in batches of at most `size` while the
/// walk goes on (so that they can be read while the rest of the tree is listed); returns
/// what could not be walked.
pub fn walk_batches(
    roots: &[PathBuf],
    options: &WalkOptions,
    size: usize,
    on_batch: &mut dyn FnMut(Vec<Blob>),
) -> Vec<InputError> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut push = |files: &mut Vec<Blob>, blob| {
        files.push(blob);
        if files.len() >= size {
            on_batch(std::mem::take(files));
        }
    };
    for root in roots {
        if root.as_os_str() == "-" {
            push(&mut files, Blob::stdin());
            continue;
        }
        for entry in walker(root, options) {
            match entry {
                Ok(entry) => {
                    let Some(file_type) = entry.file_type() else {
                        continue;
                    };
                    if let Some(e) = entry.error() {
                        errors.push(walk_error(entry.path(), e));
                    }
                    if file_type.is_file() || (entry.depth() == 0 && !file_type.is_dir()) {
                        let display = display_path(entry.path());
                        push(&mut files, Blob::file(entry.into_path(), display));
                    }
                }
                Err(e) => errors.push(walk_error(root, &e)),
            }
        }
    }
    if !files.is_empty() {
        on_batch(files);
    }
    errors
}

/// The walk of one root: ripgrep's walker with its ignore-file filters on only for
/// `--respect-gitignore` (and then never the user's global excludes file, so that a scan
/// does not depend on the machine's git configuration). Hidden files are always walked:
/// `.env` is where secrets live.
fn walker(root: &Path, options: &WalkOptions) -> ignore::Walk {
    let excludes = Arc::new(options.excludes.clone());
    let default_excludes = options.default_excludes;
    let base = root.to_path_buf();
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .standard_filters(false)
        .hidden(false)
        .parents(options.respect_gitignore)
        .ignore(options.respect_gitignore)
        .git_ignore(options.respect_gitignore)
        .git_exclude(options.respect_gitignore)
        .git_global(false)
        .follow_links(options.follow_symlinks)
        // Siblings share their parent's path, so their paths sort as their names do, and
        // comparing the bytes spares splitting a name off each path at every comparison.
        .sort_by_file_path(|a, b| a.as_os_str().cmp(b.as_os_str()))
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir
                && (entry.file_name() == ".git"
                    || (default_excludes && is_default_excluded_dir(entry.file_name())))
            {
                return false;
            }
            if excludes.is_empty() {
                return true;
            }
            let relative = entry.path().strip_prefix(&base).unwrap_or(entry.path());
            !excludes.is_match(relative) && !excludes.is_match(display_path(entry.path()))
        });
    builder.build()
}

/// A walk error as an input error: a symbolic link loop (kind `walk`), or what the
/// operating system said (kind `io`), at the deepest path the error names.
fn walk_error(root: &Path, error: &ignore::Error) -> InputError {
    let mut path = root.to_path_buf();
    let mut error = error;
    loop {
        match error {
            ignore::Error::WithPath { path: at, err } => {
                path.clone_from(at);
                error = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                error = err;
            }
            ignore::Error::Partial(errs) if errs.len() == 1 => error = &errs[0],
            _ => break,
        }
    }
    let (kind, reason) = match error {
        ignore::Error::Loop { ancestor, child } => {
            path.clone_from(child);
            (
                InputErrorKind::Walk,
                format!(
                    "symbolic link loop back to {}; not followed",
                    display_path(ancestor)
                ),
            )
        }
        ignore::Error::Io(e) => {
            let walkdir_io = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<walkdir::Error>())
                .and_then(walkdir::Error::io_error);
            (
                InputErrorKind::Io,
                walkdir_io.map_or_else(|| e.to_string(), ToString::to_string),
            )
        }
        other => (
            InputErrorKind::Walk,
            crate::model::InputText::foreign(other).to_string(),
        ),
    };
    InputError::new(display_path(&path), kind, reason)
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

#[cfg(test)]
mod batch_tests {
    use super::*;

    /// The batches a walk hands over while it runs are the whole walk's files, in the same
    /// order, whatever the batch size; and no batch is empty.
    #[test]
    fn batches_of_any_size_are_the_whole_walk_in_order() {
        let options = WalkOptions {
            excludes: GlobSet::empty(),
            default_excludes: true,
            respect_gitignore: false,
            follow_symlinks: false,
        };
        let roots = [
            PathBuf::from("fixtures/rules/SEC001"),
            PathBuf::from("fixtures/demo"),
        ];
        let mut whole = Vec::new();
        walk_batches(&roots, &options, usize::MAX, &mut |batch| {
            whole.extend(batch);
        });
        let names = |blobs: &[Blob]| {
            blobs
                .iter()
                .map(|b| b.display().to_owned())
                .collect::<Vec<_>>()
        };
        assert!(whole.len() > 5, "{:?}", names(&whole));
        for size in [1, 2, 5, whole.len(), usize::MAX] {
            let mut batches: Vec<Vec<Blob>> = Vec::new();
            walk_batches(&roots, &options, size, &mut |batch| batches.push(batch));
            assert!(
                batches.iter().all(|b| !b.is_empty() && b.len() <= size),
                "size {size}"
            );
            let streamed: Vec<Blob> = batches.into_iter().flatten().collect();
            assert_eq!(names(&streamed), names(&whole), "size {size}");
        }
    }
}
