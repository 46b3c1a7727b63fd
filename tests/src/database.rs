//! A database of its own for each test: Postgres (created and dropped) or a SQLite file.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// A Postgres database of its own for one test: a copy of a migrated one, dropped when the value is.
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
        let template = migrated_template(&admin_url).await;
        let name = format!("boxoffice_test_{}", uuid::Uuid::new_v4().simple());
        let url = boxoffice_activities::db::copy_database(&admin_url, template, &name)
            .await
            .unwrap_or_else(|err| panic!("cannot create a database on {admin_url}: {err}"));
        let db = boxoffice_activities::db::connect(&url)
            .await
            .expect("connect to test database");
        Self {
            db,
            url,
            name,
            admin_url,
        }
    }
}

/// Names this process's templates: `boxoffice_template_<pid>_<random>`.
const TEMPLATE_PREFIX: &str = "boxoffice_template_";

/// The database every test database of this process copies: created and migrated from scratch
/// once per test process, so the migrations still run each time while each test's database costs
/// the server a copy (a quarter of the CPU of migrating it). Templates whose process has ended
/// (a test binary cannot drop its own on exit) are dropped first.
async fn migrated_template(admin_url: &str) -> &'static str {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            drop_templates_of_ended_processes(admin_url).await;
            let name = format!(
                "{TEMPLATE_PREFIX}{}_{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            );
            let url = boxoffice_activities::db::create_database(admin_url, &name)
                .await
                .unwrap_or_else(|err| panic!("cannot create a database on {admin_url}: {err}"));
            let template = boxoffice_activities::db::connect(&url)
                .await
                .expect("connect to the template database");
            boxoffice_activities::db::migrate(&template)
                .await
                .expect("migrate the template database");
            // A database is copied only while nobody is connected to it.
            template
                .close()
                .await
                .expect("disconnect from the template");
            name
        })
        .await
}

async fn drop_templates_of_ended_processes(admin_url: &str) {
    let processes = std::path::Path::new("/proc");
    if !processes.is_dir() {
        return;
    }
    let admin = boxoffice_activities::db::connect(admin_url)
        .await
        .expect("connect to the database server");
    let templates = admin
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{TEMPLATE_PREFIX}%'"),
        ))
        .await
        .expect("list the template databases");
    admin.close().await.ok();
    for row in templates {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let pid = name[TEMPLATE_PREFIX.len()..]
            .split('_')
            .next()
            .unwrap_or("");
        if !processes.join(pid).exists() {
            let _ = boxoffice_activities::db::drop_database(admin_url, &name).await;
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
