//! SQLite: taking members off a case team, and the case plan's goals. The SQL is shared
//! with PostgreSQL (`crates/store/backend/plan.rs`); this module names the types it runs over.

use crate::SqliteStore as DbStore;
type Db = sqlx::Sqlite;
type DbRow = sqlx::sqlite::SqliteRow;

fn writer(store: &DbStore) -> &sqlx::SqlitePool {
    &store.writer
}

fn reader(store: &DbStore) -> &sqlx::SqlitePool {
    &store.reader
}

include!("../../store/backend/plan.rs");
