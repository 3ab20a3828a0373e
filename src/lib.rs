//! nhiscan: a posture scanner for non-human identities.
//!
//! ```text
//! roots ──walk──▶ candidates ──(rayon)──▶ sources::* ──▶ Subjects ──▶ rules::RuleSet::judge ─┐
//!                                   └────▶ text ──▶ rules::RuleSet::detect (secrets) ────────┤
//! rules/*.yaml + --rules + nhiscan.yaml ──rules::load (validate, self-test)──▶ RuleSet        │
//!                                                                                            ▼
//!                                    report::Report ──▶ table | json | jsonl | sarif ──▶ exit code
//! ```
//!
//! Adapters (`sources`) extract facts and never judge; rules (`rules`) judge and never know
//! formats; reporters (`report`) render the document and never know a rule's internals.

pub mod app;
pub mod cli;
pub mod config;
pub mod diag;
pub mod governance;
pub mod model;
pub mod report;
pub mod rules;
pub mod scan;
pub mod sources;
pub mod walk;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// The rule files compiled into this binary.
pub fn builtin_rules() -> &'static [rules::Builtin] {
    builtin::BUILTIN_RULES
}
