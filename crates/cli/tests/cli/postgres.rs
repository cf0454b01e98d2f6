//! The same promises on PostgreSQL: no canary in a `pg_dump`, erasure, rotation and a
//! tamper-evident log. Runs when `HAVEN_TEST_POSTGRES_URL` is set; `HAVEN_REQUIRE_POSTGRES=1`
//! turns a missing URL into a failure.

use crate::support::*;
use haven_core::auth::{Acting, NewUser};
use haven_core::cases::NewCase;
use haven_core::{CoreError, Haven, SystemClock, system};
use haven_crypto::OsEntropy;
use haven_crypto::keyfile::KeyFile;
use haven_domain::access::Role;
use haven_store::Store;
use haven_store_postgres::PgStore;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::path::Path;
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

/// `haven init` against the database at `url`, in a new directory.
fn init(url: &str) -> Result<tempfile::TempDir, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let d = dir.path().to_str().ok_or("path")?;
    let out = run(&["init", "--data-dir", d, "--database", url]);
    assert!(out.status.success(), "{}", stderr(&out));
    Ok(dir)
}

/// The installation in `dir` on the database at `url`, opened as the server opens it.
async fn open(dir: &Path, url: &str) -> Result<Haven<PgStore>, Box<dyn std::error::Error>> {
    Ok(Haven::open(
        PgStore::connect(url).await?,
        KeyFile::load(&dir.join("keys/haven.key"))?,
        Arc::new(SystemClock),
        Arc::new(OsEntropy),
    )
    .await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_the_same_promises() -> TestResult {
    let Some(url) = fresh_database().await? else {
        return Ok(());
    };
    let dir = init(&url)?;
    let d = dir.path().to_str().ok_or("path")?;
    assert!(
        !dir.path().join("db").exists(),
        "no SQLite database on PostgreSQL"
    );

    let haven = open(dir.path(), &url).await?;
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

    let haven = open(dir.path(), &url).await?;
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

/// Survivors, cases and audit entries stored, counted from outside the server.
async fn written(conn: &mut PgConnection) -> Result<(i64, i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM survivors), (SELECT count(*) FROM cases), \
         (SELECT count(*) FROM audit_log)",
    )
    .fetch_one(conn)
    .await
}

/// The connection dies inside an intake, after the survivor's rows and before the case's
/// (a trigger on `cases` terminates its own backend): the intake fails, nothing of it is
/// stored — no survivor without a case, no audit entry for either — and the next intake
/// goes through on a fresh connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_lost_mid_intake_leaves_nothing_half_written() -> TestResult {
    let Some(url) = fresh_database().await? else {
        return Ok(());
    };
    let dir = init(&url)?;
    let d = dir.path().to_str().ok_or("path")?;
    let haven = open(dir.path(), &url).await?;
    let org = haven.create_org(system("test"), "NGO", "ngo").await?;
    let intake = |n: u32| vec![(org, canary_profile(n).0, NewCase::default(), Vec::new())];

    let mut outside = PgConnection::connect(&url).await?;
    sqlx::raw_sql(
        "CREATE FUNCTION drop_the_connection() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$; \
         CREATE TRIGGER drop_the_connection BEFORE INSERT ON cases \
         FOR EACH ROW EXECUTE FUNCTION drop_the_connection();",
    )
    .execute(&mut outside)
    .await?;
    let before = written(&mut outside).await?;
    let lost = haven.intake_batch(system("test"), &intake(1)).await;
    assert!(lost.is_err(), "the intake reported success: {lost:?}");
    assert_eq!(
        written(&mut outside).await?,
        before,
        "half an intake stored"
    );

    sqlx::query("DROP TRIGGER drop_the_connection ON cases")
        .execute(&mut outside)
        .await?;
    let ids = haven.intake_batch(system("test"), &intake(2)).await?;
    let (survivors, cases, entries) = written(&mut outside).await?;
    assert_eq!((survivors, cases), (before.0 + 1, before.1 + 1));
    assert!(entries > before.2, "the intake is audited");
    let opened = haven.read_survivor_as_operator("test", ids[0].0).await?;
    assert!(opened.profile.pseudonym.as_str().starts_with(CANARY_PREFIX));
    haven.store().close().await;
    outside.close().await?;
    let out = run(&["audit", "verify", "--data-dir", d, "--database", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    Ok(())
}

/// PostgreSQL cannot store a NUL character in a text column, where SQLite can. The only
/// free text kept unsealed is an account's display name: a control character in it is
/// refused as input with the field named, never a database error (a 500 to the admin).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_display_name_postgres_cannot_store_is_refused_as_input() -> TestResult {
    let Some(url) = fresh_database().await? else {
        return Ok(());
    };
    let dir = init(&url)?;
    let haven = open(dir.path(), &url).await?;
    let org = haven.create_org(system("test"), "NGO", "ngo").await?;
    let operator = Acting::Operator("test".into());
    let new = |name: &str| NewUser {
        org,
        email: "nul@example.org".into(),
        display_name: name.into(),
        roles: vec![Role::CaseManager],
        password: None,
    };
    for name in ["Ana\0López", "Ana\u{7}", "Ana\u{1b}[31m"] {
        match haven.add_user(&operator, new(name)).await {
            Err(CoreError::InvalidInput { field, .. }) => assert_eq!(field, "display_name"),
            other => panic!("{name:?}: {other:?}"),
        }
    }
    haven.add_user(&operator, new("Ana López")).await?;
    haven.store().close().await;
    Ok(())
}
