//! Reported paths as a CI system wants them: relative to the repository's top, whatever the
//! working directory or the path given on the command line (`nhiscan scan ../src` reports
//! `../src/x`, which code scanning cannot map; relative to the repository it is `src/x`).
//! Pure text: `app` measures the disk (canonical roots, the work tree's top) once.

/// Where reported paths are on disk. `Locator::default()` knows nothing, and paths stay as
/// reported.
#[derive(Debug, Clone, Default)]
pub struct Locator {
    /// The directory results are relative to: absolute, `/`-separated, no trailing `/`
    /// (empty for the file-system root).
    pub top: Option<String>,
    /// The working directory, absolute as `top`.
    pub working_dir: Option<String>,
    /// Each root as reports name it, with its absolute path.
    pub roots: Vec<(String, String)>,
}

/// A reported path, placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoPath {
    /// Below `top`: `src/app.py`.
    Relative(String),
    /// Outside `top`: the absolute path.
    Absolute(String),
    /// Unknown place (standard input, or no `top`): the path as reported.
    Unmapped(String),
}

impl RepoPath {
    /// The text to show: the relative path, else the absolute, else as reported.
    pub fn text(&self) -> &str {
        match self {
            Self::Relative(p) | Self::Absolute(p) | Self::Unmapped(p) => p,
        }
    }
}

impl Locator {
    /// `path` (as the report names it) relative to `top`, when it lies below it.
    pub fn locate(&self, path: &str) -> RepoPath {
        let (Some(top), Some(absolute)) = (&self.top, self.absolute(path)) else {
            return RepoPath::Unmapped(path.to_owned());
        };
        if absolute == *top {
            return RepoPath::Relative(".".to_owned());
        }
        match absolute
            .strip_prefix(top.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
        {
            Some(rest) => RepoPath::Relative(rest.to_owned()),
            None => RepoPath::Absolute(absolute),
        }
    }

    /// The absolute path of a reported path: below the root whose name it starts with (the
    /// longest), else below the working directory. `None` for standard input.
    fn absolute(&self, path: &str) -> Option<String> {
        if path == "-" {
            return None;
        }
        if path.starts_with('/') {
            return Some(normalize(path));
        }
        let mut best: Option<(&str, &str, &str)> = None;
        for (name, absolute) in &self.roots {
            let rest = if name == "." {
                (!path.starts_with("../") && path != "..").then_some(path)
            } else if path == name {
                Some("")
            } else {
                path.strip_prefix(name.as_str())
                    .and_then(|rest| rest.strip_prefix('/'))
            };
            if let Some(rest) = rest
                && best.is_none_or(|(longest, _, _)| longest.len() < name.len())
            {
                best = Some((name, absolute, rest));
            }
        }
        let (base, rest) = match best {
            Some((_, absolute, rest)) => (absolute, rest),
            None => (self.working_dir.as_deref()?, path),
        };
        Some(normalize(&format!("{base}/{rest}")))
    }
}

/// `/a/./b/../c/` → `/a/c`: `.` and empty segments dropped, `..` removes the segment before
/// it (never above the root).
fn normalize(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(path.len());
    for segment in segments {
        out.push('/');
        out.push_str(segment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locator(roots: &[(&str, &str)]) -> Locator {
        Locator {
            top: Some("/repo".to_owned()),
            working_dir: Some("/repo/sub".to_owned()),
            roots: roots
                .iter()
                .map(|(n, a)| ((*n).to_owned(), (*a).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn paths_below_a_parent_root_become_repository_relative() {
        let at = locator(&[("../src", "/repo/src")]);
        assert_eq!(
            at.locate("../src/app/x.py"),
            RepoPath::Relative("src/app/x.py".to_owned())
        );
        assert_eq!(at.locate("../src"), RepoPath::Relative("src".to_owned()));
    }

    #[test]
    fn the_dot_root_and_the_working_directory_resolve_below_the_top() {
        let at = locator(&[(".", "/repo/sub")]);
        assert_eq!(
            at.locate("a/b.env"),
            RepoPath::Relative("sub/a/b.env".to_owned())
        );
        let unknown = locator(&[]);
        assert_eq!(
            unknown.locate("./x/../y.pem"),
            RepoPath::Relative("sub/y.pem".to_owned())
        );
    }

    #[test]
    fn the_longest_root_name_wins_and_outside_paths_stay_absolute() {
        let at = locator(&[("a", "/repo/a"), ("a/b", "/elsewhere/b")]);
        assert_eq!(
            at.locate("a/b/k.pem"),
            RepoPath::Absolute("/elsewhere/b/k.pem".to_owned())
        );
        assert_eq!(at.locate("a/c"), RepoPath::Relative("a/c".to_owned()));
        assert_eq!(
            at.locate("/etc/../srv/key"),
            RepoPath::Absolute("/srv/key".to_owned())
        );
        assert_eq!(
            at.locate("ab/x"),
            RepoPath::Relative("sub/ab/x".to_owned()),
            "a root name matches whole segments"
        );
    }

    #[test]
    fn stdin_and_an_unknown_top_stay_as_reported() {
        assert_eq!(locator(&[]).locate("-"), RepoPath::Unmapped("-".to_owned()));
        assert_eq!(
            Locator::default().locate("../x"),
            RepoPath::Unmapped("../x".to_owned())
        );
    }
}
