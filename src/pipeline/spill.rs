//! A temporary file that holds the inventory items of settled subjects (see `settle`) until
//! the JSON report is written, so that a million-row export is not held in memory twice
//! over. Each batch is one segment of rendered items, each item ended by a record
//! separator byte (which JSON text never holds unescaped). The file is created on first use,
//! unlinked from the start, and gone when the scan ends.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::Mutex;

/// Ends each item in a segment.
pub const SEPARATOR: u8 = 0x1e;

/// Where one batch's items are in the spill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub offset: u64,
    pub len: u64,
}

#[derive(Debug, Default)]
pub struct Spill {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    file: Option<File>,
    end: u64,
    /// The first write that failed: the inventory is incomplete, and the report says so.
    failed: Option<String>,
}

impl Spill {
    /// Appends `bytes` (rendered items, each ended by [`SEPARATOR`]) as one segment; `None`
    /// when writing failed (the failure is kept: see [`Spill::failed`]).
    pub fn append(&self, bytes: &[u8]) -> Option<Segment> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.failed.is_some() {
            return None;
        }
        let end = state.end;
        let written = match &mut state.file {
            Some(file) => file
                .seek(SeekFrom::Start(end))
                .and_then(|_| file.write_all(bytes)),
            None => tempfile::tempfile().and_then(|mut file| {
                file.write_all(bytes)?;
                state.file = Some(file);
                Ok(())
            }),
        };
        match written {
            Ok(()) => {
                let segment = Segment {
                    offset: state.end,
                    len: bytes.len() as u64,
                };
                state.end += segment.len;
                Some(segment)
            }
            Err(e) => {
                state.failed = Some(format!(
                    "could not write the inventory to a temporary file: {e}"
                ));
                None
            }
        }
    }

    /// Reads `segment` into `into` (replacing what it held): its items, each ended by
    /// [`SEPARATOR`] (see [`items`]).
    pub fn read(&self, segment: Segment, into: &mut Vec<u8>) -> io::Result<()> {
        let state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut file = state
            .file
            .as_ref()
            .ok_or_else(|| io::Error::other("the inventory's temporary file is missing"))?;
        into.clear();
        into.resize(usize::try_from(segment.len).map_err(io::Error::other)?, 0);
        file.seek(SeekFrom::Start(segment.offset))?;
        file.read_exact(into)
    }

    /// Why the inventory is incomplete, when a write failed: check it before reading, as a
    /// batch whose write failed has no segment to read.
    pub fn failed(&self) -> Option<String> {
        let state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.failed.clone()
    }
}

/// The items of a segment read with [`Spill::read`], each without its separator.
pub fn items(segment: &[u8]) -> impl Iterator<Item = &[u8]> {
    segment
        .split(|b| *b == SEPARATOR)
        .filter(|item| !item.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_read_back_as_their_items() {
        let spill = Spill::default();
        let a = spill.append(b"{\"a\":1}\x1e{\"b\":2}\x1e").unwrap();
        let b = spill.append(b"{\"c\":3}\x1e").unwrap();
        assert_eq!(b.offset, a.len);
        let mut buffer = Vec::new();
        spill.read(b, &mut buffer).unwrap();
        assert_eq!(items(&buffer).collect::<Vec<_>>(), [b"{\"c\":3}"]);
        spill.read(a, &mut buffer).unwrap();
        assert_eq!(
            items(&buffer).collect::<Vec<_>>(),
            [&b"{\"a\":1}"[..], &b"{\"b\":2}"[..]]
        );
    }
}
