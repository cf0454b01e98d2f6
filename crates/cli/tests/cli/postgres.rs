//! The same promises on PostgreSQL: no canary in a `pg_dump`, erasure, rotation and a
//! tamper-evident log. Runs when `HAVEN_TEST_POSTGRES_URL` is set; `HAVEN_REQUIRE_POSTGRES=1`
//! turns a missing URL into a failure.

use crate::support::*;
use haven_core::{Haven, SystemClock, system};
use haven_crypto::OsEntropy;
use haven_crypto::keyfile::KeyFile;
use haven_store::Store;
use haven_store_postgres::PgStore;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::str::FromStr;
use std::sync::Arc;

/// A URL to a new, empty database, or `None` when PostgreSQL is not configured.
async fn fresh_database() -> Result<Option<String>, Box<dyn std::error::Error>> {
    let Ok(url) = std::env::var("HAVEN_TEST_POSTGRES_URL") else {
        if std::env::var("HAVEN_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            return Err("HAVEN_REQUIRE_POSTGRES=1 but HAVEN_TEST_POSTGRES_URL is not set".into());
        }
        return Ok(None);
    };
    let name = format!("haven_t_{:016x}", rand::random::<u64>());
    let mut conn = PgConnection::connect_with(&PgConnectOptions::from_str(&url)?).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let (base, _) = url.rsplit_once('/').ok_or("database URL without a path")?;
    Ok(Some(format!("{base}/{name}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_the_same_promises() -> TestResult {
    let Some(url) = fresh_database().await? else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let d = dir.path().to_str().ok_or("path")?;
    let out = run(&["init", "--data-dir", d, "--database", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !dir.path().join("db").exists(),
        "no SQLite database on PostgreSQL"
    );

    let keys = KeyFile::load(&dir.path().join("keys/haven.key"))?;
    let haven = Haven::open(
        PgStore::connect(&url).await?,
        keys,
        Arc::new(SystemClock),
        Arc::new(OsEntropy),
    )
    .await?;
    let org = haven.create_org(system("test"), "NGO", "ngo").await?;
    let mut ids = Vec::new();
    for n in 0..crate::at_rest::SURVIVORS {
        ids.push(
            haven
                .create_survivor(system("test"), org, &canary_profile(n).0)
                .await?,
        );
    }
    let first = haven.read_survivor_as_operator("test", ids[0]).await?;
    assert!(first.profile.pseudonym.as_str().starts_with(CANARY_PREFIX));

    let dump = std::process::Command::new("pg_dump").arg(&url).output()?;
    assert!(
        dump.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    assert!(dump.stdout.len() > 1_000_000, "the dump holds the data");
    assert!(
        !dump
            .stdout
            .windows(CANARY_PREFIX.len())
            .any(|w| w == CANARY_PREFIX.as_bytes()),
        "canary in pg_dump"
    );
    haven.store().close().await;

    let out = run(&[
        "erase",
        "--data-dir",
        d,
        "--database",
        &url,
        "--survivor",
        &ids[0].to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["keys", "rotate", "--data-dir", d, "--database", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["audit", "verify", "--data-dir", d, "--database", &url]);
    assert!(out.status.success(), "{}", stderr(&out));

    let keys = KeyFile::load(&dir.path().join("keys/haven.key"))?;
    let haven = Haven::open(
        PgStore::connect(&url).await?,
        keys,
        Arc::new(SystemClock),
        Arc::new(OsEntropy),
    )
    .await?;
    assert!(
        haven
            .read_survivor_as_operator("test", ids[0])
            .await
            .is_err(),
        "erased"
    );
    assert!(
        haven
            .read_survivor_as_operator("test", ids[1])
            .await
            .is_ok(),
        "rotated keys still open"
    );
    assert_eq!(haven.store().data_keys_by_kek().await?.len(), 1);
    haven.store().close().await;

    // An insider edits one row: verify names it.
    let mut conn = PgConnection::connect(&url).await?;
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        .execute(&mut conn)
        .await?;
    sqlx::query("UPDATE audit_log SET body = body || '\\x20'::bytea WHERE seq = 7")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let out = run(&["audit", "verify", "--data-dir", d, "--database", &url]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("audit entry 7 "));
    Ok(())
}
