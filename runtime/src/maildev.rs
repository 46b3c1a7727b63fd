//! MailDev (`deploy/maildev`, pinned, installed by `deploy/dev-tools.sh`) run as a child process:
//! a real SMTP server with a web inbox and a REST API (`GET /email`), for `boxoffice dev` and the
//! tests. Like the Temporal dev server, it is tied to its parent and stopped on drop.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::child::{TiedChild, find_command, on_path};

pub struct MailDev {
    child: TiedChild,
    pub smtp_port: u16,
    pub web_port: u16,
}

impl MailDev {
    /// Starts MailDev on `127.0.0.1` at these ports, its output to `log` (or nowhere), and waits
    /// until its inbox answers.
    pub async fn start(
        cli: &Path,
        smtp_port: u16,
        web_port: u16,
        log: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let mut command = Command::new(cli);
        command.args([
            "--ip",
            "127.0.0.1",
            "--smtp",
            &smtp_port.to_string(),
            "--web",
            &web_port.to_string(),
        ]);
        let child = TiedChild::spawn(&mut command, log)
            .map_err(|err| anyhow::anyhow!("could not start {}: {err}", cli.display()))?;
        let mut maildev = Self {
            child,
            smtp_port,
            web_port,
        };
        maildev.wait_ready(Duration::from_secs(30)).await?;
        Ok(maildev)
    }

    async fn wait_ready(&mut self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        let client = reqwest::Client::new();
        loop {
            if let Some(status) = self.child.exited() {
                anyhow::bail!("MailDev exited early ({status})");
            }
            let smtp_up = tokio::net::TcpStream::connect(("127.0.0.1", self.smtp_port))
                .await
                .is_ok();
            if smtp_up
                && let Ok(answer) = client
                    .get(format!("{}/email", self.inbox_url()))
                    .send()
                    .await
                && answer.status().is_success()
            {
                return Ok(());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "MailDev did not become ready within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The web inbox (and the REST API under it).
    pub fn inbox_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.web_port)
    }

    /// Where the shop sends to reach it.
    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    pub fn stop(&mut self) {
        self.child.stop();
    }
}

/// The `maildev` command: `$MAILDEV`, then `deploy/maildev`'s install (of the repo this was built
/// from, or under the working directory), then `PATH`.
pub fn find_cli() -> Option<PathBuf> {
    let installed = Path::new("deploy/maildev/node_modules/.bin/maildev");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(installed);
    let candidates = [installed.to_path_buf(), repo]
        .into_iter()
        .chain(on_path("maildev"));
    find_command("MAILDEV", candidates)
}
