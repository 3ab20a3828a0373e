//! Where a secret is found changes how sure we are that it is a live one: test code and
//! fixtures, lockfiles, minified bundles (or any very long line) and vendored dependencies
//! hold far more look-alikes and published samples than real credentials. Secret findings
//! there keep their code and severity but get one level lower confidence, so that
//! `--min-confidence` can hide them. The paths are globs, configurable in `nhiscan.yaml`
//! (`secrets.lower_confidence`); a very long line needs no configuration.

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::model::{Confidence, Subject};
use crate::rules::Verdict;

/// The attribute the extract stage sets on a secret found on a line longer than
/// [`LONG_LINE`] bytes (a minified bundle, an inlined data blob).
pub(crate) const LONG_LINE_ATTR: &str = "long_line";
/// Lines longer than this are treated as minified.
pub(crate) const LONG_LINE: usize = 1000;

/// The default `secrets.lower_confidence` globs.
pub const DEFAULT_LOWER_CONFIDENCE: &[&str] = &[
    // test code and test data
    "**/test/**",
    "**/tests/**",
    "**/__tests__/**",
    "**/spec/**",
    "**/fixtures/**",
    "**/testdata/**",
    "**/*_test.go",
    "**/*.test.js",
    "**/*.test.ts",
    "**/*.spec.js",
    "**/*.spec.ts",
    "**/test_*.py",
    "**/*_test.py",
    // lockfiles
    "**/package-lock.json",
    "**/npm-shrinkwrap.json",
    "**/yarn.lock",
    "**/pnpm-lock.yaml",
    "**/Cargo.lock",
    "**/poetry.lock",
    "**/Pipfile.lock",
    "**/go.sum",
    "**/composer.lock",
    "**/Gemfile.lock",
    // minified bundles
    "**/*.min.js",
    "**/*.min.css",
    "**/*.bundle.js",
    // vendored dependencies
    "**/vendor/**",
    "**/node_modules/**",
    "**/third_party/**",
];

/// Compiled path treatments.
#[derive(Debug, Clone)]
pub struct Treatments {
    lower_confidence: GlobSet,
}

impl Default for Treatments {
    fn default() -> Self {
        let globs: Vec<String> = DEFAULT_LOWER_CONFIDENCE
            .iter()
            .map(|g| (*g).to_owned())
            .collect();
        Self::new(&globs).unwrap_or_else(|e| unreachable!("default globs compile: {e}"))
    }
}

impl Treatments {
    /// Treatments from the globs of `secrets.lower_confidence` (a glob without `/` matches
    /// the name at any depth, as `--exclude` does).
    pub fn new(lower_confidence: &[String]) -> Result<Self, globset::Error> {
        let mut builder = GlobSetBuilder::new();
        for glob in lower_confidence {
            builder.add(Glob::new(glob)?);
            if !glob.contains('/') {
                builder.add(Glob::new(&format!("**/{glob}"))?);
            }
        }
        Ok(Self {
            lower_confidence: builder.build()?,
        })
    }

    /// Lowers by one level the confidence of each secret verdict whose subject lies in a
    /// treated path or on a very long line.
    pub(crate) fn apply(&self, subjects: &[Subject], verdicts: &mut [(usize, Verdict)]) {
        for (i, verdict) in verdicts.iter_mut() {
            let subject = &subjects[*i];
            if subject.secret.is_none() {
                continue;
            }
            let long = subject.attrs.get(LONG_LINE_ATTR) == Some(&serde_json::Value::Bool(true));
            if long || self.lower_confidence.is_match(&*subject.origin.path) {
                verdict.confidence = match verdict.confidence {
                    Confidence::High => Confidence::Medium,
                    Confidence::Medium | Confidence::Low => Confidence::Low,
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_globs_match_the_documented_places() {
        let t = Treatments::default();
        for path in [
            "tests/unit/config.py",
            "src/__tests__/api.js",
            "pkg/server_test.go",
            "web/app.test.js",
            "package-lock.json",
            "sub/yarn.lock",
            "Cargo.lock",
            "go.sum",
            "dist/app.min.js",
            "vendor/github.com/x/y.go",
            "web/node_modules/left-pad/index.js",
            "third_party/lib/a.c",
            "/abs/repo/spec/models/user_spec.rb",
        ] {
            assert!(t.lower_confidence.is_match(path), "{path}");
        }
        for path in [
            "src/config.py",
            "deploy/.env",
            "latest/app.js",
            "contest/a.py",
        ] {
            assert!(!t.lower_confidence.is_match(path), "{path}");
        }
    }
}
