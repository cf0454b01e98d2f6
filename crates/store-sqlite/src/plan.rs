//! SQLite: taking members off a case team, and changing the case plan's goals. The SQL is
//! shared with PostgreSQL (`crates/store/backend/plan.rs`); this module names the store it
//! writes through. Goals are read through `inline_reads`.

use crate::SqliteStore as DbStore;

include!("../../store/backend/plan.rs");
