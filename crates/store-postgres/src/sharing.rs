//! PostgreSQL: releases of information, suspected abusers, referrals, messages. The SQL is shared with SQLite
//! (`crates/store/backend/sharing.rs`); this module names the types it runs over.

use crate::PgStore as DbStore;
type Db = sqlx::Postgres;
type DbRow = sqlx::postgres::PgRow;
#[allow(dead_code)]
type DbConn = sqlx::PgConnection;

#[allow(dead_code)]
fn writer(store: &DbStore) -> &sqlx::PgPool {
    &store.pool
}

#[allow(dead_code)]
fn reader(store: &DbStore) -> &sqlx::PgPool {
    &store.pool
}

include!("../../store/backend/sharing.rs");
