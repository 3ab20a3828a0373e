//! One integration-test binary (links once): every module runs the real `nhiscan` binary.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers panic with the failing value"
)]

mod bad_input;
mod catalog;
mod choosing;
mod ci;
mod ci_platforms;
mod cli;
mod common;
mod correlate;
mod fuzz_corpus;
mod git;
mod html;
mod k8s;
mod leaks;
mod outputs;
mod report;
mod rules;
mod sources;
mod terminal;
