//! The storage layer's one error type. Messages name tables and constraints, never values.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is unreachable: {0}")]
    Unavailable(String),
    #[error("the database has not been initialised; run `haven init` first")]
    NotInitialised,
    #[error(
        "the database schema (version {applied}) is newer than this haven binary supports (version {latest}); upgrade haven"
    )]
    SchemaTooNew { applied: i64, latest: i64 },
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The record was written by someone else after it was read; nothing was written.
    #[error("changed since it was read: {0}")]
    Stale(&'static str),
    #[error("stored data is malformed: {0}")]
    Corrupt(&'static str),
    #[error("database error: {0}")]
    Backend(String),
}
