//! PostgreSQL: edits of a survivor's record, and the minor flag that follows it. The SQL is shared with SQLite
//! (`crates/store/backend/survivor_edit.rs`); this module names the types it runs over.

use crate::PgStore as DbStore;
#[allow(dead_code)]
type Db = sqlx::Postgres;
type DbRow = sqlx::postgres::PgRow;
#[allow(dead_code)]
type DbConn = sqlx::PgConnection;

fn reader(store: &DbStore) -> &sqlx::PgPool {
    &store.pool
}

include!("../../store/backend/survivor_edit.rs");
