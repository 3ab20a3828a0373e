//! nhiscan: a posture scanner for non-human identities.
//!
//! ```text
//! roots ─inputs::fs─▶ blobs ─pipeline: extract ▶ correlate ▶ judge ▶ assemble ▶ govern─▶ ScanResult
//!                              (sources::*, detectors)          (rules)                     │
//! rules/*.yaml + --rules + nhiscan.yaml ─rules::load (validate, self-test)─▶ RuleSet          ▼
//!                                        report::v1::Report ─▶ table | json | jsonl | sarif ─▶ exit code
//! ```
//!
//! Adapters (`sources`) extract facts and never judge; rules (`rules`) judge and never know
//! formats; reporters (`report`) render the versioned document and never know a rule's
//! internals; `pipeline` is the only place that knows the order of the stages.

pub mod app;
pub mod cli;
pub mod config;
pub mod diag;
pub mod fuzz;
pub mod governance;
pub mod inputs;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod sources;
pub mod term;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// The rule files compiled into this binary.
pub fn builtin_rules() -> &'static [rules::Builtin] {
    builtin::BUILTIN_RULES
}
