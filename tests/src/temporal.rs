//! One Temporal dev server per test binary, started from the `temporal` CLI on free ports.

use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use boxoffice_runtime::temporal_server::{
    DevServerOptions, TemporalDevServer, find_cli, free_port,
};

static ADDRESS: OnceLock<String> = OnceLock::new();

/// The address of this test binary's Temporal dev server, started on first use on free ports, in
/// memory and headless. It lives on a thread of its own that never ends, so it serves every test;
/// the kernel stops it when the test process exits (the server is tied to that thread).
pub fn shared_temporal() -> &'static str {
    ADDRESS.get_or_init(|| {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("temporal-dev-server".into())
            .spawn(move || {
                let cli = find_cli().expect(
                    "the `temporal` CLI is needed for tests: run deploy/dev-tools.sh or set TEMPORAL_CLI",
                );
                let log = std::env::temp_dir().join(format!("boxoffice-test-temporal-{}.log", std::process::id()));
                let options = DevServerOptions {
                    cli,
                    port: free_port().expect("free port"),
                    ui_port: None,
                    db_file: None,
                    log_file: Some(log.clone()),
                };
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                let mut server = TemporalDevServer::spawn(&options).expect("start temporal");
                runtime.block_on(async {
                    let client = server
                        .wait_ready("default", Duration::from_secs(60), &log)
                        .await
                        .expect("temporal ready");
                    boxoffice_runtime::temporal::ensure_search_attributes(&client)
                        .await
                        .expect("register search attributes");
                });
                tx.send(server.address().to_owned()).expect("send address");
                // Keep the server (and this thread, to which it is tied) alive for the whole run.
                loop {
                    std::thread::park();
                }
            })
            .expect("spawn temporal thread");
        rx.recv().expect("temporal dev server started")
    })
}
