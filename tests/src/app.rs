//! The real desktop app under WebDriver.
//!
//! Needs: the app built with the embedded UI (`cargo build -p dvc-app --features
//! custom-protocol`, done by `./x test`), `tauri-driver` (`cargo install tauri-driver --locked`),
//! `WebKitWebDriver` (Debian `webkit2gtk-driver`) and `Xvfb` (Debian `xvfb`). `./x test` installs
//! all of them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use thirtyfour::prelude::*;

use crate::procs::{self, Display, Guard, ProcError};

#[derive(Debug, thiserror::Error)]
pub enum E2eError {
    #[error(transparent)]
    Proc(#[from] ProcError),
    #[error("webdriver: {0}")]
    WebDriver(#[from] WebDriverError),
    #[error(
        "the app binary {0} does not exist: build it with `cargo build -p dvc-app --features \
         custom-protocol` (./x test does) or set DVC_APP_BIN"
    )]
    NoApp(PathBuf),
    #[error("{0}")]
    Check(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = E2eError> = std::result::Result<T, E>;

/// The app binary under test.
pub fn app_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("DVC_APP_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"));
    target.join("debug").join("dvc-app")
}

/// How to start the app.
#[derive(Debug, Clone)]
pub struct Launch {
    pub data_dir: PathBuf,
    /// `DVC_KEYSTORE` for the app (`file` by default: no Secret Service on a headless machine).
    pub keystore: String,
    pub env: Vec<(String, String)>,
}

impl Launch {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            keystore: "file".into(),
            env: Vec::new(),
        }
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn keystore(mut self, k: &str) -> Self {
        self.keystore = k.into();
        self
    }
}

/// One running app with its WebDriver session. Dropping it kills every process it started.
pub struct App {
    pub driver: WebDriver,
    // Field order matters: the driver session goes first, then tauri-driver, then the display.
    _tauri_driver: Guard,
    _display: Display,
}

impl App {
    pub async fn launch(launch: &Launch) -> Result<Self> {
        let bin = app_binary();
        if !bin.is_file() {
            return Err(E2eError::NoApp(bin));
        }
        let tauri_driver = procs::require("tauri-driver", "cargo install tauri-driver --locked")?;
        procs::require("WebKitWebDriver", "apt install webkit2gtk-driver")?;
        let display = Display::acquire()?;
        let port = procs::free_port()?;
        let native_port = procs::free_port()?;

        let mut cmd = Command::new(tauri_driver);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("DISPLAY", display.name())
        .env("DVC_DATA_DIR", &launch.data_dir)
        .env("DVC_KEYSTORE", &launch.keystore)
        .env(
            "DVC_LOG",
            std::env::var("DVC_LOG").unwrap_or_else(|_| "warn".into()),
        )
        // Software rendering: no GPU under Xvfb.
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(if std::env::var_os("DVC_E2E_VERBOSE").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        });
        for (k, v) in &launch.env {
            cmd.env(k, v);
        }
        let guard = Guard::spawn("tauri-driver", &mut cmd)?;
        // Both tauri-driver and the WebKitWebDriver it starts must be listening before a session
        // can be created.
        for (what, p) in [("tauri-driver", port), ("WebKitWebDriver", native_port)] {
            procs::wait_until(what, Duration::from_secs(20), || {
                std::net::TcpStream::connect(("127.0.0.1", p)).is_ok()
            })?;
        }

        let mut caps = Capabilities::new();
        caps.set(
            "tauri:options",
            serde_json::json!({ "application": bin.to_string_lossy() }),
        )?;
        caps.set("browserName", "wry")?;
        // On a loaded machine the first session request can still race the native driver's
        // start-up; a failed *connection* is retried, anything else is reported at once.
        let mut attempt = 0;
        let driver = loop {
            attempt += 1;
            match WebDriver::new(format!("http://127.0.0.1:{port}"), caps.clone()).await {
                Ok(d) => break d,
                Err(e)
                    if attempt < 3
                        && matches!(
                            e.as_inner(),
                            thirtyfour::error::WebDriverErrorInner::HttpError(_)
                                | thirtyfour::error::WebDriverErrorInner::RequestFailed(_)
                        ) =>
                {
                    eprintln!("e2e: session request failed ({e}); retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => return Err(e.into()),
            }
        };
        Ok(Self {
            driver,
            _tauri_driver: guard,
            _display: display,
        })
    }

    /// Waits until the UI says it is ready (`<html data-ready>` set by App.svelte), returning its
    /// value: `true`, or `error` when the app shows its error screen.
    pub async fn wait_ready(&self) -> Result<String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let v = self
                .js("return document.documentElement.dataset.ready || ''")
                .await?;
            if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
                return Ok(s.to_string());
            }
            if std::time::Instant::now() > deadline {
                return Err(E2eError::Check(
                    "the UI did not become ready in 30 s".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn js(&self, script: &str) -> Result<serde_json::Value> {
        Ok(self
            .driver
            .execute(script, Vec::new())
            .await?
            .json()
            .clone())
    }

    pub async fn find(&self, css: &str) -> Result<WebElement> {
        Ok(self
            .driver
            .query(By::Css(css))
            .wait(Duration::from_secs(10), Duration::from_millis(100))
            .first()
            .await?)
    }

    /// Clicks like a user: the element is scrolled to the middle of the screen first (the top
    /// bar and the bottom tab bar are fixed and would otherwise cover it). If something still
    /// covers it (an animation finishing), the click is delivered to the element by script.
    pub async fn click(&self, css: &str) -> Result<()> {
        let el = self.find(css).await?;
        self.driver
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
                vec![el.to_json()?],
            )
            .await?;
        match el.click().await {
            Ok(()) => Ok(()),
            Err(e)
                if matches!(
                    e.as_inner(),
                    thirtyfour::error::WebDriverErrorInner::ElementClickIntercepted(_)
                ) =>
            {
                self.driver
                    .execute("arguments[0].click();", vec![el.to_json()?])
                    .await?;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.find(css).await?.text().await?)
    }

    /// Saves a PNG of the window to `target/e2e-screenshots/<name>.png`.
    ///
    /// WebKitWebDriver's snapshot waits for the next paint, which never comes on a page that is
    /// not changing (the request then hangs until it times out). So while it is taken, a 1-pixel,
    /// nearly transparent element in the corner flickers to keep frames coming.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let path = crate::screenshot_dir().join(format!("{name}.png"));
        self.js(
            "const d = document.createElement('div'); d.id = 'e2e-paint-nudge';              d.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647';              document.body.appendChild(d); let i = 0;              window.__e2eNudge = setInterval(() => { d.style.background = (i++ % 2) ? 'rgba(0,0,0,0.01)' : 'rgba(0,0,0,0.02)'; }, 30);              return true;",
        )
        .await?;
        let shot = self.driver.screenshot_as_png().await;
        self.js(
            "clearInterval(window.__e2eNudge); document.getElementById('e2e-paint-nudge')?.remove(); return true;",
        )
        .await?;
        std::fs::write(&path, shot?)?;
        Ok(path)
    }

    /// Resizes the window's viewport to a phone size.
    pub async fn phone_size(&self) -> Result<()> {
        self.driver.set_window_rect(0, 0, 360, 740).await?;
        Ok(())
    }

    /// Ends the session (closing the app) and stops every process.
    pub async fn quit(self) -> Result<()> {
        let App {
            driver,
            _tauri_driver,
            _display,
        } = self;
        driver.quit().await?;
        Ok(())
    }
}
