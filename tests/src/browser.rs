//! A real web browser under W3C WebDriver, for the pages the sync server serves (the officer
//! console): Debian's Chromium through `chromedriver` (headless), or WebKitGTK's MiniBrowser
//! through `WebKitWebDriver` under Xvfb.
//!
//! Browsers send what HTTP clients never do (`Origin`, `Sec-Fetch-*`, referrer policies, cookie
//! prefixes, form encodings), so a page is only known to work once a browser used it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use thirtyfour::prelude::*;

use crate::app::{E2eError, Result};
use crate::procs::{self, Display, Guard};

/// Which engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Debian `chromium` + `chromium-driver`, headless.
    Chromium,
    /// WebKitGTK's MiniBrowser (Debian `libwebkit2gtk-4.1-0`) + `webkit2gtk-driver`, under Xvfb.
    WebKit,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::WebKit => "webkit",
        }
    }
}

/// WebKitGTK's MiniBrowser, wherever the multiarch directory puts it.
pub fn minibrowser() -> Option<PathBuf> {
    let dirs = std::fs::read_dir("/usr/lib").ok()?;
    dirs.filter_map(|d| d.ok())
        .map(|d| d.path().join("webkit2gtk-4.1/MiniBrowser"))
        .chain(std::iter::once(PathBuf::from(
            "/usr/libexec/webkit2gtk-4.1/MiniBrowser",
        )))
        .find(|p| p.is_file())
}

/// One browser session. Dropping it kills the driver and the browser (process group).
pub struct Browser {
    pub engine: Engine,
    pub driver: WebDriver,
    // Field order: the session first, then the driver process, then the display.
    _driver_proc: Guard,
    _display: Option<Display>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts `engine` with a window of `width`×`height` CSS pixels.
    pub async fn launch(engine: Engine, width: u32, height: u32) -> Result<Self> {
        let port = procs::free_port()?;
        let profile = tempfile::tempdir()?;
        let (guard, display, caps) = match engine {
            Engine::Chromium => {
                let chromium = procs::require("chromium", "apt install chromium")?;
                let driver = procs::require("chromedriver", "apt install chromium-driver")?;
                let guard = Guard::spawn(
                    "chromedriver",
                    Command::new(driver)
                        .arg(format!("--port={port}"))
                        .stdout(Stdio::null())
                        .stderr(Stdio::null()),
                )?;
                let mut caps = Capabilities::new();
                caps.set("browserName", "chrome")?;
                let mut options = serde_json::json!({
                        "binary": chromium.to_string_lossy(),
                        // Without the background-networking flags Chromium stalls on a closed
                        // network; the profile is fresh for every session.
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--disable-extensions", "--lang=vi-VN",
                            format!("--window-size={width},{height}"),
                            format!("--user-data-dir={}", profile.path().display()),
                        ],
                });
                // Headless windows are never narrower than 500 px: a phone's width needs the
                // device metrics of mobile emulation.
                if width < 500 {
                    options["mobileEmulation"] = serde_json::json!({
                        "deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0},
                    });
                }
                caps.set("goog:chromeOptions", options)?;
                (guard, None, caps)
            }
            Engine::WebKit => {
                let driver = procs::require("WebKitWebDriver", "apt install webkit2gtk-driver")?;
                let mini = minibrowser().ok_or_else(|| {
                    E2eError::Check(
                        "WebKitGTK's MiniBrowser is not installed (Debian libwebkit2gtk-4.1-0)"
                            .into(),
                    )
                })?;
                let display = Display::acquire()?;
                let guard = Guard::spawn(
                    "WebKitWebDriver",
                    Command::new(driver)
                        .arg(format!("--port={port}"))
                        .env("DISPLAY", display.name())
                        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
                        .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
                        .env("LIBGL_ALWAYS_SOFTWARE", "1")
                        .env_remove("WAYLAND_DISPLAY")
                        .stdout(Stdio::null())
                        .stderr(Stdio::null()),
                )?;
                let mut caps = Capabilities::new();
                caps.set(
                    "webkitgtk:browserOptions",
                    serde_json::json!({
                        "binary": mini.to_string_lossy(),
                        "args": ["--automation", format!("--geometry={width}x{height}")],
                    }),
                )?;
                (guard, Some(display), caps)
            }
        };
        procs::wait_until("web driver", Duration::from_secs(20), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        })?;
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await?;
        let b = Browser {
            engine,
            driver,
            _driver_proc: guard,
            _display: display,
            _profile: profile,
        };
        if engine == Engine::WebKit {
            b.driver.set_window_rect(0, 0, width, height).await?;
        }
        Ok(b)
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        self.driver.goto(url).await?;
        Ok(())
    }

    pub async fn find(&self, css: &str) -> Result<WebElement> {
        Ok(self
            .driver
            .query(By::Css(css))
            .wait(Duration::from_secs(15), Duration::from_millis(100))
            .first()
            .await?)
    }

    /// Text of the first element matching `css` (waits for it).
    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.find(css).await?.text().await?)
    }

    /// Types `text` into the field `css` after clearing it.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let el = self.find(css).await?;
        el.clear().await?;
        el.send_keys(text).await?;
        Ok(())
    }

    /// Clicks the element the way a user does (scrolled into view first).
    pub async fn click(&self, css: &str) -> Result<()> {
        let el = self.find(css).await?;
        el.scroll_into_view().await?;
        el.click().await?;
        Ok(())
    }

    /// Clicks a submit button and waits until the browser has left the page it was on.
    pub async fn submit(&self, css: &str) -> Result<()> {
        let before = self.driver.find(By::Css("html")).await?;
        self.click(css).await?;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        // The old document's element goes stale once the new page has replaced it.
        while before.tag_name().await.is_ok() {
            if std::time::Instant::now() > deadline {
                return Err(E2eError::Check(format!(
                    "{}: submitting {css} did not load a new page",
                    self.engine.name()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.find("body").await?;
        Ok(())
    }

    /// The value of a script (`return …;`) run in the page.
    pub async fn script(&self, js: &str) -> Result<serde_json::Value> {
        Ok(self.driver.execute(js, Vec::new()).await?.json().clone())
    }

    /// The addresses of everything the current page loaded (the Resource Timing entries).
    pub async fn resources(&self) -> Result<Vec<String>> {
        let v = self
            .driver
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name);",
                Vec::new(),
            )
            .await?;
        Ok(v.json()
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    pub async fn current_url(&self) -> Result<String> {
        Ok(self.driver.current_url().await?.to_string())
    }

    /// Saves a PNG of the viewport to `target/e2e-screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let path = crate::screenshot_dir().join(format!("{name}.png"));
        let png = match self.engine {
            Engine::Chromium => self.driver.screenshot_as_png().await?,
            // WebKitWebDriver's snapshot waits for the next paint, which a still page never
            // makes: a 1-pixel element flickers while it is taken (as in `app.rs`).
            Engine::WebKit => {
                self.driver
                    .execute(
                        "const d = document.createElement('div'); d.id = 'e2e-nudge';\
                         d.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none';\
                         document.body.appendChild(d); let i = 0;\
                         window.__nudge = setInterval(() => { d.style.background = (i++ % 2) ? 'rgba(0,0,0,0.01)' : 'rgba(0,0,0,0.02)'; }, 30);",
                        Vec::new(),
                    )
                    .await?;
                let shot = self.driver.screenshot_as_png().await;
                self.driver
                    .execute(
                        "clearInterval(window.__nudge); document.getElementById('e2e-nudge')?.remove();",
                        Vec::new(),
                    )
                    .await?;
                shot?
            }
        };
        std::fs::write(&path, png)?;
        Ok(path)
    }

    pub async fn quit(self) -> Result<()> {
        let Browser { driver, .. } = self;
        driver.quit().await?;
        Ok(())
    }
}
