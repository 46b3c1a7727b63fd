//! A real browser for the storefront tests: Debian's headless `chromium`, driven through its
//! `chromedriver` with fantoccini. Each test gets its own driver and browser profile.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::process::{Child, Command};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// How long a page may take to show what a test waits for.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Where screenshots go: `$BOXOFFICE_SCREENSHOTS`, or `target/screenshots` in the workspace.
pub fn screenshots_dir() -> PathBuf {
    std::env::var_os("BOXOFFICE_SCREENSHOTS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots"),
        PathBuf::from,
    )
}

/// One headless browser window on the shop at `base_url`.
pub struct Browser {
    client: Client,
    base_url: String,
    test_name: String,
    shots: usize,
    _driver: Child,
}

impl Browser {
    /// Starts chromedriver and a headless chromium, named after the test for its screenshots.
    pub async fn open(base_url: &str, test_name: &str) -> Self {
        let driver_path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
        let port = boxoffice_runtime::temporal_server::free_port().expect("a free port");
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|err| {
                panic!("cannot start {driver_path} ({err}); run deploy/dev-tools.sh to install chromium-driver")
            });
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--window-size=1280,900", "--no-first-run", "--disable-background-networking",
                    "--disable-extensions", "--lang=en-US",
                ],
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        let webdriver_url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&webdriver_url)
                .await
            {
                Ok(client) => break client,
                // The driver takes a moment to listen.
                Err(_) if started.elapsed() < PATIENCE => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => panic!("chromedriver did not start a browser: {err}"),
            }
        };
        Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            test_name: test_name.to_owned(),
            shots: 0,
            _driver: driver,
        }
    }

    pub async fn visit(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base_url))
            .await
            .unwrap_or_else(|err| panic!("visit {path}: {err}"));
    }

    /// The current path (and query), without the origin.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Replaces the text of the input `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input.clear().await.expect("clear input");
        input
            .send_keys(text)
            .await
            .unwrap_or_else(|err| panic!("type into {css}: {err}"));
    }

    /// Clicks the button whose text is `label`, and waits for the page it leads to.
    pub async fn press(&self, label: &str) {
        let xpath = format!("//button[normalize-space()='{label}']");
        let button = self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|err| panic!("no button '{label}': {err}"));
        button
            .click()
            .await
            .unwrap_or_else(|err| panic!("click '{label}': {err}"));
    }

    /// Follows the link whose text is `text`.
    pub async fn follow(&self, text: &str) {
        let link = self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::LinkText(text))
            .await
            .unwrap_or_else(|err| panic!("no link '{text}': {err}"));
        link.click()
            .await
            .unwrap_or_else(|err| panic!("follow '{text}': {err}"));
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("no element {css}: {err}"))
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .unwrap_or_else(|err| panic!("text of {css}: {err}"))
    }

    /// Waits until the element `css` shows `needle` (the page may change it by itself).
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return text;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "{css} never showed '{needle}'; it shows '{text}' on {}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Whether any element matches `css` right now.
    pub async fn has(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Resizes the window, to see the pages as a phone does.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .unwrap_or_else(|err| panic!("resize to {width}x{height}: {err}"));
    }

    /// Runs `script` in the page and returns its result.
    pub async fn run_js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|err| panic!("script failed: {err}"))
    }

    /// Saves a screenshot as `<test>-<n>-<name>.png` in [`screenshots_dir`].
    pub async fn screenshot(&mut self, name: &str) {
        self.shots += 1;
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).expect("create the screenshots folder");
        let file = dir.join(format!("{}-{:02}-{name}.png", self.test_name, self.shots));
        std::fs::write(&file, png).expect("save screenshot");
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
