//! SQLite: transfers of a case's ownership. The SQL is shared with PostgreSQL
//! (`crates/store/backend/transfers.rs`).

include!("../../store/backend/transfers.rs");
