//! `boxoffice dev`, run as a user runs it: one command, no set-up; everything it starts, it stops;
//! a second run reuses the data.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Dev {
    child: Child,
}

impl Dev {
    /// Starts dev logging JSON lines to `log`.
    fn start(data_dir: &std::path::Path, addr: &str, log: &std::path::Path) -> Self {
        std::fs::create_dir_all(data_dir).unwrap();
        let log = std::fs::File::create(log).expect("create the log file");
        let child = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
            .arg("dev")
            .env("BOXOFFICE_DATA_DIR", data_dir)
            .env("BOXOFFICE_ADDR", addr)
            .env("BOXOFFICE_LOG_FORMAT", "json")
            .env_remove("RUST_LOG")
            .env_remove("TEMPORAL_ADDRESS")
            .env_remove("DATABASE_URL")
            .env_remove("STRIPE_SECRET_KEY")
            .env_remove("JWT_SECRET")
            .stdout(log)
            .stderr(Stdio::null())
            .spawn()
            .expect("start boxoffice dev");
        Self { child }
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
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

async fn wait_until_ready(base: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status() == 200
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "boxoffice dev was not ready within 90s"
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

    let dev = Dev::start(&data_dir, &addr, &data_dir.join("first-run.log"));
    wait_until_ready(&base).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let signup = client
        .post(format!("{base}/api/users/signup"))
        .json(&serde_json::json!({"email": "dev@example.com", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 201);
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
    let dev = Dev::start(&data_dir, &addr, &log);
    wait_until_ready(&base).await;
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
    let buyer = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let signup = buyer
        .post(format!("{base}/api/users/signup"))
        .json(&serde_json::json!({"email": "buyer@example.com", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 201);
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

#[test]
fn serve_refuses_a_session_secret_shorter_than_32_bytes() {
    let output = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .arg("serve")
        .env("JWT_SECRET", "too-short-to-be-safe")
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env_remove("RUST_LOG")
        .output()
        .expect("run boxoffice serve");

    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("JWT_SECRET must be at least 32 bytes"),
        "{said}"
    );
}
