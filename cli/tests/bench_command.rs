//! `boxoffice bench --smoke`, run as CI runs it: every row once at a small size, beside a small
//! catalog. Timings on a shared CI machine mean nothing, so nothing here looks at them; what is
//! checked is that each row ran and that the shop behaved — no failed purchase, no oversold
//! ticket, no 5xx, one workflow per winner of the rush.

use std::process::Command;

use serde_json::Value;

#[test]
fn a_smoke_run_of_the_bench_measures_every_row_and_the_shop_holds_up() {
    let output = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .args(["bench", "--smoke", "--json"])
        .env_remove("RUST_LOG")
        .env_remove("DATABASE_URL")
        .output()
        .expect("run boxoffice bench");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "bench failed:\n{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("not JSON ({err}):\n{stderr}"));
    assert_eq!(report["catalog"], 500, "the smoke run's catalog");
    let rows = report["rows"].as_array().expect("rows");
    let names: Vec<&str> = rows.iter().filter_map(|row| row["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "baseline",
            "storefront",
            "storefront-api",
            "search",
            "search-uncached",
            "storefront-busy",
            "purchase",
            "mail",
            "order",
            "rush",
            "signin",
            "expiry",
            "expiry-baseline",
            "actions"
        ]
    );
    let figure = |row: &str, name: &str| -> Value {
        let row = rows.iter().find(|r| r["name"] == row).expect("the row");
        row["figures"]
            .as_array()
            .and_then(|figures| figures.iter().find(|f| f[0] == name))
            .map(|f| f[1].clone())
            .unwrap_or_else(|| panic!("{row} has no figure {name}"))
    };
    // What must never happen, in any scenario.
    let never = [
        ("purchase", "failed"),
        ("mail", "not accepted"),
        ("rush", "oversold"),
        ("rush", "5xx other than 503"),
        ("rush", "tickets left unheld behind a 503"),
        ("signin", "other"),
        ("signin", "503 without Retry-After"),
        ("expiry", "never freed"),
        ("expiry-baseline", "never closed"),
        ("storefront", "non-200"),
        ("search", "non-200"),
        ("search-uncached", "non-200"),
        ("storefront-busy", "non-200"),
    ];
    for (row, name) in never {
        assert_eq!(figure(row, name), 0, "{row}: {name}");
    }
    assert_eq!(figure("rush", "holds"), 6);
    assert_eq!(figure("rush", "held by their order"), 6);
    assert_eq!(figure("rush", "workflows started"), 6);
    // Sized as for a 64-core node in a 512 MiB pod: a quarter of the pod for six buffers.
    assert_eq!(figure("signin", "hashing threads"), 6.0);
    assert_eq!(figure("signin", "hashing budget MiB"), 128.0);
    assert_eq!(figure("signin", "hashing peak within budget"), "yes");
    assert_eq!(figure("actions", "per purchase"), "7");
    assert_eq!(figure("actions", "per expired hold"), "6");
}
