//! CI configuration (GitHub Actions, GitLab CI, CircleCI, Azure Pipelines, Bitbucket,
//! Jenkins): the identities a pipeline holds, the third-party code it runs with them and the
//! script lines that expose them; what every CI adapter shares.
//! Expressions and secret references found in values, pin forms of action and image
//! references, and which keys name a credential. Each platform is one file; this module stays
//! small and only ever grows by additions.

pub(crate) mod azure;
pub(crate) mod bitbucket;
pub(crate) mod circleci;
pub(crate) mod dependabot;
pub(crate) mod github;
pub(crate) mod gitlab;
pub(crate) mod jenkins;
pub(crate) mod vars;

use std::sync::LazyLock;

use regex::Regex;

/// The attribute every CI subject carries (`github-actions`, `gitlab-ci`, …); the extract
/// stage recognises CI subjects by it.
pub(crate) const PLATFORM: &str = "platform";
/// Kind suffix of the subjects for credential-named values (`gha.credential`).
pub(crate) const CREDENTIAL_SUFFIX: &str = ".credential";
/// Set to `true` on a credential subject by the extract stage when a secret detector found
/// its value: the detector's finding reports it, with the CI context attached.
pub(crate) const DETECTED: &str = "detected";

/// Kinds of the subjects that stand for one job of a pipeline (Bitbucket calls it a step):
/// a secret found in a job's value gets a related location there.
pub(crate) const JOB_KINDS: &[&str] = &[
    "gha.job",
    "gitlab.job",
    "circleci.job",
    "azure.job",
    "bitbucket.step",
];

/// `${{ … }}` expressions in a value: byte ranges of the whole expression, `${{` to `}}`.
pub(crate) fn expressions(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("${{").map(|i| i + from) {
        let Some(close) = text[open + 3..].find("}}").map(|i| i + open + 3 + 2) else {
            break;
        };
        out.push((open, close));
        from = close;
    }
    out
}

/// A reference to the secrets store inside an expression: `secrets.NAME`, `secrets['NAME']`,
/// or the whole store (`toJSON(secrets)`, `secrets[format(…)]`), named `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretRef {
    pub name: String,
    /// The expression it occurs in, verbatim.
    pub expression: String,
    /// Byte range of the expression in the value.
    pub at: (usize, usize),
}

static SECRET_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bsecrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\[\s*['"]([^'"]+)['"]\s*\]|(\[)|)"#)
        .unwrap_or_else(|e| unreachable!("fixed pattern: {e}"))
});

/// Every secret reference in the expressions of `text`.
pub(crate) fn secret_refs(text: &str) -> Vec<SecretRef> {
    let mut out = Vec::new();
    for (start, end) in expressions(text) {
        let expression = &text[start..end];
        for caps in SECRET_NAME.captures_iter(expression) {
            let name = caps
                .get(1)
                .or_else(|| caps.get(2))
                .map_or("*", |m| m.as_str());
            out.push(SecretRef {
                name: name.to_owned(),
                expression: expression.to_owned(),
                at: (start, end),
            });
        }
    }
    out
}

/// Whether `git_ref` is a full commit SHA (40 hex digits, or 64 for SHA-256 repositories).
pub(crate) fn is_full_sha(git_ref: &str) -> bool {
    matches!(git_ref.len(), 40 | 64) && git_ref.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a container image reference is pinned to a digest (`image@sha256:…`).
pub(crate) fn image_pinned(image: &str) -> bool {
    image.contains("@sha256:")
}

/// The tag of an image reference (`latest` when it names none and has no digest).
pub(crate) fn image_tag(image: &str) -> Option<String> {
    if image_pinned(image) {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    Some(
        last.split_once(':')
            .map_or("latest", |(_, tag)| tag)
            .to_owned(),
    )
}

static CREDENTIAL_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(passw(or)?d|passwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?$|auth$|client[-_]?secret)",
    )
    .unwrap_or_else(|e| unreachable!("fixed pattern: {e}"))
});

/// Whether a key (`env` name, action input, `password`) names a credential by convention.
pub(crate) fn is_credential_key(key: &str) -> bool {
    CREDENTIAL_KEY.is_match(key)
        && !key.to_ascii_lowercase().ends_with("_file")
        && !key.to_ascii_lowercase().ends_with("-file")
}

/// How a credential-named value is given: an `expression` (`${{ secrets.X }}`), a shell
/// `variable` (`$TOKEN`, expanded by the step), or a `literal`.
pub(crate) fn value_form(value: &str) -> &'static str {
    let trimmed = value.trim();
    if trimmed.contains("${{") {
        "expression"
    } else if trimmed.strip_prefix('$').is_some_and(|rest| {
        rest.starts_with(|c: char| c == '{' || c == '_' || c.is_ascii_alphabetic())
    }) {
        "variable"
    } else {
        "literal"
    }
}

/// A configuration's top-level mapping and the origin its routes resolve in.
pub(crate) type TopMapping<'i> = (
    &'i serde_json::Map<String, serde_json::Value>,
    crate::model::Origin,
);

/// The first YAML document of `input` when it is a mapping, with an origin whose routes
/// resolve in it: `None` for an empty file, an error naming `what` (`"a CircleCI config"`)
/// when the top level is something else.
pub(crate) fn top_mapping<'i>(
    input: &'i crate::sources::Input<'_>,
    what: &'static str,
) -> Result<Option<TopMapping<'i>>, crate::sources::SourceError> {
    let parsed = input.yaml();
    let Some(root) = parsed.document.values().first() else {
        return Ok(None);
    };
    let Some(root) = root.as_object() else {
        return Err(crate::sources::SourceError(crate::reason!(
            "not {}: the top level is not a mapping",
            what
        )));
    };
    Ok(Some((root, input.origin_in(parsed))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_references_are_found_in_expressions_only() {
        let refs = secret_refs(
            "echo ${{ secrets.API_TOKEN }} secrets.NOT ${{ toJSON(secrets) }} ${{ secrets['A B'] }}",
        );
        let names: Vec<_> = refs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["API_TOKEN", "*", "A B"]);
        assert_eq!(refs[0].expression, "${{ secrets.API_TOKEN }}");
        assert_eq!(secret_refs("${{ secrets[format('{0}', x)] }}")[0].name, "*");
        assert!(secret_refs("${{ github.event.issue.title").is_empty());
    }

    #[test]
    fn pins_and_tags() {
        assert!(is_full_sha("8e5e7e5ab8b370d6c329ec480221332ada57f0ab"));
        assert!(!is_full_sha("v4"));
        assert!(!is_full_sha("8e5e7e5"));
        assert_eq!(image_tag("ghcr.io/a/b:1.2").as_deref(), Some("1.2"));
        assert_eq!(image_tag("localhost:5000/b").as_deref(), Some("latest"));
        assert_eq!(image_tag("b@sha256:abcd"), None);
    }

    #[test]
    fn credential_keys() {
        for key in [
            "password",
            "AWS_SECRET_ACCESS_KEY",
            "NPM_TOKEN",
            "api-key",
            "credentials",
        ] {
            assert!(is_credential_key(key), "{key}");
        }
        for key in ["username", "TOKEN_FILE", "node-version", "repository-url"] {
            assert!(!is_credential_key(key), "{key}");
        }
    }
}
