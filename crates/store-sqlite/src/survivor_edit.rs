//! SQLite: edits of a survivor's record. The SQL is shared with PostgreSQL
//! (`crates/store/backend/survivor_edit.rs`); this module names the types it runs over.

use crate::SqliteStore as DbStore;
#[allow(dead_code)]
type Db = sqlx::Sqlite;
#[allow(dead_code)]
type DbRow = sqlx::sqlite::SqliteRow;
#[allow(dead_code)]
type DbConn = sqlx::SqliteConnection;

include!("../../store/backend/survivor_edit.rs");
