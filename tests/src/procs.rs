//! Child processes that are always cleaned up: each runs in its own process group, and dropping
//! the guard kills the whole group (so WebKitWebDriver and the app die with tauri-driver), also
//! when a test fails or panics.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum ProcError {
    #[error("`{program}` is not installed or not on PATH ({hint})")]
    Missing { program: String, hint: String },
    #[error("cannot start `{program}`: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{what}` was not ready within {secs} s")]
    Timeout { what: String, secs: u64 },
    #[error("no free port: {0}")]
    Port(std::io::Error),
}

/// A process group that is killed on drop.
#[derive(Debug)]
pub struct Guard {
    name: String,
    child: Child,
}

impl Guard {
    pub fn spawn(name: &str, cmd: &mut Command) -> Result<Self, ProcError> {
        cmd.process_group(0);
        let child = cmd.spawn().map_err(|source| ProcError::Spawn {
            program: name.to_string(),
            source,
        })?;
        Ok(Self {
            name: name.to_string(),
            child,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has exited.
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Negative pid: the whole process group.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = &self.name;
    }
}

/// Finds `program` on PATH or in `~/.cargo/bin`.
pub fn which(program: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

pub fn require(program: &str, hint: &str) -> Result<PathBuf, ProcError> {
    which(program).ok_or_else(|| ProcError::Missing {
        program: program.to_string(),
        hint: hint.to_string(),
    })
}

/// A TCP port that was free a moment ago.
pub fn free_port() -> Result<u16, ProcError> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(ProcError::Port)?;
    l.local_addr().map(|a| a.port()).map_err(ProcError::Port)
}

/// Waits until `check` is true.
pub fn wait_until(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> bool,
) -> Result<(), ProcError> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(ProcError::Timeout {
        what: what.to_string(),
        secs: timeout.as_secs(),
    })
}

/// A private X server (Xvfb) on a free display number.
#[derive(Debug)]
pub struct Xvfb {
    pub display: String,
    _guard: Guard,
}

impl Xvfb {
    pub fn start() -> Result<Self, ProcError> {
        let xvfb = require("Xvfb", "apt install xvfb")?;
        let n = (100..400)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .unwrap_or(399);
        let display = format!(":{n}");
        let guard = Guard::spawn(
            "Xvfb",
            Command::new(xvfb)
                .args([
                    display.as_str(),
                    "-screen",
                    "0",
                    "1280x1024x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )?;
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        wait_until("Xvfb", Duration::from_secs(10), || socket.exists())?;
        Ok(Self {
            display,
            _guard: guard,
        })
    }
}

/// A display to run windows on: the caller's `DISPLAY` if `DVC_E2E_USE_DISPLAY=1`, else a fresh
/// Xvfb (the default, so tests never steal focus on a developer's desktop).
#[derive(Debug)]
pub enum Display {
    Existing(String),
    Virtual(Xvfb),
}

impl Display {
    pub fn acquire() -> Result<Self, ProcError> {
        if std::env::var("DVC_E2E_USE_DISPLAY").as_deref() == Ok("1") {
            if let Ok(d) = std::env::var("DISPLAY") {
                return Ok(Self::Existing(d));
            }
        }
        Ok(Self::Virtual(Xvfb::start()?))
    }

    pub fn name(&self) -> &str {
        match self {
            Self::Existing(d) => d,
            Self::Virtual(x) => &x.display,
        }
    }
}
