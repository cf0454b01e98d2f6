//! Mapping sqlx's errors onto [`StoreError`], shared by the sqlx-based backends. Messages
//! keep the database's wording (constraint and table names), never bound values.

use crate::StoreError;

pub fn error(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict("a record with this id already exists")
        }
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::Conflict("a referenced record does not exist")
        }
        // PostgreSQL rolled the transaction back to let a concurrent one through (a
        // deadlock, or a serialization failure): nothing was written, and the same write
        // tried again, on what it reads then, can succeed.
        sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40P01" | "40001")) => {
            StoreError::Stale("a concurrent write")
        }
        sqlx::Error::Io(e) => StoreError::Unavailable(e.to_string()),
        sqlx::Error::PoolTimedOut => {
            StoreError::Unavailable("timed out waiting for a connection".into())
        }
        sqlx::Error::PoolClosed => StoreError::Unavailable("the connection pool is closed".into()),
        sqlx::Error::Tls(e) => StoreError::Unavailable(format!("tls: {e}")),
        sqlx::Error::Configuration(e) => StoreError::Unavailable(format!("configuration: {e}")),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StoreError::Corrupt("a stored value could not be decoded")
        }
        other => StoreError::Backend(other.to_string()),
    }
}

pub fn migrate_error(e: sqlx::migrate::MigrateError) -> StoreError {
    match e {
        sqlx::migrate::MigrateError::Execute(e) => error(e),
        sqlx::migrate::MigrateError::VersionMissing(v) => StoreError::SchemaTooNew {
            applied: v,
            latest: v - 1,
        },
        other => StoreError::Backend(other.to_string()),
    }
}

/// A column of `row` by name, decoded; a value that does not decode is corrupt.
pub fn get<'r, T, R>(row: &'r R, column: &str) -> Result<T, StoreError>
where
    R: sqlx::Row,
    T: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
{
    row.try_get(column).map_err(error)
}

/// Stored integers are i64 in both databases; ours are u32/u64.
pub fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt("a number is out of range"))
}

pub fn to_u64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt("a stored number is negative"))
}

pub fn to_u32(v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt("a stored number is out of range"))
}

pub fn array<const N: usize>(v: &[u8]) -> Result<[u8; N], StoreError> {
    v.try_into()
        .map_err(|_| StoreError::Corrupt("a stored hash or key has the wrong length"))
}
