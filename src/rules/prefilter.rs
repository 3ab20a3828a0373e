//! The keyword prefilter: every occurrence of every keyword in a text, in one pass.
//!
//! A bucketed shift-or over hashed two-byte windows, after Hyperscan's FDR, with a stride
//! of two: only the windows that start at even offsets are read, one step per two bytes.
//! A keyword at an even offset is seen through its windows at even places in it (0, 2,
//! 4 …), one at an odd offset through those at odd places (1, 3 …, and for a keyword too
//! short to fill a fingerprint from there, also the window on the byte before it). So each
//! keyword is entered twice, once per parity, each entry fingerprinted by up to four of
//! those windows (a window past the keyword's end, or before its start, leaves that byte
//! free).
//!
//! Each entry is put in one of 16 buckets. One 16,384-entry table maps a window's hash to a
//! 64-bit mask: four lanes (the window's place in a fingerprint) of 16 bits (buckets), a
//! cleared bit meaning "an entry of this bucket has this window at this place". Shifting
//! the state by one lane per step and or-ing in the next window's mask leaves, in the top
//! lane, the buckets whose whole fingerprint just matched; only those positions are
//! checked against the keywords themselves.
//!
//! A step costs a few instructions with no dependent load, where an Aho-Corasick automaton
//! over ~600 keywords walks a table of almost 2 MB one byte at a time (three times slower
//! on the benchmark corpus). The text is scanned as two halves interleaved, so the two
//! state chains overlap in the CPU. The stride lets more positions through to be checked
//! than one step per byte did; the hash (the low seven bits of both bytes, all of ASCII,
//! where the first byte and four bits of the second let three times as many through) and
//! [`WEIGHT`] win most of that back. On a sample of the benchmark corpus the filter runs
//! in two thirds of the time it took stepping one byte at a time.

const LANES: usize = 4;
const BUCKETS: usize = 16;
const DOMAIN: usize = 1 << 14;
/// A state at or above this has all bits of its top lane set: no bucket matched.
const NO_MATCH: u64 = 0xFFFF << 48;
/// Fingerprint shapes: each of three leads ([`Class::lead`]) with one to four windows.
const CLASSES: usize = 3 * LANES;
/// How much each class's entries weigh when buckets are shared out, by [`Class::index`]:
/// a short fingerprint, or one that starts with a free byte, lets more text through, so
/// its entries get buckets with fewer others. Tuned on a sample of the benchmark corpus:
/// a third fewer positions checked than sharing buckets by entry count alone.
const WEIGHT: [usize; CLASSES] = [1, 32, 10, 5, 16, 12, 4, 2, 16, 8, 3, 3];

/// An entry's fingerprint shape. A bucket's entries share it, so a match in the top lane
/// tells where the keyword starts.
#[derive(Debug, Clone, Copy)]
struct Class {
    /// Where the first window starts in the keyword: 0 for even offsets; for odd ones -1
    /// (the byte before), or 1 when the keyword is long enough to fill all lanes from there.
    lead: isize,
    /// Windows in the fingerprint, two bytes apart.
    windows: usize,
}

impl Class {
    fn index(self) -> usize {
        (self.lead + 1) as usize * LANES + self.windows - 1
    }

    /// How far before the last window's start the keyword starts (negative: after it).
    fn back(self) -> isize {
        self.lead + 2 * (self.windows as isize - 1)
    }
}

/// One keyword at one parity of its offset.
struct Entry<'k> {
    keyword: usize,
    bytes: &'k [u8],
    class: Class,
}

impl<'k> Entry<'k> {
    fn both(keyword: usize, bytes: &'k [u8]) -> [Self; 2] {
        let len = bytes.len() as isize;
        let odd = if len > 2 * LANES as isize - 1 { 1 } else { -1 };
        [0, odd].map(|lead| Entry {
            keyword,
            bytes,
            class: Class {
                lead,
                windows: ((len - 1 - lead) / 2 + 1).clamp(1, LANES as isize) as usize,
            },
        })
    }

    /// The table entries of the fingerprint's `j`th window: its hashes, over every value
    /// of a byte outside the keyword.
    fn window_hashes(&self, j: usize) -> impl Iterator<Item = usize> + '_ {
        let at = self.class.lead + 2 * j as isize;
        let byte = |i: isize| {
            usize::try_from(i)
                .ok()
                .and_then(|i| self.bytes.get(i).copied())
        };
        let (first, second) = (byte(at), byte(at + 1));
        (0..=u8::MAX).filter_map(move |free| {
            let hash = window(first.unwrap_or(free), second.unwrap_or(free));
            let once = free == 0 || first.is_none() || second.is_none();
            once.then_some(hash)
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Bucket and prefix; `u64::MAX` for an empty slot.
    key: u64,
    first: u32,
    len: u32,
}

const EMPTY: u64 = u64::MAX;

/// Finds every occurrence of every keyword, overlapping ones included.
#[derive(Debug, Clone)]
pub(crate) struct KeywordFilter {
    table: Box<[u64; DOMAIN]>,
    /// Each bucket's [`Class::back`].
    back: [isize; BUCKETS],
    /// Bytes of the prefix that `slots` is keyed by, in each bucket: its shortest keyword's
    /// length, at most four.
    key_len: [usize; BUCKETS],
    /// Open-addressed map from (bucket, prefix) to a run of `order`.
    slots: Vec<Slot>,
    order: Vec<u32>,
    keywords: Vec<Box<[u8]>>,
}

/// A window's place in the table: the low seven bits of each byte (a byte at or above 0x80
/// shares its place with the ASCII byte 0x80 below it).
fn window(first: u8, second: u8) -> usize {
    (usize::from(first) & 0x7F) | (usize::from(second) & 0x7F) << 7
}

fn prefix_key(bucket: usize, prefix: &[u8]) -> u64 {
    let mut bytes = [0_u8; 4];
    bytes[..prefix.len()].copy_from_slice(prefix);
    ((bucket as u64) << 40) | ((prefix.len() as u64) << 32) | u64::from(u32::from_le_bytes(bytes))
}

fn slot_of(key: u64, capacity: usize) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - capacity.trailing_zeros())) as usize
}

impl KeywordFilter {
    /// A filter over `keywords` (non-empty; the index reported is the keyword's place here).
    pub(crate) fn new(keywords: &[&str]) -> Self {
        let entries: Vec<Entry<'_>> = keywords
            .iter()
            .enumerate()
            .filter(|(_, k)| !k.is_empty())
            .flat_map(|(k, keyword)| Entry::both(k, keyword.as_bytes()))
            .collect();
        let buckets = Self::allocate(&entries);
        let mut table = Box::new([!0_u64; DOMAIN]);
        let mut class: [Option<Class>; BUCKETS] = [None; BUCKETS];
        let mut key_len = [4_usize; BUCKETS];
        for (entry, &bucket) in entries.iter().zip(&buckets) {
            let c = entry.class;
            class[bucket] = Some(c);
            key_len[bucket] = key_len[bucket].min(entry.bytes.len());
            for j in 0..c.windows {
                let lane = LANES - c.windows + j;
                let bit = !(1_u64 << (lane * BUCKETS + bucket));
                for hash in entry.window_hashes(j) {
                    table[hash] &= bit;
                }
            }
        }
        let mut back = [0_isize; BUCKETS];
        for (bucket, c) in class.iter().enumerate() {
            let Some(c) = c else { continue };
            back[bucket] = c.back();
            for lane in 0..LANES - c.windows {
                let bit = !(1_u64 << (lane * BUCKETS + bucket));
                for mask in table.iter_mut() {
                    *mask &= bit;
                }
            }
        }
        let mut members: Vec<(u64, u32)> = entries
            .iter()
            .zip(&buckets)
            .map(|(entry, &bucket)| {
                let prefix = &entry.bytes[..key_len[bucket]];
                (prefix_key(bucket, prefix), entry.keyword as u32)
            })
            .collect();
        members.sort_unstable();
        let capacity = (members.len() * 2).next_power_of_two().max(2);
        let mut slots = vec![
            Slot {
                key: EMPTY,
                first: 0,
                len: 0,
            };
            capacity
        ];
        let mut order = Vec::with_capacity(members.len());
        for run in members.chunk_by(|a, b| a.0 == b.0) {
            let key = run[0].0;
            let mut at = slot_of(key, capacity);
            while slots[at].key != EMPTY {
                at = (at + 1) & (capacity - 1);
            }
            slots[at] = Slot {
                key,
                first: order.len() as u32,
                len: run.len() as u32,
            };
            order.extend(run.iter().map(|&(_, k)| k));
        }
        Self {
            table,
            back,
            key_len,
            slots,
            order,
            keywords: keywords
                .iter()
                .map(|k| k.as_bytes().to_vec().into_boxed_slice())
                .collect(),
        }
    }

    /// Each entry's bucket. A class (fingerprint shape) gets buckets in proportion to its
    /// entries' [`WEIGHT`]; within it, entries sorted case-insensitively fill buckets in runs, so
    /// `token`, `Token` and `TOKEN` share one and its fingerprint stays narrow.
    fn allocate(entries: &[Entry<'_>]) -> Vec<usize> {
        let mut count = [0_usize; CLASSES];
        for e in entries {
            count[e.class.index()] += 1;
        }
        let weight = |c: usize| count[c] * WEIGHT[c];
        let mut given = count.map(|n| usize::from(n > 0));
        while given.iter().sum::<usize>() < BUCKETS {
            let Some(c) = (0..CLASSES)
                .filter(|&c| count[c] > given[c])
                .max_by(|&a, &b| (weight(a) * given[b]).cmp(&(weight(b) * given[a])))
            else {
                break;
            };
            given[c] += 1;
        }
        let mut base = [0_usize; CLASSES];
        for c in 1..CLASSES {
            base[c] = base[c - 1] + given[c - 1];
        }
        let mut sorted: Vec<usize> = (0..entries.len()).collect();
        sorted.sort_by_key(|&e| (entries[e].bytes.to_ascii_lowercase(), entries[e].bytes));
        let mut placed = [0_usize; CLASSES];
        let mut bucket = vec![0; entries.len()];
        for e in sorted {
            let c = entries[e].class.index();
            bucket[e] = base[c] + placed[c] * given[c] / count[c];
            placed[c] += 1;
        }
        bucket
    }

    /// Calls `f(start, keyword)` for every occurrence of every keyword in `text`, in no
    /// particular order.
    pub(crate) fn for_each(&self, text: &[u8], mut f: impl FnMut(usize, usize)) {
        if text.is_empty() || self.order.is_empty() {
            return;
        }
        let table = &*self.table;
        let step = |state: u64, [first, second]: [u8; 2]| {
            (state << BUCKETS) | table[window(first, second)]
        };
        let (pairs, tail) = text.as_chunks::<2>();
        let mid = pairs.len() / 2;
        let (low, high) = pairs.split_at(mid);
        let (mut d, mut e) = (0_u64, 0_u64);
        for (i, (&a, &b)) in low.iter().zip(high).enumerate() {
            d = step(d, a);
            e = step(e, b);
            if d < NO_MATCH {
                self.check(text, 2 * i, d, &mut f);
            }
            if e < NO_MATCH {
                self.check(text, 2 * (mid + i), e, &mut f);
            }
        }
        for (i, &b) in high.iter().enumerate().skip(mid) {
            e = step(e, b);
            if e < NO_MATCH {
                self.check(text, 2 * (mid + i), e, &mut f);
            }
        }
        if let [last] = *tail {
            e = step(e, [last, 0]);
            if e < NO_MATCH {
                self.check(text, 2 * pairs.len(), e, &mut f);
            }
        }
    }

    /// Checks the keywords of the buckets matched in `state`'s top lane, whose
    /// fingerprints' last window starts at `at`.
    #[cold]
    fn check(&self, text: &[u8], at: usize, state: u64, f: &mut impl FnMut(usize, usize)) {
        let mut matched = !((state >> ((LANES - 1) * BUCKETS)) as u16);
        while matched != 0 {
            let bucket = matched.trailing_zeros() as usize;
            matched &= matched - 1;
            let Some(start) = at.checked_add_signed(-self.back[bucket]) else {
                continue;
            };
            let Some(prefix) = text.get(start..start + self.key_len[bucket]) else {
                continue;
            };
            let key = prefix_key(bucket, prefix);
            let capacity = self.slots.len();
            let mut slot = slot_of(key, capacity);
            while self.slots[slot].key != EMPTY {
                let Slot { key: k, first, len } = self.slots[slot];
                if k == key {
                    for &keyword in &self.order[first as usize..(first + len) as usize] {
                        if text[start..].starts_with(&self.keywords[keyword as usize]) {
                            f(start, keyword as usize);
                        }
                    }
                    break;
                }
                slot = (slot + 1) & (capacity - 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(keywords: &[&str], text: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (k, keyword) in keywords.iter().enumerate() {
            for start in 0..text.len() {
                if text[start..].starts_with(keyword.as_bytes()) {
                    out.push((start, k));
                }
            }
        }
        out.sort_unstable();
        out
    }

    fn found(keywords: &[&str], text: &[u8]) -> Vec<(usize, usize)> {
        let filter = KeywordFilter::new(keywords);
        let mut out = Vec::new();
        filter.for_each(text, |start, k| out.push((start, k)));
        out.sort_unstable();
        out
    }

    #[test]
    fn every_occurrence_of_every_keyword_overlapping_and_at_both_ends() {
        let keywords = [
            "a", "ab", "abc", "abcd", "abcde", "bcdef", "token", "Token", "TOKEN",
        ];
        for text in [
            &b"abcdef"[..],
            b"a",
            b"ab",
            b"xa",
            b"TOKENtokenToken abcdefabcde a",
            b"",
            b"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzabcde",
        ] {
            assert_eq!(
                found(&keywords, text),
                naive(&keywords, text),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn many_keywords_across_all_buckets_agree_with_a_naive_search() {
        let keywords: Vec<String> = (0..700)
            .map(|i| {
                format!(
                    "{}{i}",
                    ["k", "Key_", "SK", "pat", "-us", "https://"][i % 6]
                )
            })
            .collect();
        let keywords: Vec<&str> = keywords.iter().map(String::as_str).collect();
        let mut text = Vec::new();
        for i in 0..3000 {
            text.extend_from_slice(keywords[(i * 7919) % keywords.len()].as_bytes());
            text.extend_from_slice([&b" "[..], b"\n", b"x", b""][i % 4]);
        }
        assert_eq!(found(&keywords, &text), naive(&keywords, &text));
    }

    #[test]
    fn a_keyword_is_found_at_every_offset_of_texts_of_every_length() {
        let keywords = ["tok", "token", "x", "ab", "tokeniz", "tokenize"];
        for len in 0..40 {
            for at in 0..len {
                let mut text = vec![b'.'; len];
                for (i, &b) in b"tokenized".iter().enumerate() {
                    if let Some(slot) = text.get_mut(at + i) {
                        *slot = b;
                    }
                }
                text[len - 1 - (at % len)] = b'x';
                assert_eq!(
                    found(&keywords, &text),
                    naive(&keywords, &text),
                    "{:?}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }
}
