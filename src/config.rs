//! `nhiscan.yaml`: per-rule overrides (enable, severity, parameters), the policy version and
//! extra exclusions. Parsed strictly, then turned into typed options once, here: the rest of
//! the program never sees the file, only `Config`, whose rule overrides carry the place they
//! were written for later diagnostics.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::diag::{LoadError, SourceFile};
use crate::model::{Severity, Step};
use crate::rules::{ParamOverride, RuleOverride, RuleOverrides};

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
    rules: BTreeMap<String, RawRuleOverride>,
    #[serde(default)]
    secrets: RawSecrets,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecrets {
    #[serde(default)]
    lower_confidence: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleOverride {
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    severity: Option<Severity>,
    #[serde(default)]
    params: BTreeMap<String, Value>,
}

/// The configuration as typed options.
#[derive(Debug, Default)]
pub struct Config {
    /// Replaces the built-in policy version in reports.
    pub policy_version: Option<String>,
    /// Added to `--exclude`.
    pub exclude: Vec<String>,
    pub rules: RuleOverrides,
    /// `secrets.lower_confidence`: path globs where secret findings get one level lower
    /// confidence; `None` keeps the defaults (`pipeline::DEFAULT_LOWER_CONFIDENCE`).
    pub lower_confidence: Option<Vec<String>>,
}

impl Config {
    /// Reads `path`; a missing file is an error only when `required` (given by `--config`).
    pub fn load(path: &Path, required: bool) -> Result<Self, LoadError> {
        let display = path.display().to_string();
        let text = match crate::diag::read_bounded_text(path) {
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
        let entries = raw
            .rules
            .into_iter()
            .map(|(code, change)| {
                let route = |extra: &[Step]| {
                    [
                        vec![Step::from("rules"), Step::from(code.as_str())],
                        extra.to_vec(),
                    ]
                    .concat()
                };
                let params = change
                    .params
                    .into_iter()
                    .map(|(name, value)| {
                        let at = route(&["params".into(), name.as_str().into()]);
                        ParamOverride {
                            name_at: file.site(&at, true),
                            value_at: file.site(&at, false),
                            name,
                            value,
                        }
                    })
                    .collect();
                RuleOverride {
                    at: file.site(&route(&[]), true),
                    code,
                    enabled: change.enabled,
                    severity: change.severity,
                    params,
                }
            })
            .collect();
        Ok(Self {
            policy_version: raw.policy_version,
            exclude: raw.exclude,
            rules: RuleOverrides {
                entries,
                selection: crate::rules::Selection::default(),
            },
            lower_confidence: raw.secrets.lower_confidence,
        })
    }
}
