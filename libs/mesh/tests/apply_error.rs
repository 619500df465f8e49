//! `ApplyError` from real MariaDB errors: bad data and violated constraints (SQLSTATE
//! classes 22 and 23) and statements that can never fit are permanent, everything else (a
//! broken query, a lost server) may pass.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use mesh::batch::ApplyError;
use testkit::TestDb;

async fn error_of(db: &TestDb, sql: &str) -> ApplyError {
    let err = sqlx::query(sql).execute(&db.pool).await.unwrap_err();
    ApplyError::from(err)
}

async fn table(db: &TestDb) {
    sqlx::query("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(3) NOT NULL, n TINYINT)")
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO t (id, name) VALUES (1, 'a')")
        .execute(&db.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn violated_constraints_and_bad_data_are_permanent() {
    let db = TestDb::create().await.unwrap();
    table(&db).await;
    // A strict session, so bad data is an error and not a warning, whatever the server default.
    let strict = "SET SESSION sql_mode = 'STRICT_ALL_TABLES'";
    for sql in [
        "INSERT INTO t (id, name) VALUES (1, 'b')", // 23000 duplicate key
        "INSERT INTO t (id, name) VALUES (2, NULL)", // 23000 not null
        "INSERT INTO t (id, name) VALUES (3, 'toolong')", // 22001 data too long
        "INSERT INTO t (id, name, n) VALUES (4, 'c', 1000)", // 22003 out of range
    ] {
        let mut conn = db.pool.acquire().await.unwrap();
        sqlx::query(strict).execute(&mut *conn).await.unwrap();
        let err = sqlx::query(sql).execute(&mut *conn).await.unwrap_err();
        let err = ApplyError::from(err);
        assert!(matches!(err, ApplyError::Permanent(_)), "{sql}: {err}");
    }
}

#[tokio::test]
async fn a_statement_over_the_placeholder_limit_is_permanent() {
    let db = TestDb::create().await.unwrap();
    // 65,536 placeholders: MySQL refuses to prepare it (error 1390), on every retry.
    let marks = vec!["?"; 65_536].join(", ");
    let sql = format!("SELECT 1 FROM DUAL WHERE 1 IN ({marks})");
    let mut query = sqlx::query(&sql);
    for i in 0..65_536 {
        query = query.bind(i);
    }
    let err = ApplyError::from(query.execute(&db.pool).await.unwrap_err());
    assert!(matches!(err, ApplyError::Permanent(_)), "{err}");
}

#[tokio::test]
async fn other_database_errors_are_transient() {
    let db = TestDb::create().await.unwrap();
    table(&db).await;
    for sql in ["SELEC 1", "SELECT * FROM no_such_table"] {
        let err = error_of(&db, sql).await;
        assert!(matches!(err, ApplyError::Transient(_)), "{sql}: {err}");
    }
}

#[tokio::test]
async fn a_lost_server_is_transient() {
    let (proxy, url) = testkit::Proxy::for_url(&TestDb::create().await.unwrap().url)
        .await
        .unwrap();
    proxy.cut();
    let err = sqlx::MySqlPool::connect(&url).await.unwrap_err();
    let err = ApplyError::from(err);
    assert!(matches!(err, ApplyError::Transient(_)), "{err}");
}
