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
    let valid = match std::str::from_utf8(head) {
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
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), None),
        Err(e) => (String::from_utf8_lossy(bytes), Some(e.valid_up_to())),
    }
}

/// Calls `f(chunk, first_line - 1, overlap_lines)` for consecutive chunks of about
/// `chunk_size` bytes, cut at line ends. Each chunk after the first starts with the last
/// `overlap` lines of the one before, so a match spanning a cut is still seen whole; the
/// caller keeps only matches that start after the overlap.
pub(crate) fn for_each_chunk(
    mut reader: impl Read,
    chunk_size: usize,
    overlap: usize,
    mut f: impl FnMut(&[u8], u32, u32),
) -> io::Result<()> {
    let mut buffer: Vec<u8> = Vec::with_capacity(chunk_size + 4096);
    let mut first_line = 0_u32;
    let mut carried_lines = 0_u32;
    let mut eof = false;
    while !eof {
        let start = buffer.len();
        buffer.resize(chunk_size.max(start + 4096), 0);
        let mut filled = start;
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
        let cut = if eof {
            buffer.len()
        } else {
            buffer
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(buffer.len(), |nl| nl + 1)
        };
        if cut == 0 {
            break;
        }
        let chunk = &buffer[..cut];
        f(chunk, first_line, carried_lines);
        if eof {
            break;
        }
        let chunk_lines = count_lines(chunk);
        let keep_from = match line_start_from_end(chunk, overlap) {
            0 => cut,
            at => at,
        };
        carried_lines = count_lines(&chunk[keep_from..cut]);
        first_line += chunk_lines - carried_lines;
        buffer.drain(..keep_from);
    }
    Ok(())
}

fn count_lines(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.iter().filter(|b| **b == b'\n').count()).unwrap_or(u32::MAX)
}

/// Byte offset where the last `lines` complete lines of `chunk` begin.
fn line_start_from_end(chunk: &[u8], lines: usize) -> usize {
    let mut at = chunk.len();
    for _ in 0..lines {
        match chunk[..at.saturating_sub(1)]
            .iter()
            .rposition(|b| *b == b'\n')
        {
            Some(nl) => at = nl + 1,
            None => return 0,
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_line_once_beyond_the_overlap() {
        let text: String = (1..=1000).map(|i| format!("line {i}\n")).collect();
        let mut seen = Vec::new();
        for_each_chunk(text.as_bytes(), 512, 3, |chunk, offset, overlap| {
            let chunk = std::str::from_utf8(chunk).unwrap();
            for (i, line) in chunk.lines().enumerate().skip(overlap as usize) {
                assert_eq!(line, format!("line {}", offset as usize + i + 1));
                seen.push(offset as usize + i + 1);
            }
        })
        .unwrap();
        assert_eq!(seen, (1..=1000).collect::<Vec<_>>());
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
