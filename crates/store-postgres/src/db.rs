//! The names the SQL shared with SQLite (`crates/store/backend/`) runs over, as this
//! backend fills them: its store, database, row and connection types, and the pool that
//! writes and reads go through (one pool: the server orders concurrent writes).

pub(crate) use crate::PgStore as DbStore;
pub(crate) type DbRow = sqlx::postgres::PgRow;
pub(crate) type DbConn = sqlx::PgConnection;
/// A write transaction, as `crate::begin_write` begins it.
pub(crate) type DbTx = sqlx::Transaction<'static, sqlx::Postgres>;
pub(crate) type DbPool = sqlx::PgPool;

/// Where writes go. Writes in a transaction begin with `crate::begin_write`.
pub(crate) fn writer(store: &DbStore) -> &DbPool {
    &store.pool
}

/// Where reads go.
pub(crate) fn reader(store: &DbStore) -> &DbPool {
    &store.pool
}
