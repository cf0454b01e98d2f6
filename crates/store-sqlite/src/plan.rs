//! SQLite: taking members off a case team, and changing the case plan's goals. The SQL is
//! shared with PostgreSQL (`crates/store/backend/plan.rs`).
//! Goals are read through `inline_reads`.

include!("../../store/backend/plan.rs");
