//! PostgreSQL: taking members off a case team, and the case plan's goals. The SQL is shared
//! with SQLite (`crates/store/backend/plan.rs`); this module names the types it runs over.

use crate::PgStore as DbStore;
type Db = sqlx::Postgres;
type DbRow = sqlx::postgres::PgRow;

fn writer(store: &DbStore) -> &sqlx::PgPool {
    &store.pool
}

fn reader(store: &DbStore) -> &sqlx::PgPool {
    &store.pool
}

include!("../../store/backend/plan.rs");
