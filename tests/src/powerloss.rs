//! Power loss, simulated: a process runs with the LD_PRELOAD shim `tests/powerloss/shim.c`,
//! which journals every change under a root folder with what it replaced and every fsync; after
//! the process is killed, [`PowerCut::cut`] undoes — newest first — every change that was not
//! made durable (a file's data by an fsync/fdatasync of that file, a name — created, renamed,
//! removed — by an fsync of its directory). The folder is then as a disk that lost its write
//! cache would leave it, the worst case POSIX allows; SIGKILL alone keeps the page cache, so it
//! cannot show a missing fsync.
//!
//! The shim is compiled from source with the system C compiler on first use (`cc`, present
//! wherever the workspace builds: SQLCipher and OpenSSL are C).

use std::collections::HashMap;
use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// A failure of the harness itself.
#[derive(Debug, thiserror::Error)]
pub enum PowerLossError {
    #[error("building the power-loss shim with `cc` failed: {0}")]
    Build(String),
    #[error("the journal {path} is damaged at byte {at}")]
    Journal { path: PathBuf, at: usize },
    #[error("undoing record {index} ({kind}) on {path}: {source}")]
    Undo {
        index: usize,
        kind: char,
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The shim's shared library, built once per test process.
pub fn shim() -> Result<&'static Path, PowerLossError> {
    static SHIM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    SHIM.get_or_init(|| {
        // Shared by path with the server's tests: find the workspace from either crate.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .find(|d| d.join("tests/powerloss/shim.c").is_file())
            .ok_or("tests/powerloss/shim.c not found above the crate")?;
        let src = root.join("tests/powerloss/shim.c");
        let out_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"))
            .join("powerloss");
        fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
        let out = out_dir.join(format!("libpowerloss-{}.so", std::process::id()));
        let o = Command::new("cc")
            .args([
                "-shared",
                "-fPIC",
                "-O1",
                "-Wall",
                "-Wno-format-truncation",
                "-o",
            ])
            .arg(&out)
            .arg(&src)
            .args(["-ldl", "-lpthread"])
            .output()
            .map_err(|e| format!("cannot run cc: {e}"))?;
        if !o.status.success() {
            return Err(String::from_utf8_lossy(&o.stderr).into_owned());
        }
        Ok(out)
    })
    .as_deref()
    .map_err(|e| PowerLossError::Build(e.clone()))
}

/// One journalled folder: where the journal and the kept files go, and the environment a
/// process needs to run under the shim.
pub struct PowerCut {
    root: PathBuf,
    journal: PathBuf,
    stash: PathBuf,
}

/// What [`PowerCut::cut`] undid.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CutReport {
    /// Records in the journal.
    pub records: usize,
    /// Of them, undone (not durable when the power went).
    pub undone: usize,
    /// Undone by kind: `W` write, `T` truncate, `C` created, `R` rename, `U` removed.
    pub by_kind: HashMap<char, usize>,
    /// Syncs seen (`S` file, `D` directory).
    pub syncs: usize,
}

struct Rec {
    kind: char,
    ino: u64,
    a: u64,
    b: u64,
    path: String,
    path2: String,
    data: Vec<u8>,
}

impl PowerCut {
    /// Journals changes under `root` (created if missing); the journal and kept files live in
    /// `work`, outside it.
    pub fn new(root: &Path, work: &Path) -> Result<PowerCut, PowerLossError> {
        fs::create_dir_all(root)?;
        let stash = work.join("stash");
        fs::create_dir_all(&stash)?;
        Ok(PowerCut {
            root: root.to_path_buf(),
            journal: work.join("journal"),
            stash,
        })
    }

    /// The environment for a process under the shim (`ignore_sync`: no fsync counts — the
    /// negative control).
    pub fn env(&self, ignore_sync: bool) -> Result<Vec<(String, String)>, PowerLossError> {
        let mut env = vec![
            ("LD_PRELOAD".into(), shim()?.display().to_string()),
            ("PL_ROOT".into(), self.root.display().to_string()),
            ("PL_JOURNAL".into(), self.journal.display().to_string()),
            ("PL_STASH".into(), self.stash.display().to_string()),
        ];
        if ignore_sync {
            env.push(("PL_IGNORE_SYNC".into(), "1".into()));
        }
        Ok(env)
    }

    fn read(&self) -> Result<Vec<Rec>, PowerLossError> {
        let bytes = match fs::read(&self.journal) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let bad = |at: usize| PowerLossError::Journal {
            path: self.journal.clone(),
            at,
        };
        let mut recs = Vec::new();
        let mut i = 0usize;
        let take = |i: &mut usize, n: usize| -> Result<&[u8], PowerLossError> {
            let s = bytes.get(*i..*i + n).ok_or_else(|| bad(*i))?;
            *i += n;
            Ok(s)
        };
        let u64_at = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap_or([0; 8]));
        let u32_at = |s: &[u8]| u32::from_le_bytes(s.try_into().unwrap_or([0; 4]));
        while i < bytes.len() {
            let kind = take(&mut i, 1)?[0] as char;
            let ino = u64_at(take(&mut i, 8)?);
            let a = u64_at(take(&mut i, 8)?);
            let b = u64_at(take(&mut i, 8)?);
            let l1 = u32_at(take(&mut i, 4)?) as usize;
            let path = String::from_utf8_lossy(take(&mut i, l1)?).into_owned();
            let l2 = u32_at(take(&mut i, 4)?) as usize;
            let path2 = String::from_utf8_lossy(take(&mut i, l2)?).into_owned();
            let dl = u64_at(take(&mut i, 8)?) as usize;
            let data = take(&mut i, dl)?.to_vec();
            recs.push(Rec {
                kind,
                ino,
                a,
                b,
                path,
                path2,
                data,
            });
        }
        Ok(recs)
    }

    /// Every inode under the root and in the stash, by number.
    fn inodes(&self) -> HashMap<u64, PathBuf> {
        let mut map = HashMap::new();
        let mut todo = vec![self.stash.clone(), self.root.clone()];
        while let Some(dir) = todo.pop() {
            let Ok(rd) = fs::read_dir(&dir) else { continue };
            for e in rd.flatten() {
                let p = e.path();
                let Ok(md) = fs::symlink_metadata(&p) else {
                    continue;
                };
                if md.is_dir() {
                    todo.push(p.clone());
                }
                map.entry(md.ino()).or_insert(p);
            }
        }
        map
    }

    /// The power goes: every change not made durable is undone, newest first. Call it only when
    /// no process under the shim is running.
    pub fn cut(&self) -> Result<CutReport, PowerLossError> {
        let recs = self.read()?;
        // The last sync of each file (by inode) and of each directory (by path).
        let mut file_sync: HashMap<u64, usize> = HashMap::new();
        let mut dir_sync: HashMap<&str, usize> = HashMap::new();
        for (i, r) in recs.iter().enumerate() {
            match r.kind {
                'S' => {
                    file_sync.insert(r.ino, i);
                }
                'D' => {
                    dir_sync.insert(r.path.as_str(), i);
                }
                _ => {}
            }
        }
        let parent = |p: &str| -> String {
            Path::new(p)
                .parent()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        };
        let name_durable =
            |i: usize, p: &str| dir_sync.get(parent(p).as_str()).is_some_and(|&j| j > i);
        let mut report = CutReport {
            records: recs.len(),
            syncs: recs.iter().filter(|r| matches!(r.kind, 'S' | 'D')).count(),
            ..CutReport::default()
        };
        let mut inodes: Option<HashMap<u64, PathBuf>> = None;
        for (i, r) in recs.iter().enumerate().rev() {
            let durable = match r.kind {
                'W' | 'T' => file_sync.get(&r.ino).is_some_and(|&j| j > i),
                'C' | 'U' => name_durable(i, &r.path),
                'R' => name_durable(i, &r.path) && name_durable(i, &r.path2),
                _ => true,
            };
            if durable {
                continue;
            }
            let undo_err = |source: std::io::Error| PowerLossError::Undo {
                index: i,
                kind: r.kind,
                path: r.path.clone(),
                source,
            };
            if std::env::var_os("DVC_POWERLOSS_DEBUG").is_some() {
                eprintln!(
                    "undo #{i} {} {} {} a={} b={}",
                    r.kind, r.path, r.path2, r.a, r.b
                );
            }
            self.undo(r, &mut inodes).map_err(undo_err)?;
            report.undone += 1;
            *report.by_kind.entry(r.kind).or_default() += 1;
        }
        // Nothing of the journal applies to the next run.
        fs::remove_file(&self.journal).or_else(ignore_missing)?;
        fs::remove_dir_all(&self.stash)?;
        fs::create_dir_all(&self.stash)?;
        Ok(report)
    }

    /// Undoes one change; `inodes` caches the inode → path map until a name changes.
    fn undo(&self, r: &Rec, inodes: &mut Option<HashMap<u64, PathBuf>>) -> std::io::Result<()> {
        if matches!(r.kind, 'C' | 'R' | 'U') {
            *inodes = None;
        }
        match r.kind {
            'W' | 'T' => {
                // The file may have been renamed or removed since: find it by inode.
                let map = inodes.get_or_insert_with(|| self.inodes());
                let Some(path) = map.get(&r.ino).cloned() else {
                    return Ok(()); // gone for good (its name was undone, or removed durably)
                };
                if fs::symlink_metadata(&path)?.is_dir() {
                    return Ok(());
                }
                let mut f = fs::OpenOptions::new().write(true).open(&path)?;
                if r.kind == 'W' {
                    f.write_all_at(&r.data, r.a)?;
                    f.set_len(r.b)?;
                } else {
                    f.set_len(r.b)?;
                    f.seek(SeekFrom::Start(r.a))?;
                    f.write_all(&r.data)?;
                }
                Ok(())
            }
            'C' => {
                let p = Path::new(&r.path);
                match fs::symlink_metadata(p) {
                    Ok(md) if md.ino() == r.ino => {
                        if md.is_dir() {
                            fs::remove_dir_all(p)
                        } else {
                            fs::remove_file(p)
                        }
                    }
                    _ => Ok(()),
                }
            }
            'R' => {
                let (from, to) = (Path::new(&r.path), Path::new(&r.path2));
                if fs::symlink_metadata(to).is_ok_and(|md| md.ino() == r.ino) {
                    fs::rename(to, from)?;
                }
                if r.a == 1 {
                    let kept = PathBuf::from(String::from_utf8_lossy(&r.data).into_owned());
                    if kept.exists() && !to.exists() {
                        fs::hard_link(&kept, to)?;
                    }
                }
                Ok(())
            }
            'U' => {
                let p = Path::new(&r.path);
                if p.exists() {
                    return Ok(());
                }
                if r.a == 1 {
                    return fs::create_dir(p);
                }
                let kept = PathBuf::from(String::from_utf8_lossy(&r.data).into_owned());
                if !r.data.is_empty() && kept.exists() {
                    fs::hard_link(&kept, p)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

fn ignore_missing(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::NotFound {
        Ok(())
    } else {
        Err(e)
    }
}
