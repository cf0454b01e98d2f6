//! SQLite: releases of information, suspected abusers, referrals, messages. The SQL is shared with PostgreSQL
//! (`crates/store/backend/sharing.rs`); this module names the types it runs over.

use crate::SqliteStore as DbStore;
type Db = sqlx::Sqlite;
type DbRow = sqlx::sqlite::SqliteRow;
#[allow(dead_code)]
type DbConn = sqlx::SqliteConnection;

#[allow(dead_code)]
fn writer(store: &DbStore) -> &sqlx::SqlitePool {
    &store.writer
}

#[allow(dead_code)]
fn reader(store: &DbStore) -> &sqlx::SqlitePool {
    &store.reader
}

include!("../../store/backend/sharing.rs");

/// Every release recorded for a survivor, read on the calling task (see `inline_reads`).
pub(crate) async fn consents_of_survivor(
    store: &DbStore,
    survivor: SurvivorId,
) -> Result<Vec<ConsentRow>, StoreError> {
    store.inline.read(|r| r.consents_of_survivor(survivor))
}
