//! `boxoffice dev`, run as a user runs it: one command, no set-up; everything it starts, it stops;
//! a second run reuses the data.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

struct Dev {
    child: Child,
    /// The JSON log; what the process wrote on stderr (its error, if it failed) is beside it.
    log: std::path::PathBuf,
}

impl Dev {
    /// Starts dev logging JSON lines to `log`.
    fn start(data_dir: &std::path::Path, addr: &str, log: &std::path::Path) -> Self {
        Self::start_with(data_dir, addr, log, &[])
    }

    /// Starts dev with more environment (`env`) on top of the clean one.
    fn start_with(
        data_dir: &std::path::Path,
        addr: &str,
        log: &std::path::Path,
        env: &[(&str, String)],
    ) -> Self {
        std::fs::create_dir_all(data_dir).unwrap();
        let mut command = boxoffice("dev", log);
        command
            .env("BOXOFFICE_DATA_DIR", data_dir)
            .env("BOXOFFICE_ADDR", addr)
            .env_remove("TEMPORAL_ADDRESS")
            .env_remove("DATABASE_URL")
            .env_remove("STRIPE_SECRET_KEY")
            .env_remove("JWT_SECRET")
            .env_remove("SMTP_URL")
            .env_remove("BOXOFFICE_MAIL")
            .envs(env.iter().map(|(name, value)| (name, value)));
        Self {
            child: command.spawn().expect("start boxoffice dev"),
            log: log.to_owned(),
        }
    }

    fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).unwrap()
    }

    /// SIGTERM, as a service manager or Ctrl-C would; returns once it has exited.
    fn terminate(mut self) -> std::process::ExitStatus {
        // SAFETY: a plain syscall on our own child.
        unsafe { libc::kill(self.pid(), libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "dev did not stop within 30s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// `boxoffice <subcommand>` logging JSON lines to `log`.
fn boxoffice(subcommand: &str, log: &std::path::Path) -> Command {
    let stdout = std::fs::File::create(log).expect("create the log file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_boxoffice"));
    command
        .arg(subcommand)
        .env("BOXOFFICE_LOG_FORMAT", "json")
        .env_remove("RUST_LOG")
        .stdout(stdout)
        .stderr(std::fs::File::create(stderr_beside(log)).expect("create the stderr file"));
    command
}

/// Where a process started with `boxoffice(…, log)` writes its stderr.
fn stderr_beside(log: &std::path::Path) -> std::path::PathBuf {
    log.with_extension("stderr")
}

/// The processes `pid` started.
fn children_of(pid: i32) -> Vec<i32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<i32>>()
        })
        .collect()
}

fn is_alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| !stat.contains(") Z "))
        .unwrap_or(false)
}

/// Processes whose command line mentions `needle` (say, the data dir dev gave Temporal).
fn processes_mentioning(needle: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|cmd| String::from_utf8_lossy(&cmd).contains(needle))
                .unwrap_or(false)
        })
        .filter(|pid| is_alive(*pid))
        .collect()
}

fn free_addr() -> String {
    format!("127.0.0.1:{}", free_port())
}

fn free_port() -> u16 {
    boxoffice_runtime::temporal_server::free_port().expect("a free port")
}

/// Waits until `process` answers ready at `base`; fails at once, with its stderr, if it exits.
async fn wait_until_ready(process: &mut Dev, base: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    let stderr = || std::fs::read_to_string(stderr_beside(&process.log)).unwrap_or_default();
    loop {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status() == 200
        {
            return;
        }
        if let Some(status) = process.child.try_wait().unwrap() {
            panic!(
                "boxoffice exited ({status}) before it was ready: {}",
                stderr()
            );
        }
        assert!(
            Instant::now() < deadline,
            "boxoffice was not ready within 90s: {}",
            stderr()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn get_json(client: &reqwest::Client, url: &str) -> serde_json::Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

fn temporal_already_running() -> bool {
    std::net::TcpStream::connect("127.0.0.1:7233").is_ok()
}

#[tokio::test]
async fn dev_serves_the_shop_stops_everything_it_started_and_keeps_its_data() {
    let data_dir = std::env::temp_dir().join(format!("boxoffice-dev-{}", std::process::id()));
    let addr = free_addr();
    let base = format!("http://{addr}");
    let reused_temporal = temporal_already_running();

    let mut dev = Dev::start(&data_dir, &addr, &data_dir.join("first-run.log"));
    wait_until_ready(&mut dev, &base).await;
    let client = signed_up(&format!("{base}/api"), "dev@example.com").await;
    let listed = client
        .post(format!("{base}/api/tickets"))
        .json(&serde_json::json!({"title": "Kept across runs", "price": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 201);
    let started = children_of(dev.pid());
    if !reused_temporal {
        assert!(
            !started.is_empty(),
            "dev should have started a Temporal dev server"
        );
    }

    let status = dev.terminate();

    assert!(status.success(), "dev exited with {status}");
    for child in &started {
        assert!(!is_alive(*child), "process {child} outlived boxoffice dev");
    }
    let temporal_db = data_dir.join("temporal.sqlite");
    assert_eq!(
        processes_mentioning(&temporal_db.display().to_string()),
        Vec::<i32>::new(),
        "a Temporal server outlived boxoffice dev"
    );

    // A second run reuses the data dir: the SQLite shop and the session secret.
    let log = data_dir.join("second-run.log");
    let mut dev = Dev::start(&data_dir, &addr, &log);
    wait_until_ready(&mut dev, &base).await;
    let tickets = get_json(&client, &format!("{base}/api/tickets")).await;
    assert_eq!(tickets[0]["title"], "Kept across runs");
    let me = get_json(&client, &format!("{base}/api/users/currentuser")).await;
    assert_eq!(me["currentUser"]["email"], "dev@example.com");

    // Support goes from a log line to the workflow: every line about an order names both.
    let order_id = order_and_cancel(&base, &tickets[0]["id"]).await;
    assert!(dev.terminate().success());
    let log = std::fs::read_to_string(&log).unwrap();
    let about_the_order: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .filter(|line: &serde_json::Value| {
            let path = line["span"]["path"].as_str().unwrap_or("");
            path == "/api/orders" || path.ends_with(&order_id)
        })
        .collect();
    assert!(about_the_order.len() >= 2, "{log}");
    for line in &about_the_order {
        assert_eq!(line["span"]["order_id"], order_id.as_str(), "{line}");
        assert_eq!(
            line["span"]["workflow_id"],
            format!("order-{order_id}"),
            "{line}"
        );
    }
    std::fs::remove_dir_all(&data_dir).ok();
}

/// A second user orders the ticket and cancels; returns the order's id.
async fn order_and_cancel(base: &str, ticket_id: &serde_json::Value) -> String {
    let buyer = signed_up(&format!("{base}/api"), "buyer@example.com").await;
    let order: serde_json::Value = buyer
        .post(format!("{base}/api/orders"))
        .json(&serde_json::json!({"ticketId": ticket_id}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let order_id = order["id"].as_str().expect("an order id").to_owned();
    let cancelled = buyer
        .delete(format!("{base}/api/orders/{order_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 204);
    order_id
}

/// Two gateways on one SQLite file, as the bench runs them beside `dev`: while both place and
/// cancel orders at once, neither answers a 500. SQLite has one writer; the other process waits
/// for the write lock (or, past the wait, sheds the request with a 503), never fails it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_on_one_sqlite_file_answer_no_500_while_ordering_at_once() {
    let data_dir = std::env::temp_dir().join(format!("boxoffice-two-{}", std::process::id()));
    let temporal_port = free_port();
    let (first, second) = (free_addr(), free_addr());
    let mut dev = Dev::start_with(
        &data_dir,
        &first,
        &data_dir.join("dev.log"),
        &[
            ("BOXOFFICE_TEMPORAL_PORT", temporal_port.to_string()),
            ("BOXOFFICE_TEMPORAL_UI_PORT", free_port().to_string()),
            ("BOXOFFICE_STRIPE_EMULATOR_ADDR", free_addr()),
            // Every account signs up from this one address.
            ("BOXOFFICE_RATE_LIMITS", "off".to_owned()),
        ],
    );
    wait_until_ready(&mut dev, &format!("http://{first}")).await;
    let secret = std::fs::read_to_string(data_dir.join("jwt-secret")).unwrap();
    let sqlite = data_dir.join("boxoffice.sqlite");
    let mut serve = boxoffice("serve", &data_dir.join("serve.log"));
    serve
        .env("BOXOFFICE_ADDR", &second)
        .env("TEMPORAL_ADDRESS", format!("127.0.0.1:{temporal_port}"))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", sqlite.display()),
        )
        .env("JWT_SECRET", secret.trim())
        // Dev's session cookies, on plain HTTP.
        .env("BOXOFFICE_SECURE_COOKIES", "false")
        // Dev's worker mails; this gateway sends nothing.
        .env("BOXOFFICE_MAIL", "off");
    let mut gateway = Dev {
        child: serve.spawn().expect("start boxoffice serve"),
        log: data_dir.join("serve.log"),
    };
    wait_until_ready(&mut gateway, &format!("http://{second}")).await;
    let gateways = [
        format!("http://{first}/api"),
        format!("http://{second}/api"),
    ];

    let seller = signed_up(&gateways[0], "seller@example.com").await;
    let mut tickets = Vec::new();
    for i in 0..40 {
        let listed = seller
            .post(format!("{}/tickets", gateways[i % 2]))
            .json(&serde_json::json!({"title": format!("Ticket {i}"), "price": 10}))
            .send()
            .await
            .unwrap();
        assert_eq!(listed.status(), 201);
        let ticket: serde_json::Value = listed.json().await.unwrap();
        tickets.push(ticket["id"].as_str().unwrap().to_owned());
    }
    let mut buyers = Vec::new();
    for i in 0..20 {
        buyers.push(signed_up(&gateways[0], &format!("buyer-{i}@example.com")).await);
    }

    // Each buyer orders and cancels four times, switching gateways, all buyers at once.
    let rounds = buyers.iter().enumerate().map(|(i, buyer)| {
        let (gateways, tickets) = (&gateways, &tickets);
        async move {
            let mut statuses = Vec::new();
            for round in 0..4 {
                let (place, cancel) = (&gateways[(i + round) % 2], &gateways[(i + round + 1) % 2]);
                let ticket = &tickets[(2 * i + round) % tickets.len()];
                let order = buyer
                    .post(format!("{place}/orders"))
                    .json(&serde_json::json!({"ticketId": ticket}))
                    .send()
                    .await
                    .unwrap();
                statuses.push(order.status().as_u16());
                if order.status() != 201 {
                    continue;
                }
                let order: serde_json::Value = order.json().await.unwrap();
                let cancelled = buyer
                    .delete(format!("{cancel}/orders/{}", order["id"].as_str().unwrap()))
                    .send()
                    .await
                    .unwrap();
                statuses.push(cancelled.status().as_u16());
            }
            statuses
        }
    });
    let statuses: Vec<u16> = futures::future::join_all(rounds)
        .await
        .into_iter()
        .flatten()
        .collect();

    let failed: Vec<u16> = statuses
        .iter()
        .copied()
        .filter(|status| *status >= 500 && *status != 503)
        .collect();
    assert_eq!(failed, Vec::<u16>::new(), "answers: {statuses:?}");
    let placed = statuses.iter().filter(|status| **status == 201).count();
    assert!(placed >= 40, "orders were placed on both: {statuses:?}");
    assert!(dev.terminate().success());
    std::fs::remove_dir_all(&data_dir).ok();
}

/// A client signed up (and so signed in) through `api` as `email`.
async fn signed_up(api: &str, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let signup = client
        .post(format!("{api}/users/signup"))
        .json(&serde_json::json!({"email": email, "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 201);
    client
}

/// Dev on free ports of its own, with `env` on top; its data dir and log.
fn dev_on_free_ports(name: &str, env: &[(&str, String)]) -> (Dev, std::path::PathBuf, String) {
    let data_dir = std::env::temp_dir().join(format!("boxoffice-{name}-{}", std::process::id()));
    let addr = free_addr();
    let log = data_dir.join("dev.log");
    let mut all = vec![
        ("BOXOFFICE_TEMPORAL_PORT", free_port().to_string()),
        ("BOXOFFICE_TEMPORAL_UI_PORT", free_port().to_string()),
        ("BOXOFFICE_STRIPE_EMULATOR_ADDR", free_addr()),
    ];
    all.extend(env.iter().cloned());
    let dev = Dev::start_with(&data_dir, &addr, &log, &all);
    (dev, log, format!("http://{addr}"))
}

/// The URL after `label` in dev's banner.
fn banner_url(log: &std::path::Path, label: &str) -> Option<String> {
    let log = std::fs::read_to_string(log).ok()?;
    let line = log
        .lines()
        .find(|line| line.trim_start().starts_with(label))?;
    line.split_whitespace()
        .find(|word| word.starts_with("http://"))
        .map(str::to_owned)
}

#[tokio::test]
async fn dev_runs_a_mail_catcher_shows_its_inbox_in_the_banner_and_stops_it() {
    let (mut dev, log, base) = dev_on_free_ports("mail", &[]);
    wait_until_ready(&mut dev, &base).await;

    let inbox = banner_url(&log, "mail inbox:").expect("the inbox in dev's banner");
    let answer = reqwest::get(format!("{inbox}/email")).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert!(dev.terminate().success());
    assert!(
        reqwest::get(format!("{inbox}/email")).await.is_err(),
        "the mail catcher outlived dev"
    );
}

#[tokio::test]
async fn dev_with_smtp_url_sends_there_and_starts_no_mail_catcher() {
    let smtp = format!("smtp://127.0.0.1:{}", free_port());
    let (mut dev, log, base) = dev_on_free_ports("smtp", &[("SMTP_URL", smtp)]);
    wait_until_ready(&mut dev, &base).await;

    assert_eq!(banner_url(&log, "mail inbox:"), None);
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(said.contains("mail:         SMTP to 127.0.0.1:"), "{said}");
    assert!(dev.terminate().success());
}
