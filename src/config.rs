//! `nhiscan.yaml`: per-rule overrides (enable, severity, parameters), the policy version and
//! extra exclusions. Parsed strictly; every problem is a diagnostic with a line.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::diag::{LoadError, SourceFile};
use crate::model::Severity;

/// The name looked for in the current directory when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "nhiscan.yaml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    policy_version: Option<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    rules: BTreeMap<String, RuleOverride>,
}

/// A change to one rule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
}

#[derive(Default)]
pub struct Config {
    /// The file it came from, for diagnostics; `None` when there is no config.
    pub(crate) file: Option<SourceFile>,
    pub policy_version: Option<String>,
    pub exclude: Vec<String>,
    pub rules: BTreeMap<String, RuleOverride>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("path", &self.file.as_ref().map(|s| &s.path))
            .field("policy_version", &self.policy_version)
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Reads `path`; a missing file is an error only when `required` (given by `--config`).
    pub fn load(path: &Path, required: bool) -> Result<Self, LoadError> {
        let display = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(e) => {
                let file = SourceFile::new(display, String::new());
                let problem = file.at(&[], false, format!("cannot read config: {e}"), "", None);
                return Err(LoadError {
                    problems: vec![problem],
                });
            }
        };
        Self::parse(display, text)
    }

    pub fn parse(path: String, text: String) -> Result<Self, LoadError> {
        let file = SourceFile::new(path, text);
        let raw: RawConfig = if file.text.trim().is_empty() {
            RawConfig::default()
        } else {
            file.parse().map_err(|problem| LoadError {
                problems: vec![*problem],
            })?
        };
        Ok(Self {
            policy_version: raw.policy_version,
            exclude: raw.exclude,
            rules: raw.rules,
            file: Some(file),
        })
    }
}
