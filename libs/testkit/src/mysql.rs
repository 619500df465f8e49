//! A fresh MySQL database per test, created on the shared server and migrated like
//! production (through [`settings::connect_mysql`]).

use sqlx::MySqlPool;

use settings::MysqlSettings;

/// The MySQL server tests create their databases on: `GOPHERTOK_TEST_MYSQL_URL`.
pub fn server_url() -> String {
    std::env::var("GOPHERTOK_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

pub struct TestDb {
    pub name: String,
    pub url: String,
    pub pool: MySqlPool,
}

impl TestDb {
    /// Creates `gt_test_<unique>` on the server at `GOPHERTOK_TEST_MYSQL_URL`
    /// (default `mysql://root@127.0.0.1:3306`) and applies the migrations.
    pub async fn create() -> anyhow::Result<Self> {
        let server = server_url();
        let name = crate::unique_name("gt_test_");
        let url = format!("{}/{name}", server.trim_end_matches('/'));
        let settings = MysqlSettings {
            url: url.clone(),
            // The test's own checks run one query at a time.
            max_connections: 2,
            ..Default::default()
        };
        let pool = settings::connect_mysql(&settings).await?;
        Ok(Self { name, url, pool })
    }
}
