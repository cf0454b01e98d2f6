//! The store conformance suite on PostgreSQL. Runs when `HAVEN_TEST_POSTGRES_URL` is set
//! (each story in a database of its own); with `HAVEN_REQUIRE_POSTGRES=1` a missing URL
//! fails instead of skipping, so CI cannot pass by silently not testing PostgreSQL.
//! After the shared stories, the ones about how PostgreSQL itself keeps rows.

use haven_store_postgres::PgStore;
use rand::Rng;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::str::FromStr;

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn fresh() -> Result<Option<PgStore>, Error> {
    Ok(fresh_database().await?.map(|(store, _)| store))
}

/// A store in a new database, and a connection of its own to that database.
async fn fresh_database() -> Result<Option<(PgStore, PgConnection)>, Error> {
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
    let own = PgConnection::connect_with(&admin.clone().database(&name)).await?;
    Ok(Some((
        PgStore::connect_with(admin.database(&name)).await?,
        own,
    )))
}

haven_store::conformance_tests!(fresh);

/// A case's timeline reads in the order it was written even where events share an instant
/// (intake writes several in one transaction) and the rows no longer lie in that order:
/// PostgreSQL returns ties in whatever order it finds them, and rewriting a row (as vacuum
/// and updates do) moves it.
#[tokio::test]
async fn a_timeline_keeps_its_order_wherever_postgres_keeps_the_rows() -> Result<(), Error> {
    use haven_domain::{CaseId, NoteId};
    use haven_store::conformance::{key, org, survivor, user};
    use haven_store::{CaseEvent, CaseRow, NoteRow, Store};
    let Some((store, mut own)) = fresh_database().await? else {
        return Ok(());
    };
    store.migrate().await?;
    let o = org(1);
    store.insert_org(&o, b"org").await?;
    let u = user(1, &o);
    store.insert_user(&u, b"user").await?;
    let k = key(1, 1);
    store.insert_data_keys(std::slice::from_ref(&k)).await?;
    let s = survivor(1, &o, &k);
    store.insert_survivor(&s, b"survivor").await?;
    let at = s.created_at;
    let case = CaseRow::opened(CaseId::from_random_bytes([0xf1; 16]), s.id, o.id, at);
    let event = |kind: &str| CaseEvent {
        case: case.id,
        at,
        kind: kind.into(),
        actor: Some(u.id),
        detail: kind.into(),
    };
    store
        .insert_case(&case, &[u.id], &event("opened"), b"case")
        .await?;
    for (n, kind) in [(1u8, "first"), (2, "second")] {
        let note = NoteRow {
            id: NoteId::from_random_bytes([n; 16]),
            case: case.id,
            category: "general".into(),
            author: u.id,
            created_at: at,
            body: vec![n; 40],
        };
        store.insert_note(&note, &event(kind), b"note").await?;
    }
    // Moved away and back: the row, and its index entry, now come after the others'.
    for step in ["+", "-"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE case_events SET at = at {step} interval '1 second' WHERE kind = 'opened'"
        )))
        .execute(&mut own)
        .await?;
    }
    let kinds: Vec<String> = store
        .case_events(case.id)
        .await?
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["opened", "first", "second"]);
    Ok(())
}
