//! Git inputs, read with gitoxide. Two kinds:
//!
//! - history (`--git-history`): every unique blob reachable from any ref (branches, tags,
//!   remotes, stash, a detached HEAD), enumerated once however many commits and paths hold
//!   it. Commits are visited oldest first (a topological order that takes the oldest
//!   committer time among the commits whose parents are done), and a subtree already seen
//!   at the same path is not walked again, so each (blob, path) pair is met first at the
//!   commit that introduced it there. Each blob is read by a worker (with its own handle)
//!   just before it is scanned as `Content::Bytes`, and dropped after.
//! - staged (`--staged`): the blobs a commit would add, index entries whose blob differs
//!   from HEAD's at the same path.
//!
//! Only reading: no network, no locks, no writes to the repository.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gix::ObjectId;
use gix::bstr::{BStr, BString, ByteSlice};
use gix::objs::tree::EntryKind;
use time::OffsetDateTime;

use super::fs::display_path;
use super::{Blob, Content, Provenance};
use crate::model::time::format_time;
use crate::model::{Commit, InputError, InputErrorKind};

/// Objects kept decoded per reading thread (bytes).
const OBJECT_CACHE: usize = 16 << 20;
/// Delta bases kept per reading thread (bytes): without them, every blob stored as a delta
/// inflates its whole chain again.
const DELTA_BASE_CACHE: usize = 64 << 20;

/// A reading handle with its caches set.
fn with_caches(mut repo: gix::Repository) -> gix::Repository {
    repo.object_cache_size_if_unset(OBJECT_CACHE);
    repo.objects.set_pack_cache(|| {
        Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
            DELTA_BASE_CACHE,
        ))
    });
    repo
}

/// Why a git input could not be enumerated.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// User error: the root is not the top of a work tree or a bare repository.
    #[error("{path} is not a git repository: {reason}")]
    NotARepository { path: String, reason: String },
    /// User error: `--since` names no commit.
    #[error("--since {rev}: {reason}")]
    Revision { rev: String, reason: String },
    /// Input error: refs, commits or the index could not be read.
    #[error("cannot read the git repository {path}: {reason}")]
    Read { path: String, reason: String },
}

/// The unique blobs of a repository's history, with where each was seen; read with
/// [`History::read`].
pub struct History {
    repo: gix::ThreadSafeRepository,
    blobs: Vec<HistoryBlob>,
    /// Commits walked.
    pub commits: usize,
    /// Trees that could not be read (the walk went on without them).
    pub errors: Vec<InputError>,
    /// Whether the repository has a work tree (a bare one has none to walk).
    pub has_worktree: bool,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History")
            .field("blobs", &self.blobs.len())
            .field("commits", &self.commits)
            .finish_non_exhaustive()
    }
}

/// Opens the repository whose work tree (or bare directory) is `root` exactly.
fn open(root: &Path) -> Result<gix::Repository, GitError> {
    let repo = gix::open(root).map_err(|e| GitError::NotARepository {
        path: display_path(root),
        reason: e.to_string(),
    })?;
    let top = repo.workdir().unwrap_or_else(|| repo.git_dir());
    let same = match (top.canonicalize(), root.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        return Err(GitError::NotARepository {
            path: display_path(root),
            reason: format!(
                "give the top of its work tree ({}) or a bare repository",
                top.display()
            ),
        });
    }
    Ok(repo)
}

fn read_error(root: &Path) -> impl Fn(&dyn std::fmt::Display) -> GitError + '_ {
    move |e| GitError::Read {
        path: display_path(root),
        reason: e.to_string(),
    }
}

/// Enumerates the history of the repository at `root`, from every ref, leaving out what
/// `since` (a revision) and its ancestors already had.
/// Paths matching `excludes` (relative to the repository) are left out.
pub fn history(
    root: &Path,
    since: Option<&str>,
    excludes: &globset::GlobSet,
) -> Result<History, GitError> {
    let repo = with_caches(open(root)?);
    let err = read_error(root);
    let tips = tips(&repo).map_err(|e| err(&e))?;
    let hidden = since
        .map(|rev| {
            repo.rev_parse_single(rev)
                .and_then(|id| {
                    let commit = id.object()?.peel_to_commit()?;
                    Ok((commit.id, commit.tree_id()?.detach()))
                })
                .map_err(|e| GitError::Revision {
                    rev: rev.to_owned(),
                    reason: e.to_string(),
                })
        })
        .transpose()?;
    let walk = repo
        .rev_walk(tips)
        .with_hidden(hidden.iter().map(|(commit, _)| *commit))
        .all()
        .map_err(|e| err(&e))?;
    let mut infos = Vec::new();
    for info in walk {
        let info = info.map_err(|e| err(&e))?;
        infos.push(read_commit(&repo, info.id).map_err(|e| err(&e))?);
    }
    let order = oldest_first(&infos);
    let head = match repo.head_tree_id() {
        Ok(tree) => files(&repo, tree.detach()).map_err(|e| err(&e))?,
        Err(_) => HashMap::new(),
    };

    let mut walker = TreeWalk {
        repo: &repo,
        root,
        excludes,
        head: &head,
        visited: HashSet::new(),
        known: HashSet::new(),
        index: HashMap::new(),
        blobs: Vec::new(),
        errors: Vec::new(),
    };
    if let Some((_, tree)) = hidden {
        walker.walk(tree, None);
    }
    for (rank, &i) in order.iter().enumerate() {
        let info = &infos[i];
        let commit = Arc::new(Commit {
            order: u32::try_from(rank).unwrap_or(u32::MAX),
            ..info.commit.clone()
        });
        walker.walk(info.tree, Some(&commit));
    }
    let TreeWalk { blobs, errors, .. } = walker;
    Ok(History {
        has_worktree: repo.workdir().is_some(),
        repo: repo.into_sync(),
        blobs,
        commits: infos.len(),
        errors,
    })
}

impl History {
    /// Number of unique blobs.
    pub fn len(&self) -> usize {
        self.blobs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blobs.is_empty()
    }

    /// The blobs, in the order they were first seen.
    pub fn entries(&self) -> &[HistoryBlob] {
        &self.blobs
    }

    /// A handle to read blobs with on one thread (each worker needs its own).
    pub fn reader(&self) -> gix::Repository {
        with_caches(self.repo.to_thread_local())
    }
}

/// One unique blob of a history and where it was seen.
#[derive(Debug)]
pub struct HistoryBlob {
    id: ObjectId,
    seen: Vec<Provenance>,
}

/// Reads `entry` with `repo` (a [`History::reader`]).
pub fn load(repo: &gix::Repository, entry: &HistoryBlob) -> Result<Blob, InputError> {
    let seen = entry.seen.clone();
    match repo.find_object(entry.id) {
        Ok(mut object) => Ok(Blob {
            content: Content::Bytes(Arc::from(std::mem::take(&mut object.data))),
            seen,
        }),
        Err(e) => {
            let blob = Blob {
                content: Content::Bytes(Arc::from(Vec::new())),
                seen,
            };
            Err(InputError::new(
                blob.display(),
                InputErrorKind::Io,
                format!("cannot read git blob {}: {e}", entry.id),
            ))
        }
    }
}

/// A commit's tree, its committer time (for ordering) and what a report says of it.
struct CommitInfo {
    id: ObjectId,
    parents: Vec<ObjectId>,
    tree: ObjectId,
    time: i64,
    commit: Commit,
}

fn read_commit(repo: &gix::Repository, id: ObjectId) -> Result<CommitInfo, gix::Error> {
    let object = repo.find_commit(id)?;
    let decoded = object.decode()?;
    let author = decoded.author()?;
    let author_time = author.time()?;
    let time = decoded.committer()?.time()?.seconds;
    let date = OffsetDateTime::from_unix_timestamp(author_time.seconds)
        .map(format_time)
        .unwrap_or_default();
    Ok(CommitInfo {
        id,
        parents: decoded.parents().collect(),
        tree: decoded.tree(),
        time,
        commit: Commit {
            order: 0,
            id: id.to_string(),
            author: author.name.trim().to_str_lossy().into_owned(),
            email: author.email.trim().to_str_lossy().into_owned(),
            date,
        },
    })
}

/// Indices into `infos`, parents before children, the oldest committer time first among
/// the commits ready (ties by id, so the order is reproducible).
fn oldest_first(infos: &[CommitInfo]) -> Vec<usize> {
    let at: HashMap<ObjectId, usize> = infos.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut waiting = vec![0usize; infos.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); infos.len()];
    for (i, info) in infos.iter().enumerate() {
        for parent in info.parents.iter().filter_map(|p| at.get(p)) {
            waiting[i] += 1;
            children[*parent].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<(i64, ObjectId, usize)>> = infos
        .iter()
        .enumerate()
        .filter(|(i, _)| waiting[*i] == 0)
        .map(|(i, c)| Reverse((c.time, c.id, i)))
        .collect();
    let mut order = Vec::with_capacity(infos.len());
    while let Some(Reverse((_, _, i))) = ready.pop() {
        order.push(i);
        for &child in &children[i] {
            waiting[child] -= 1;
            if waiting[child] == 0 {
                ready.push(Reverse((infos[child].time, infos[child].id, child)));
            }
        }
    }
    order
}

/// Commits that the refs (and HEAD) point at, tags peeled.
fn tips(repo: &gix::Repository) -> Result<Vec<ObjectId>, gix::Error> {
    let mut tips = Vec::new();
    let platform = repo.references()?;
    for reference in platform.all()? {
        let Ok(mut reference) = reference else {
            continue;
        };
        let Ok(id) = reference.peel_to_id() else {
            continue;
        };
        if let Ok(commit) = id.object().and_then(|o| o.peel_to_commit()) {
            tips.push(commit.id);
        }
    }
    if let Ok(head) = repo.head_id() {
        tips.push(head.detach());
    }
    tips.sort();
    tips.dedup();
    Ok(tips)
}

/// Every blob of a tree by path (symbolic links and submodules left out).
fn files(repo: &gix::Repository, tree: ObjectId) -> Result<HashMap<BString, ObjectId>, gix::Error> {
    let mut files = HashMap::new();
    let mut stack = vec![(tree, BString::default())];
    while let Some((id, prefix)) = stack.pop() {
        let tree = repo.find_tree(id)?;
        for entry in tree.decode()?.entries {
            let path = join(prefix.as_ref(), entry.filename);
            match entry.mode.kind() {
                EntryKind::Tree => stack.push((entry.oid.to_owned(), path)),
                EntryKind::Blob | EntryKind::BlobExecutable => {
                    files.insert(path, entry.oid.to_owned());
                }
                EntryKind::Link | EntryKind::Commit => {}
            }
        }
    }
    Ok(files)
}

fn join(prefix: &BStr, name: &BStr) -> BString {
    let mut path = BString::from(prefix);
    if !path.is_empty() {
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
}

struct TreeWalk<'a> {
    repo: &'a gix::Repository,
    root: &'a Path,
    excludes: &'a globset::GlobSet,
    head: &'a HashMap<BString, ObjectId>,
    /// (tree, path) pairs already walked: everything below was recorded by an earlier
    /// commit.
    visited: HashSet<(ObjectId, BString)>,
    /// Blobs `--since` already had: not scanned.
    known: HashSet<ObjectId>,
    index: HashMap<ObjectId, usize>,
    blobs: Vec<HistoryBlob>,
    errors: Vec<InputError>,
}

impl TreeWalk<'_> {
    /// Records the blobs of `tree` not seen before at their path as seen at `commit`; with
    /// no commit, marks them known.
    fn walk(&mut self, tree: ObjectId, commit: Option<&Arc<Commit>>) {
        let mut stack = vec![(tree, BString::default())];
        while let Some((id, prefix)) = stack.pop() {
            if !self.visited.insert((id, prefix.clone())) {
                continue;
            }
            let tree = match self.repo.find_tree(id) {
                Ok(tree) => tree,
                Err(e) => {
                    self.tree_error(prefix.as_ref(), &e);
                    continue;
                }
            };
            let decoded = match tree.decode() {
                Ok(decoded) => decoded,
                Err(e) => {
                    self.tree_error(prefix.as_ref(), &e);
                    continue;
                }
            };
            for entry in decoded.entries {
                let path = join(prefix.as_ref(), entry.filename);
                let oid = entry.oid.to_owned();
                match entry.mode.kind() {
                    EntryKind::Tree => stack.push((oid, path)),
                    EntryKind::Blob | EntryKind::BlobExecutable => match commit {
                        Some(commit) => self.record(oid, &path, commit),
                        None => {
                            self.known.insert(oid);
                        }
                    },
                    EntryKind::Link | EntryKind::Commit => {}
                }
            }
        }
    }

    fn record(&mut self, oid: ObjectId, path: &BString, commit: &Arc<Commit>) {
        if self.known.contains(&oid) || self.excludes.is_match(path.to_str_lossy().as_ref()) {
            return;
        }
        let display = display_path(&self.root.join(path.to_str_lossy().as_ref()));
        let i = *self.index.entry(oid).or_insert_with(|| {
            self.blobs.push(HistoryBlob {
                id: oid,
                seen: Vec::new(),
            });
            self.blobs.len() - 1
        });
        let seen = &mut self.blobs[i].seen;
        let already = seen.iter().any(|p| match p {
            Provenance::Commit { path, .. } | Provenance::Path(path) => *path == display,
        });
        if !already {
            seen.push(Provenance::Commit {
                commit: Arc::clone(commit),
                path: display,
                at_head: self.head.get(path) == Some(&oid),
            });
        }
    }

    fn tree_error(&mut self, prefix: &BStr, e: &dyn std::fmt::Display) {
        let path = display_path(&self.root.join(prefix.to_str_lossy().as_ref()));
        self.errors.push(InputError::new(
            path,
            InputErrorKind::Io,
            format!("cannot read a git tree: {e}"),
        ));
    }
}

/// A repository found from `path` upwards (it need not exist), and `path` relative to its
/// work tree.
fn discover(path: &Path) -> Option<(gix::Repository, PathBuf)> {
    let absolute = resolve(path)?;
    let start = absolute.ancestors().find(|p| p.is_dir())?;
    let repo = gix::discover(start).ok()?;
    let top = repo.workdir()?.canonicalize().ok()?;
    let relative = absolute.strip_prefix(&top).ok()?.to_path_buf();
    Some((repo, relative))
}

/// `path` made absolute with its longest existing ancestor canonicalised.
fn resolve(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let mut rest = Vec::new();
    for ancestor in absolute.ancestors() {
        if let Ok(real) = ancestor.canonicalize() {
            let mut full = real;
            for part in rest.iter().rev() {
                full.push(part);
            }
            return Some(full);
        }
        rest.push(ancestor.file_name()?.to_owned());
    }
    None
}

/// Whether `relative` (a path in the repository) is a file or directory in the tree.
fn under(relative: &Path, entry: &BStr) -> bool {
    let relative = relative.to_string_lossy().replace('\\', "/");
    relative.is_empty()
        || entry == relative.as_bytes().as_bstr()
        || entry
            .strip_prefix(relative.as_bytes())
            .is_some_and(|rest| rest.starts_with(b"/"))
}

/// Whether `path`, which does not exist, is a file or directory that git knows: in HEAD's
/// tree or in the index, so deleted in the work tree or the index.
pub fn is_deleted(path: &Path) -> bool {
    let Some((repo, relative)) = discover(path) else {
        return false;
    };
    if relative.as_os_str().is_empty() {
        return false;
    }
    let in_head = repo
        .head_tree_id()
        .ok()
        .and_then(|tree| files(&repo, tree.detach()).ok())
        .is_some_and(|files| files.keys().any(|p| under(&relative, p.as_ref())));
    in_head
        || repo.index_or_empty().is_ok_and(|index| {
            index
                .entries()
                .iter()
                .any(|e| under(&relative, e.path(&index)))
        })
}

/// The blobs a commit would add under `roots`: index entries (stage 0, regular files) whose
/// blob differs from HEAD's at the same path. A root that is gone (deleted) adds nothing.
pub fn staged(roots: &[PathBuf]) -> Result<(Vec<Blob>, Vec<InputError>), GitError> {
    let first = roots.first().map_or(Path::new("."), PathBuf::as_path);
    let (repo, _) = discover(first).ok_or_else(|| GitError::NotARepository {
        path: display_path(first),
        reason: "no repository with a work tree here or above".to_owned(),
    })?;
    let err = read_error(first);
    let head = match repo.head_tree_id() {
        Ok(tree) => files(&repo, tree.detach()).map_err(|e| err(&e))?,
        Err(_) => HashMap::new(),
    };
    let index = repo.index_or_empty().map_err(|e| err(&e))?;
    let top = repo
        .workdir()
        .and_then(|p| p.canonicalize().ok())
        .unwrap_or_default();
    let mut blobs = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for root in roots {
        let Some(relative) =
            resolve(root).and_then(|p| p.strip_prefix(&top).ok().map(Path::to_path_buf))
        else {
            continue;
        };
        for entry in index.entries() {
            let path = entry.path(&index);
            let regular = matches!(
                entry.mode,
                gix::index::entry::Mode::FILE | gix::index::entry::Mode::FILE_EXECUTABLE
            );
            if entry.stage_raw() != 0
                || !regular
                || entry
                    .flags
                    .contains(gix::index::entry::Flags::INTENT_TO_ADD)
                || head.get(path) == Some(&entry.id)
                || !under(&relative, path)
                || !seen.insert(path.to_owned())
            {
                continue;
            }
            let below = Path::new(path.to_str_lossy().as_ref())
                .strip_prefix(&relative)
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let display = if below.as_os_str().is_empty() {
                display_path(root)
            } else {
                display_path(&root.join(below))
            };
            match repo.find_object(entry.id) {
                Ok(mut object) => blobs.push(Blob {
                    content: Content::Bytes(Arc::from(std::mem::take(&mut object.data))),
                    seen: vec![Provenance::Path(display)],
                }),
                Err(e) => errors.push(InputError::new(
                    display,
                    InputErrorKind::Io,
                    format!("cannot read the staged blob {}: {e}", entry.id),
                )),
            }
        }
    }
    Ok((blobs, errors))
}
