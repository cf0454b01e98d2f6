//! PostgreSQL: the audit log's signed checkpoints. The SQL is shared with SQLite
//! (`crates/store/backend/checkpoints.rs`).

include!("../../store/backend/checkpoints.rs");
