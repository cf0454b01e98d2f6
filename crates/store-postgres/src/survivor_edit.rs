//! PostgreSQL: edits of a survivor's record. The SQL is shared with SQLite
//! (`crates/store/backend/survivor_edit.rs`); this module names the types it runs over.

use crate::PgStore as DbStore;
#[allow(dead_code)]
type Db = sqlx::Postgres;
#[allow(dead_code)]
type DbRow = sqlx::postgres::PgRow;
#[allow(dead_code)]
type DbConn = sqlx::PgConnection;

include!("../../store/backend/survivor_edit.rs");
