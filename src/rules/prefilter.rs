//! The keyword prefilter: every occurrence of every detector keyword in a text, in one pass.
//!
//! A bucketed shift-or over hashed two-byte windows, after Hyperscan's FDR. Each keyword
//! is put in one of 16 buckets and fingerprinted by its first (up to) four two-byte
//! windows. One 4,096-entry table maps a window's hash to a 64-bit mask: four lanes (the
//! window's place in a fingerprint) of 16 bits (buckets), a cleared bit meaning "a keyword
//! of this bucket has this window at this place". Shifting the state by one lane per byte
//! and or-ing in the next window's mask leaves, in the top lane, the buckets whose whole
//! fingerprint just matched; only those positions are checked against the keywords
//! themselves.
//!
//! The table fits the first-level cache and a byte costs a few instructions with no
//! dependent load, where an Aho-Corasick automaton over ~600 keywords walks a table of
//! almost 2 MB one byte at a time (three times slower on the benchmark corpus). The text
//! is scanned as two halves interleaved, so the two state chains overlap in the CPU.

const LANES: usize = 4;
const BUCKETS: usize = 16;
const DOMAIN: usize = 1 << 12;
/// A state at or above this has all bits of its top lane set: no bucket matched.
const NO_MATCH: u64 = 0xFFFF << 48;

/// Keywords grouped by length: a bucket's keywords share their fingerprint's length, so a
/// match in the top lane tells where the keyword starts and how many bytes to look up.
#[derive(Debug, Clone, Copy)]
struct Class {
    /// Windows in the fingerprint.
    windows: usize,
    /// Bytes of the prefix that `KeywordFilter::slots` is keyed by.
    key_len: usize,
}

impl Class {
    fn of(len: usize) -> Self {
        Self {
            windows: len.saturating_sub(1).clamp(1, LANES),
            key_len: len.min(4),
        }
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
    class: [Class; BUCKETS],
    /// Open-addressed map from (bucket, prefix) to a run of `order`.
    slots: Vec<Slot>,
    order: Vec<u32>,
    keywords: Vec<Box<[u8]>>,
}

fn window(first: u8, second: u8) -> usize {
    usize::from(u16::from_le_bytes([first, second])) & (DOMAIN - 1)
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
        let buckets = Self::allocate(keywords);
        let mut table = Box::new([!0_u64; DOMAIN]);
        let mut class = [Class::of(0); BUCKETS];
        let mut used = [false; BUCKETS];
        let mut members: Vec<(u64, u32)> = Vec::new();
        for (k, (keyword, &bucket)) in keywords.iter().zip(&buckets).enumerate() {
            let bytes = keyword.as_bytes();
            let c = Class::of(bytes.len());
            class[bucket] = c;
            used[bucket] = true;
            for j in 0..c.windows {
                let lane = LANES - c.windows + j;
                let bit = !(1_u64 << (lane * BUCKETS + bucket));
                match bytes.get(j + 1) {
                    Some(&next) => table[window(bytes[j], next)] &= bit,
                    // A one-byte keyword: any byte may follow it.
                    None => {
                        for next in 0..=u8::MAX {
                            table[window(bytes[j], next)] &= bit;
                        }
                    }
                }
            }
            members.push((prefix_key(bucket, &bytes[..c.key_len]), k as u32));
        }
        for bucket in (0..BUCKETS).filter(|&b| used[b]) {
            for lane in 0..LANES - class[bucket].windows {
                let bit = !(1_u64 << (lane * BUCKETS + bucket));
                for mask in table.iter_mut() {
                    *mask &= bit;
                }
            }
        }
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
            class,
            slots,
            order,
            keywords: keywords
                .iter()
                .map(|k| k.as_bytes().to_vec().into_boxed_slice())
                .collect(),
        }
    }

    /// Each keyword's bucket. A class (fingerprint length) gets buckets in proportion to
    /// its keywords; within it, keywords sorted case-insensitively fill buckets in runs, so
    /// `token`, `Token` and `TOKEN` share one and its fingerprint stays narrow.
    fn allocate(keywords: &[&str]) -> Vec<usize> {
        let class_of = |k: &str| k.len().clamp(1, LANES + 1);
        let mut count = [0_usize; LANES + 2];
        for k in keywords {
            count[class_of(k)] += 1;
        }
        let mut given = [0_usize; LANES + 2];
        for (c, n) in count.iter().enumerate() {
            given[c] = usize::from(*n > 0);
        }
        while given.iter().sum::<usize>() < BUCKETS {
            let Some(c) = (1..=LANES + 1)
                .filter(|&c| count[c] > given[c])
                .max_by(|&a, &b| (count[a] * given[b]).cmp(&(count[b] * given[a])))
            else {
                break;
            };
            given[c] += 1;
        }
        let mut base = [0_usize; LANES + 2];
        for c in 1..=LANES + 1 {
            base[c] = base[c - 1] + given[c - 1];
        }
        let mut sorted: Vec<usize> = (0..keywords.len()).collect();
        sorted.sort_by_key(|&k| (keywords[k].to_ascii_lowercase(), keywords[k]));
        let mut placed = [0_usize; LANES + 2];
        let mut bucket = vec![0; keywords.len()];
        for k in sorted {
            let c = class_of(keywords[k]);
            bucket[k] = base[c] + placed[c] * given[c] / count[c];
            placed[c] += 1;
        }
        bucket
    }

    /// Calls `f(start, keyword)` for every occurrence of every keyword in `text`, in no
    /// particular order.
    pub(crate) fn for_each(&self, text: &[u8], mut f: impl FnMut(usize, usize)) {
        let Some(last) = text.len().checked_sub(1) else {
            return;
        };
        if self.keywords.is_empty() {
            return;
        }
        let table = &*self.table;
        let step =
            |state: u64, first: u8, second: u8| (state << BUCKETS) | table[window(first, second)];
        let mid = last / 2;
        let (mut d, mut e) = (0_u64, 0_u64);
        let halves = text[..=mid].windows(2).zip(text[mid..].windows(2));
        for (i, (a, b)) in halves.enumerate() {
            d = step(d, a[0], a[1]);
            e = step(e, b[0], b[1]);
            if d < NO_MATCH {
                self.check(text, i, d, &mut f);
            }
            if e < NO_MATCH {
                self.check(text, mid + i, e, &mut f);
            }
        }
        for j in 2 * mid..last {
            e = step(e, text[j], text[j + 1]);
            if e < NO_MATCH {
                self.check(text, j, e, &mut f);
            }
        }
        e = step(e, text[last], 0);
        if e < NO_MATCH {
            self.check(text, last, e, &mut f);
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
            let class = self.class[bucket];
            let Some(start) = at.checked_sub(class.windows - 1) else {
                continue;
            };
            let Some(prefix) = text.get(start..start + class.key_len) else {
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
        let keywords = ["tok", "token", "x", "ab"];
        for len in 0..40 {
            for at in 0..len {
                let mut text = vec![b'.'; len];
                for (i, &b) in b"token".iter().enumerate() {
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
