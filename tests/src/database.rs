//! A database of its own for each test: Postgres (created and dropped) or a SQLite file.

use sea_orm::DatabaseConnection;

/// A Postgres database of its own for one test: created, migrated, and dropped when the value is.
/// The admin URL comes from `TEST_DATABASE_ADMIN_URL`.
pub struct TestDatabase {
    pub db: DatabaseConnection,
    pub url: String,
    name: String,
    admin_url: String,
}

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

impl TestDatabase {
    pub async fn create() -> Self {
        let admin_url = std::env::var("TEST_DATABASE_ADMIN_URL")
            .unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
        let name = format!("boxoffice_test_{}", uuid::Uuid::new_v4().simple());
        let url = boxoffice_activities::db::create_database(&admin_url, &name)
            .await
            .unwrap_or_else(|err| panic!("cannot create a database on {admin_url}: {err}"));
        let db = boxoffice_activities::db::connect(&url)
            .await
            .expect("connect to test database");
        boxoffice_activities::db::migrate(&db)
            .await
            .expect("migrate test database");
        Self {
            db,
            url,
            name,
            admin_url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs outside any async context we can rely on, so use a runtime of its own.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let _ = boxoffice_activities::db::drop_database(&admin_url, &name).await;
            });
        });
        let _ = dropped.join();
    }
}

/// A SQLite database file of its own for one test (the zero-setup default of `dev`), migrated;
/// the file is removed when the value is dropped.
pub struct TestSqlite {
    pub db: DatabaseConnection,
    file: std::path::PathBuf,
}

impl TestSqlite {
    pub async fn create() -> Self {
        let file = std::env::temp_dir().join(format!("boxoffice-{}.sqlite", uuid::Uuid::new_v4()));
        let db = boxoffice_activities::db::connect(&sqlite_url(&file))
            .await
            .expect("open a SQLite file");
        boxoffice_activities::db::migrate(&db)
            .await
            .expect("migrate SQLite");
        Self { db, file }
    }
}

impl TestSqlite {
    /// The file's URL, for more connections to it.
    pub fn url(&self) -> String {
        sqlite_url(&self.file)
    }
}

fn sqlite_url(file: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}

impl Drop for TestSqlite {
    fn drop(&mut self) {
        std::fs::remove_file(&self.file).ok();
    }
}
