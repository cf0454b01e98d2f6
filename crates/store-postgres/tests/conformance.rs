//! The store conformance suite on PostgreSQL. Runs when `HAVEN_TEST_POSTGRES_URL` is set
//! (each story in a database of its own); with `HAVEN_REQUIRE_POSTGRES=1` a missing URL
//! fails instead of skipping, so CI cannot pass by silently not testing PostgreSQL.

use haven_store_postgres::PgStore;
use rand::Rng;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::str::FromStr;

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn fresh() -> Result<Option<PgStore>, Error> {
    let Ok(url) = std::env::var("HAVEN_TEST_POSTGRES_URL") else {
        if std::env::var("HAVEN_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            return Err("HAVEN_REQUIRE_POSTGRES=1 but HAVEN_TEST_POSTGRES_URL is not set".into());
        }
        eprintln!("skipping: HAVEN_TEST_POSTGRES_URL is not set");
        return Ok(None);
    };
    let admin = PgConnectOptions::from_str(&url)?;
    let name = format!("haven_t_{:016x}", rand::rng().random::<u64>());
    let mut conn = PgConnection::connect_with(&admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    Ok(Some(PgStore::connect_with(admin.database(&name)).await?))
}

haven_store::conformance_tests!(fresh);
