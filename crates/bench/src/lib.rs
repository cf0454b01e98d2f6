//! Helpers shared by Haven's benchmarks: rates, ratios and a plain-text report, and the
//! set-up several of them share. A benchmark's set-up that fails has nothing to measure, so
//! it stops the benchmark with the reason.

#![allow(clippy::expect_used)]

use std::time::{Duration, Instant};

/// The allocator the `haven` binary ships with (`crates/cli/src/main.rs`), so that what runs
/// in process here allocates as the server and the `haven` commands do. `audit verify`'s
/// pages are allocated by the reading thread and freed by the hashing one. Under the system
/// allocator its rounds took 117–217 ms, where reading and then hashing take about 150 ms,
/// and `foundation`'s verify line read 0.37–0.72 on one machine; under mimalloc, 0.70–0.73.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Operations per second of `count` operations that took `elapsed`.
/// How many times its default sizes a bench runs at: `HAVEN_BENCH_SCALE`, 1 unless set.
pub fn scale() -> u64 {
    std::env::var("HAVEN_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

/// The runtime a bench drives its installation on, as a server would.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

pub fn rate(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// Runs `f` and returns its result with the time it took.
pub async fn timed<T, F: std::future::Future<Output = T>>(f: F) -> (T, Duration) {
    let start = Instant::now();
    let out = f.await;
    (out, start.elapsed())
}

/// Prints one benchmark line: two rates and their ratio against a stated bound.
pub fn report(name: &str, ours: (&str, f64), baseline: (&str, f64), bound: &str, ok: bool) {
    println!(
        "{name}: {} {:.0}/s, {} {:.0}/s, ratio {:.2} ({bound}: {})",
        ours.0,
        ours.1,
        baseline.0,
        baseline.1,
        ours.1 / baseline.1.max(1e-9),
        if ok { "met" } else { "NOT met" }
    );
}

/// A member of staff of `org` with `role`, added by an operator, as a request signed in with
/// an API token would present them.
pub async fn staff_member<S: haven_store::Store>(
    haven: &haven_core::Haven<S>,
    org: haven_domain::OrgId,
    email: &str,
    role: haven_domain::access::Role,
) -> haven_core::auth::Authenticated {
    use haven_core::auth::{Acting, Authenticated, NewUser, Via};
    let op = Acting::Operator("bench".into());
    haven
        .add_user(
            &op,
            NewUser {
                org,
                email: email.into(),
                display_name: email.into(),
                roles: vec![role],
                password: Some("a long bench passphrase".into()),
            },
        )
        .await
        .expect("the bench adds its staff");
    let staff = haven
        .users_of(&op, org)
        .await
        .expect("the bench lists its staff")
        .into_iter()
        .map(|(s, _)| s)
        .find(|s| s.email == email)
        .expect("the member just added");
    Authenticated {
        staff,
        via: Via::ApiToken(haven_domain::TokenId::from_random_bytes([7; 16])),
    }
}

/// The canonical bytes of a realistic view entry: member of staff `i` opening survivor `i`'s
/// record (ids made from `i`, so every entry names a different record).
pub fn view_entry(i: u64) -> Vec<u8> {
    format!(
        "{{\"at\":\"2026-11-28T10:00:00Z\",\"actor\":{{\"kind\":\"staff\",\"user\":\"6f1c2f4e-0b7a-4c55-9d7e-{i:012}\",\"role\":\"case_manager\"}},\"org\":\"1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed\",\"action\":\"survivor_view\",\"target\":{{\"kind\":\"survivor\",\"id\":\"a4c1e2f0-6d3b-4a8e-9f1d-{i:012}\"}},\"categories\":[\"case\",\"identity\",\"contact\"],\"consent\":null,\"decision\":\"allow\",\"reason\":\"view\"}}"
    )
    .into_bytes()
}

/// Chains `bodies` onto the audit log of the SQLite database `db` in one transaction,
/// straight through SQL: filling a log for a benchmark quickly (set-up only).
pub async fn append_raw(db: &std::path::Path, bodies: &[Vec<u8>]) {
    use sqlx::{Connection, Row};
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("the bench's database opens");
    let mut tx = conn.begin().await.expect("a transaction");
    let row = sqlx::query("SELECT size, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *tx)
        .await
        .expect("the head");
    let hash: Vec<u8> = row.get("hash");
    let mut head = haven_domain::audit::ChainHead {
        size: row.get::<i64, _>("size").unsigned_abs(),
        hash: haven_domain::audit::ChainHash::from_slice(&hash).expect("a 32-byte head"),
    };
    for b in bodies {
        head = head.append(b);
        sqlx::query("INSERT INTO audit_log (seq, body, hash) VALUES (?, ?, ?)")
            .bind(head.size as i64)
            .bind(&b[..])
            .bind(&head.hash.0[..])
            .execute(&mut *tx)
            .await
            .expect("an entry");
    }
    sqlx::query("UPDATE audit_head SET size = ?, hash = ?")
        .bind(head.size as i64)
        .bind(&head.hash.0[..])
        .execute(&mut *tx)
        .await
        .expect("the new head");
    tx.commit().await.expect("the entries commit");
}

/// A new installation on SQLite in `dir`, with the system clock and entropy, and password
/// hashing at its testing cost so that adding staff is quick.
pub async fn installation(
    dir: &std::path::Path,
) -> haven_core::Haven<haven_store_sqlite::SqliteStore> {
    use haven_store_sqlite::{OpenMode, SqlitePaths, SqliteStore};
    let store = SqliteStore::open(&SqlitePaths::in_data_dir(dir), OpenMode::Create)
        .await
        .expect("the bench's store opens");
    haven_core::Haven::init(
        store,
        haven_crypto::keyfile::KeyFile::generate(&haven_crypto::OsEntropy),
        std::sync::Arc::new(haven_core::SystemClock),
        std::sync::Arc::new(haven_crypto::OsEntropy),
    )
    .await
    .expect("the bench's installation starts")
    .with_auth(haven_core::auth::AuthSettings {
        password: haven_crypto::password::PasswordParams::TESTING,
        ..haven_core::auth::AuthSettings::default()
    })
}
