//! SQLite: staff accounts, recovery codes, sessions and API tokens. The SQL is shared with
//! PostgreSQL (`crates/store/backend/staff.rs`). An account and an API token are looked up
//! on every request through `inline_reads`.

include!("../../store/backend/staff.rs");
