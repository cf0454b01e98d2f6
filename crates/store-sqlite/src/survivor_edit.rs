//! SQLite: edits of a survivor's record, and the minor flag that follows it. The SQL is shared with PostgreSQL
//! (`crates/store/backend/survivor_edit.rs`); this module names the types it runs over.

use crate::SqliteStore as DbStore;
#[allow(dead_code)]
type Db = sqlx::Sqlite;
type DbRow = sqlx::sqlite::SqliteRow;
#[allow(dead_code)]
type DbConn = sqlx::SqliteConnection;

fn reader(store: &DbStore) -> &sqlx::SqlitePool {
    &store.reader
}

include!("../../store/backend/survivor_edit.rs");
