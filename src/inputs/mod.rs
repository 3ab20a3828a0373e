//! What gets scanned: blobs of bytes with their provenance. A blob is a file under a root,
//! standard input (`-`), or (for git history) a blob seen at one or more commits and paths;
//! the stages after reading only see the path it is reported under.

pub mod fs;
pub mod git;

use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;

use crate::model::{Commit, InHistory};

/// One input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// How to read it.
    pub content: Content,
    /// Where it was seen; the first place names it in reports.
    pub seen: Vec<Provenance>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A file, read when its turn comes (also FIFOs and devices given as roots).
    File(PathBuf),
    /// Standard input (`nhiscan scan -`).
    Stdin,
    /// Bytes already in memory (a git blob).
    Bytes(Arc<[u8]>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// A path as reported: the root as given joined with the path below it.
    Path(String),
    /// A path at a commit: the first commit (in history order) where the blob was seen at
    /// that path, and whether it is at that path in HEAD's tree.
    Commit {
        commit: Arc<Commit>,
        path: String,
        at_head: bool,
    },
}

impl Blob {
    pub fn file(path: PathBuf, display: String) -> Self {
        Self {
            content: Content::File(path),
            seen: vec![Provenance::Path(display)],
        }
    }

    pub fn stdin() -> Self {
        Self {
            content: Content::Stdin,
            seen: vec![Provenance::Path("-".to_owned())],
        }
    }

    /// The path it is reported under.
    pub fn display(&self) -> &str {
        match self.seen.first() {
            Some(Provenance::Path(path) | Provenance::Commit { path, .. }) => path,
            None => "",
        }
    }

    /// The commit its findings name: the first where it was seen, and whether it is still
    /// present at any of its paths. `None` for a file or standard input.
    pub fn history(&self) -> Option<InHistory> {
        let mut commits = self.seen.iter().filter_map(|p| match p {
            Provenance::Commit { commit, .. } => Some(commit),
            Provenance::Path(_) => None,
        });
        let first = commits.next()?;
        let present_at_head = self
            .seen
            .iter()
            .any(|p| matches!(p, Provenance::Commit { at_head: true, .. }));
        Some(InHistory {
            commit: Arc::clone(first),
            present_at_head,
        })
    }

    /// Opens the content for reading, with its size when known without asking the system
    /// (a file's is not: a `stat` per file was 2 % of a scan, see [`Self::stat_size`]).
    pub fn open(&self) -> io::Result<(Box<dyn Read + '_>, Option<u64>)> {
        match &self.content {
            Content::File(path) => Ok((Box::new(std::fs::File::open(path)?), None)),
            Content::Stdin => Ok((Box::new(io::stdin().lock()), None)),
            Content::Bytes(bytes) => Ok((Box::new(&bytes[..]), Some(bytes.len() as u64))),
        }
    }

    /// The size of a regular file, asked of the file system (other content's size is
    /// known from [`Self::open`] or not at all).
    pub fn stat_size(&self) -> Option<u64> {
        match &self.content {
            Content::File(path) => std::fs::metadata(path)
                .ok()
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len()),
            Content::Stdin | Content::Bytes(_) => None,
        }
    }
}

/// Reads at most `limit` bytes (a file that grows while it is read stops there); the flag
/// says whether there was more. `size` (the file's size) is asked for only when the first
/// read fills the buffer, and sizes it at once, so a large file is not copied from buffer
/// to doubled buffer while it is read.
pub fn read_bounded(
    reader: &mut dyn Read,
    limit: u64,
    size: impl FnOnce() -> Option<u64>,
) -> io::Result<(Vec<u8>, bool)> {
    let mut bytes = Vec::new();
    let more = read_bounded_into(reader, limit, size, &mut bytes)?;
    if more {
        bytes.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    Ok((bytes, more))
}

/// The first read's least size, when the buffer kept is smaller.
const FIRST_READ: usize = 64 << 10;

/// `read_bounded` into a buffer the caller keeps between reads (emptied first), so reading
/// many files does not fault in fresh pages for each. With more to read, `bytes` holds all
/// that was read (at most `limit + 1` bytes; less when `size` is over the limit), so a
/// caller that goes on reading loses none.
pub fn read_bounded_into(
    reader: &mut dyn Read,
    limit: u64,
    size: impl FnOnce() -> Option<u64>,
    bytes: &mut Vec<u8>,
) -> io::Result<bool> {
    bytes.clear();
    let bound = limit.saturating_add(1);
    let first = (bytes.capacity().max(FIRST_READ) as u64).min(bound);
    reader.take(first).read_to_end(bytes)?;
    if (bytes.len() as u64) < first {
        return Ok(false);
    }
    if first < bound
        && let Some(size) = size()
    {
        if size > limit {
            return Ok(true);
        }
        let whole = usize::try_from(size.saturating_add(1)).unwrap_or(usize::MAX);
        bytes.reserve(whole.saturating_sub(bytes.len()));
    }
    reader.take(bound - first).read_to_end(bytes)?;
    Ok(bytes.len() as u64 > limit)
}
