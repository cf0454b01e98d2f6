//! SQLite: cases, their teams, timeline, notes and tasks. The SQL is shared with PostgreSQL
//! (`crates/store/backend/cases.rs`); the reads a case view makes run through
//! `inline_reads`.

include!("../../store/backend/cases.rs");
