//! sqlx's errors on SQLite: the mapping the sqlx backends share
//! ([`haven_store::sqlx_support`]), except that a statement that waited out the busy timeout
//! for a lock another process holds (a `haven` command writing beside a running server) is
//! [`StoreError::Unavailable`]: nothing was written, and the same request a moment later can
//! succeed. The reads on the calling task map it the same way (`inline_reads::error`).

use haven_store::StoreError;
pub(crate) use haven_store::sqlx_support::{array, migrate_error, to_i64, to_u32, to_u64};

/// SQLite's primary result codes for a lock it could not take: `SQLITE_BUSY`, `SQLITE_LOCKED`.
const BUSY: i32 = 5;
const LOCKED: i32 = 6;

pub(crate) fn error(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db
            .code()
            .and_then(|code| code.parse::<i32>().ok())
            .is_some_and(|code| matches!(code & 0xff, BUSY | LOCKED))
    {
        return StoreError::Unavailable("the database is locked by another process".into());
    }
    haven_store::sqlx_support::error(e)
}

#[cfg(test)]
mod tests {
    use super::error;
    use haven_store::StoreError;
    use sqlx::Connection;
    use sqlx::sqlite::SqliteConnectOptions;
    use std::time::Duration;

    #[tokio::test]
    async fn a_write_another_process_has_locked_out_is_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locked.db");
        let holder = rusqlite::Connection::open(&path).unwrap();
        holder
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER); BEGIN IMMEDIATE; \
                 INSERT INTO t VALUES (1);",
            )
            .unwrap();
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .busy_timeout(Duration::from_millis(50));
        let mut conn = sqlx::SqliteConnection::connect_with(&options)
            .await
            .unwrap();
        let refused = sqlx::query("INSERT INTO t VALUES (2)")
            .execute(&mut conn)
            .await
            .unwrap_err();
        assert!(
            matches!(error(refused), StoreError::Unavailable(_)),
            "a lock held elsewhere is the database not answering, not a fault"
        );
        let broken = sqlx::query("INSERT INTO no_such_table VALUES (2)")
            .execute(&mut conn)
            .await
            .unwrap_err();
        assert!(matches!(error(broken), StoreError::Backend(_)));
    }
}
