//! `boxoffice staff`: staff rights are granted, listed and revoked by the operator against the
//! configured database — the only way to get them.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A fresh SQLite database, migrated, with one account (`email`).
struct Shop {
    dir: PathBuf,
    url: String,
}

impl Shop {
    async fn with_account(email: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("boxoffice-staff-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("shop.sqlite").display());
        let shop = Self { dir, url };
        assert!(shop.run(&["migrate"]).status.success());
        let db = boxoffice_activities::db::connect(&shop.url).await.unwrap();
        boxoffice_activities::store::users::create_user(&db, email, "not-a-real-hash")
            .await
            .unwrap();
        db.close().await.unwrap();
        shop
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_boxoffice"))
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env_remove("RUST_LOG")
            .output()
            .expect("run boxoffice")
    }

    fn staff(&self) -> String {
        let listed = self.run(&["staff", "list"]);
        assert!(listed.status.success(), "{}", stderr(&listed));
        String::from_utf8_lossy(&listed.stdout).into_owned()
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn an_operator_grants_staff_rights_by_email() {
    let shop = Shop::with_account("ann@example.com").await;

    let granted = shop.run(&["staff", "grant", "Ann@Example.com"]);

    assert!(granted.status.success(), "{}", stderr(&granted));
    assert!(String::from_utf8_lossy(&granted.stdout).contains("ann@example.com is support staff"));
    assert!(shop.staff().starts_with("ann@example.com\t"));
}

#[tokio::test]
async fn an_operator_revokes_staff_rights() {
    let shop = Shop::with_account("ann@example.com").await;
    assert!(
        shop.run(&["staff", "grant", "ann@example.com"])
            .status
            .success()
    );

    let revoked = shop.run(&["staff", "revoke", "ann@example.com"]);

    assert!(revoked.status.success(), "{}", stderr(&revoked));
    assert_eq!(shop.staff(), "");
}

#[tokio::test]
async fn granting_an_email_nobody_has_fails_naming_it() {
    let shop = Shop::with_account("ann@example.com").await;

    let granted = shop.run(&["staff", "grant", "bob@example.com"]);

    assert!(!granted.status.success());
    assert!(
        stderr(&granted).contains("no account has the e-mail bob@example.com"),
        "{}",
        stderr(&granted)
    );
    assert_eq!(shop.staff(), "");
}

#[tokio::test]
async fn a_refund_from_the_command_line_is_made_as_a_staff_member() {
    let shop = Shop::with_account("ann@example.com").await;

    let refused = shop.run(&[
        "staff",
        "refund",
        "0195f4c2-8d44-7b1a-9c37-1234567890ab",
        "--reason",
        "asked",
        "--as",
        "ann@example.com",
    ]);

    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("ann@example.com is not a support staff account"),
        "{}",
        stderr(&refused)
    );
}
