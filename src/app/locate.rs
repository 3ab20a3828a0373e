//! Where the scan is on disk, for repository-relative paths in CI reports: each root's
//! canonical path, the working directory, and the top they are relative to: the git work
//! tree containing the first root (the nearest directory above it holding `.git`), else the
//! scanned root (the directory a file root is in; the deepest common directory of several).

use std::path::{Path, PathBuf};

use crate::inputs::fs::display_path;
use crate::report::Locator;

pub(super) fn locator(roots: &[PathBuf]) -> Locator {
    let working_dir = std::env::current_dir().ok();
    let mut named = Vec::new();
    let mut dirs = Vec::new();
    for root in roots.iter().filter(|r| r.as_os_str() != "-") {
        let Ok(absolute) = std::fs::canonicalize(root) else {
            continue;
        };
        let dir = if absolute.is_dir() {
            absolute.clone()
        } else {
            absolute
                .parent()
                .map_or_else(|| absolute.clone(), Path::to_path_buf)
        };
        named.push((display_path(root), text(&absolute)));
        dirs.push(dir);
    }
    let top = dirs
        .first()
        .and_then(|first| work_tree_top(first))
        .or_else(|| common_dir(&dirs))
        .or_else(|| working_dir.as_deref().and_then(work_tree_top))
        .or_else(|| working_dir.clone());
    Locator {
        top: top.as_deref().map(text),
        working_dir: working_dir.as_deref().map(text),
        roots: named,
    }
}

/// The nearest directory at or above `dir` that holds `.git` (a directory, or a file in a
/// linked work tree or submodule).
fn work_tree_top(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The deepest directory all of `dirs` are in.
fn common_dir(dirs: &[PathBuf]) -> Option<PathBuf> {
    let mut common = dirs.first()?.clone();
    for dir in &dirs[1..] {
        while !dir.starts_with(&common) {
            common = common.parent()?.to_path_buf();
        }
    }
    Some(common)
}

/// An absolute path as reports write paths, without a trailing `/`.
fn text(path: &Path) -> String {
    display_path(path).trim_end_matches('/').to_owned()
}
