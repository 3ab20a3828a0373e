//! Text inputs: binary sniffing, UTF-8 decoding that reports (and survives) invalid bytes,
//! and reading files too large to hold in memory as chunks of whole lines. What runs over
//! the text (the detector rules) is not this module's business.

use std::borrow::Cow;
use std::io::{self, Read};

/// The fixture folder and adapter id of plain text.
pub(crate) const ID: &str = "text";

/// A file is binary when its first 8 KiB hold a NUL byte (as git and ripgrep decide), or
/// are not UTF-8 and more than a quarter of their bytes are control or high bytes (so a
/// Latin-1 text with a few accents stays text; compressed or raw data does not).
pub(crate) fn is_binary(head: &[u8]) -> bool {
    let head = &head[..head.len().min(8192)];
    if head.contains(&0) {
        return true;
    }
    let valid = match simdutf8::compat::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    if valid || head.len() < 32 {
        return false;
    }
    let unusual = head
        .iter()
        .filter(|&&b| b >= 0x80 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)))
        .count();
    unusual * 4 > head.len()
}

/// Decodes `bytes` as UTF-8, replacing invalid sequences; the second value is the byte
/// offset of the first invalid sequence, when there is one.
pub(crate) fn decode(bytes: &[u8]) -> (Cow<'_, str>, Option<usize>) {
    match simdutf8::compat::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), None),
        Err(e) => (String::from_utf8_lossy(bytes), Some(e.valid_up_to())),
    }
}

/// One piece of a file read in chunks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chunk<'a> {
    pub bytes: &'a [u8],
    /// Byte offset of `bytes[0]` in the file.
    pub offset: u64,
    /// Lines before `bytes[0]` in the file, and characters before it on its line: add them
    /// to positions in the chunk to get true lines and columns.
    pub lines_before: u32,
    pub columns_before: u32,
    /// The bytes whose matches this chunk reports: a match that starts before it was
    /// reported by the chunk before, one that starts after it will be by the next.
    pub owned: std::ops::Range<usize>,
}

impl Chunk<'_> {
    /// A span measured in the chunk as a span in the file.
    pub(crate) fn in_file(&self, mut span: crate::model::Span) -> crate::model::Span {
        if span.line == 1 {
            span.column += self.columns_before;
        }
        if span.end_line == 1 {
            span.end_column += self.columns_before;
        }
        span.line += self.lines_before;
        span.end_line += self.lines_before;
        span
    }
}

/// [`for_each_chunk`] over bytes already in memory: one chunk, the bytes themselves, when
/// they fit (never copied into a chunk buffer: most files are a few KiB, the buffer 8 MiB).
pub(crate) fn for_each_chunk_of(
    bytes: &[u8],
    chunk_size: usize,
    overlap: usize,
    mut f: impl FnMut(&Chunk<'_>),
) -> io::Result<()> {
    if bytes.len() <= chunk_size {
        f(&Chunk {
            bytes,
            offset: 0,
            lines_before: 0,
            columns_before: 0,
            owned: 0..bytes.len(),
        });
        return Ok(());
    }
    for_each_chunk(bytes, chunk_size, overlap, f)
}

/// Calls `f` for consecutive chunks of about `chunk_size` bytes. A chunk ends at a line end
/// when there is one in its second half, otherwise at a character boundary (a file without
/// line breaks is still cut, never mid-character). A chunk owns the matches that start in
/// `Chunk::owned`, which ends `overlap` bytes before the cut; the next chunk starts
/// `overlap` bytes before that end. So the chunk that owns a match of up to `overlap` bytes
/// sees it whole, with `overlap` bytes of context before it.
pub(crate) fn for_each_chunk(
    mut reader: impl Read,
    chunk_size: usize,
    overlap: usize,
    mut f: impl FnMut(&Chunk<'_>),
) -> io::Result<()> {
    let chunk_size = chunk_size.max(16);
    let overlap = overlap.min(chunk_size / 8);
    let mut buffer: Vec<u8> = Vec::with_capacity(chunk_size);
    let mut offset = 0_u64;
    let mut lines_before = 0_u32;
    let mut columns_before = 0_u32;
    let mut head = 0_usize;
    loop {
        let start = buffer.len();
        buffer.resize(chunk_size.max(start + 16), 0);
        let mut filled = start;
        let mut eof = false;
        while filled < buffer.len() {
            match reader.read(&mut buffer[filled..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        buffer.truncate(filled);
        if eof {
            if buffer.len() > head || offset == 0 {
                f(&Chunk {
                    bytes: &buffer,
                    offset,
                    lines_before,
                    columns_before,
                    owned: head..buffer.len(),
                });
            }
            return Ok(());
        }
        let half = buffer.len() / 2;
        let cut = match buffer.iter().rposition(|b| *b == b'\n') {
            Some(nl) if nl >= half => nl + 1,
            _ => char_boundary(&buffer, buffer.len()),
        };
        let owned_to = char_boundary(&buffer, cut - overlap).max(head + 1);
        let keep_from = char_boundary(&buffer, owned_to - overlap).max(1);
        let chunk = &buffer[..cut];
        f(&Chunk {
            bytes: chunk,
            offset,
            lines_before,
            columns_before,
            owned: head..owned_to,
        });
        let passed = &chunk[..keep_from];
        match passed.iter().rposition(|b| *b == b'\n') {
            Some(nl) => {
                columns_before = chars_in(&passed[nl + 1..]);
                lines_before = lines_before.saturating_add(count_lines(passed));
            }
            None => columns_before = columns_before.saturating_add(chars_in(passed)),
        }
        offset += keep_from as u64;
        head = owned_to - keep_from;
        buffer.drain(..keep_from);
    }
}

/// The nearest character boundary at or before `at`: never inside a UTF-8 sequence, and
/// before an incomplete one at the end (invalid bytes count as characters of one byte).
fn char_boundary(bytes: &[u8], at: usize) -> usize {
    let at = at.min(bytes.len());
    let lead = (at.saturating_sub(3)..at)
        .rev()
        .find(|&i| (bytes[i] as i8) >= -0x40);
    match lead {
        Some(i) => {
            let len = match bytes[i] {
                0xF0..=0xF7 => 4,
                0xE0..=0xEF => 3,
                0xC0..=0xDF => 2,
                _ => 1,
            };
            if i + len > at { i } else { at }
        }
        None => at,
    }
}

fn chars_in(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()).unwrap_or(u32::MAX)
}

fn count_lines(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.iter().filter(|b| **b == b'\n').count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every occurrence of `needle`, found in the chunk that owns it, at its true offset,
    /// line and column.
    fn found_in_chunks(
        text: &str,
        needle: &str,
        chunk: usize,
        overlap: usize,
    ) -> Vec<(u64, u32, u32)> {
        let mut found = Vec::new();
        for_each_chunk(text.as_bytes(), chunk, overlap, |c| {
            let piece = std::str::from_utf8(c.bytes).expect("cut at a character boundary");
            for (at, _) in piece.match_indices(needle) {
                if c.owned.contains(&at) {
                    let before = &piece[..at];
                    let line = before.matches('\n').count() as u32 + 1;
                    let column = before.rsplit('\n').next().unwrap().chars().count() as u32 + 1;
                    let span = c.in_file(crate::model::Span {
                        line,
                        column,
                        end_line: line,
                        end_column: column,
                    });
                    found.push((c.offset + at as u64, span.line, span.column));
                }
            }
        })
        .unwrap();
        found
    }

    #[test]
    fn chunks_cover_every_line_once() {
        let text: String = (1..=1000).map(|i| format!("line {i} x\n")).collect();
        let found = found_in_chunks(&text, " x", 512, 64);
        let expected: Vec<_> = text
            .match_indices(" x")
            .enumerate()
            .map(|(i, (at, _))| {
                (
                    at as u64,
                    i as u32 + 1,
                    format!("line {}", i + 1).len() as u32 + 1,
                )
            })
            .collect();
        assert_eq!(found, expected);
    }

    /// Issue 6, item 3: a token across a cut in a file without line breaks is found once,
    /// at its true column, and a cut never splits a character.
    #[test]
    fn issue6_a_token_across_a_cut_without_newlines_is_found_at_its_column() {
        let token = "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";
        for pad in [4070, 4080, 4090, 4095, 4096, 5000, 8170] {
            let text = format!("{}{token}{}", "é".repeat(pad / 2), "ab".repeat(3000));
            let found = found_in_chunks(&text, token, 4096, 256);
            let at = text.find(token).unwrap();
            assert_eq!(found, [(at as u64, 1, pad as u32 / 2 + 1)], "pad {pad}");
        }
        let mut text = "x".repeat(10_000);
        text.push('\n');
        text.push_str(&"y".repeat(5_000));
        text.push_str(token);
        assert_eq!(
            found_in_chunks(&text, token, 4096, 256),
            [(15_001, 2, 5_001)]
        );
    }

    #[test]
    fn invalid_utf8_is_located_and_replaced() {
        let (text, bad) = decode(b"ok\n\xC3\x28 rest");
        assert_eq!(bad, Some(3));
        assert!(text.contains("\u{FFFD}( rest"));
        assert!(is_binary(b"a\0b"));
        assert!(!is_binary(b"plain"));
        let latin1 =
            b"Caf\xe9 cr\xe8me br\xfbl\xe9e, na\xefve fa\xe7ade: plain text with accents\n";
        assert!(!is_binary(latin1));
        let raw: Vec<u8> = (0..512_u32).map(|i| (i * 97 % 251 + 1) as u8).collect();
        assert!(is_binary(&raw));
        let chinese = "非人类身份扫描器".repeat(20);
        assert!(
            !is_binary(&chinese.as_bytes()[..chinese.len() - 1]),
            "a character cut at the end"
        );
    }
}
