//! One integration-test binary (links once): every module runs the real `nhiscan` binary.

mod bad_input;
mod catalog;
mod cli;
mod common;
mod report;
mod rules;
mod sources;
