//! PostgreSQL: transfers of a case's ownership. The SQL is shared with SQLite
//! (`crates/store/backend/transfers.rs`).

include!("../../store/backend/transfers.rs");
