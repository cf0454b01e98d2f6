//! Write transactions: data writes take turns before they queue for the single writer
//! connection (see `SqliteStore::data_turn`); every transaction takes SQLite's write lock
//! from its first statement.

use crate::{SqliteStore, convert};
use haven_store::StoreError;
use sqlx::SqlitePool;

/// Begins a data write: waits for its turn among data writes (see
/// `SqliteStore::data_turn`), then begins a transaction on the writer connection.
pub(crate) async fn begin_write(store: &SqliteStore) -> Result<WriteTx, StoreError> {
    let turn = store.data_turn.clone().lock_owned().await;
    Ok(WriteTx {
        tx: begin_immediate(&store.writer).await?,
        _turn: turn,
    })
}

/// Begins a write transaction on the keystore (its own file and writer connection).
pub(crate) async fn begin_keys_write(
    store: &SqliteStore,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
    begin_immediate(&store.keys_writer).await
}

/// Begins a write transaction holding the write lock from its first statement
/// (`BEGIN IMMEDIATE`): a transaction that reads before it writes would otherwise fail at
/// once, without waiting, when another process committed since its read.
async fn begin_immediate(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
    pool.begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(convert::error)
}

/// A data write transaction, holding its turn until it ends.
pub(crate) struct WriteTx {
    // Declared first, so it is dropped (and rolled back if uncommitted) before the turn.
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}
