//! Replays the fuzz corpus (`fuzz/corpus/<target>/`) through the entry points the fuzz
//! targets call (`nhiscan::fuzz`): the seeds and every input that once crashed a parser
//! (`crash-*`) stay regression tests on stable `cargo test`. The inputs the fuzzers kept
//! (`kept-*`, hundreds) seed the next fuzz run; `fuzz/run --replay` runs them all in release.

use std::path::Path;

use nhiscan::fuzz;

use crate::common::root;

fn replay(target: &str, data: &[u8]) {
    match target {
        "document" => fuzz::document(data),
        "rule_file" => fuzz::rule_file(data),
        "config_file" => fuzz::config_file(data),
        adapter => fuzz::adapter(adapter, data),
    }
}

fn corpus(target: &str) -> Vec<std::path::PathBuf> {
    let dir = root().join("fuzz/corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn every_fuzz_target_has_a_kept_corpus_that_replays_without_panic() {
    let targets =
        fuzz::TARGETS
            .iter()
            .map(|(name, _)| *name)
            .chain(["document", "rule_file", "config_file"]);
    for target in targets {
        let files = corpus(target);
        assert!(
            files.iter().any(|f| is_seed(f)),
            "fuzz/corpus/{target} has no seed"
        );
        for file in files.iter().filter(|f| !is_kept(f)) {
            let data = std::fs::read(file).unwrap();
            let outcome = std::panic::catch_unwind(|| replay(target, &data));
            assert!(outcome.is_ok(), "{target}: {} panics", file.display());
        }
    }
}

fn is_kept(file: &Path) -> bool {
    file.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("kept-"))
}

fn is_seed(file: &Path) -> bool {
    file.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("seed-"))
}
