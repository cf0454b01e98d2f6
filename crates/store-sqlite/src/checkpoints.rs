//! SQLite: the audit log's signed checkpoints. The SQL is shared with PostgreSQL
//! (`crates/store/backend/checkpoints.rs`).

include!("../../store/backend/checkpoints.rs");
