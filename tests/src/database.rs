use sea_orm::{ConnectionTrait, DatabaseConnection};

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
        let admin = boxoffice_activities::db::connect(&admin_url)
            .await
            .unwrap_or_else(|err| panic!("cannot reach Postgres at {admin_url}: {err}"));
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create test database");
        admin.close().await.ok();

        let url = database_url(&admin_url, &name);
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

/// The admin URL with its database name replaced.
fn database_url(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_ADMIN_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
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
                if let Ok(admin) = boxoffice_activities::db::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    admin.close().await.ok();
                }
            });
        });
        let _ = dropped.join();
    }
}
