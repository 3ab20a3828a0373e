//! Embeds every rule under `rules/` into the binary: writes `builtin_rules.rs` listing
//! them with `include_str!`, and asks to be re-run when anything under `rules/` changes
//! (so a new rule file is never missed by an incremental build).

#![allow(
    clippy::disallowed_macros,
    clippy::print_stdout,
    reason = "build scripts talk to cargo through stdout"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let rules_dir = root.join("rules");
    println!("cargo:rerun-if-changed={}", rules_dir.display());
    let mut files = Vec::new();
    collect(&rules_dir, &mut files);
    let mut code = String::from("pub(crate) static BUILTIN_RULES: &[crate::rules::Builtin] = &[\n");
    for file in files {
        let relative = file.strip_prefix(&root).expect("under the manifest dir");
        let relative = relative.to_string_lossy().replace('\\', "/");
        writeln!(
            code,
            "    crate::rules::Builtin {{ path: {relative:?}, text: include_str!({:?}) }},",
            file.display().to_string()
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("builtin_rules.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
