//! PostgreSQL: transfers of a case's ownership. The SQL is shared with SQLite
//! (`crates/store/backend/transfers.rs`); this module names the types it runs over.

use crate::PgStore as DbStore;
type Db = sqlx::Postgres;
type DbRow = sqlx::postgres::PgRow;
#[allow(dead_code)]
type DbConn = sqlx::PgConnection;

#[allow(dead_code)]
fn writer(store: &DbStore) -> &sqlx::PgPool {
    &store.pool
}

#[allow(dead_code)]
fn reader(store: &DbStore) -> &sqlx::PgPool {
    &store.pool
}

include!("../../store/backend/transfers.rs");
