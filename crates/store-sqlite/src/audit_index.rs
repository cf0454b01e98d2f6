//! SQLite: the audit log's index of targets. The SQL is shared with PostgreSQL
//! (`crates/store/backend/audit_index.rs`).

include!("../../store/backend/audit_index.rs");
