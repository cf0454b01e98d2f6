//! PostgreSQL: edits of a survivor's record, and the minor flag that follows it. The SQL is shared with SQLite
//! (`crates/store/backend/survivor_edit.rs`).

include!("../../store/backend/survivor_edit.rs");
