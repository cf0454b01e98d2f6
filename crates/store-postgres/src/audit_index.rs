//! PostgreSQL: the audit log's index of targets. The SQL is shared with SQLite
//! (`crates/store/backend/audit_index.rs`).

include!("../../store/backend/audit_index.rs");
