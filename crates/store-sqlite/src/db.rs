//! The names the SQL shared with PostgreSQL (`crates/store/backend/`) runs over, as this
//! backend fills them: its store, database, row and connection types, and the pools that
//! writes and reads go through.

pub(crate) use crate::SqliteStore as DbStore;
pub(crate) type DbRow = sqlx::sqlite::SqliteRow;
pub(crate) type DbConn = sqlx::SqliteConnection;
/// A write transaction, as `crate::begin_write` begins it.
pub(crate) type DbTx = crate::write_tx::WriteTx;
pub(crate) type DbPool = sqlx::SqlitePool;

/// The single writer connection. Writes in a transaction begin with `crate::begin_write`.
pub(crate) fn writer(store: &DbStore) -> &DbPool {
    &store.writer
}

/// The pool of reader connections.
pub(crate) fn reader(store: &DbStore) -> &DbPool {
    &store.reader
}
