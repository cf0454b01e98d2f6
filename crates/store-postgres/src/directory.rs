//! PostgreSQL: the service directory (HSDS documents, sealed locations). The SQL is shared with SQLite
//! (`crates/store/backend/directory.rs`).

include!("../../store/backend/directory.rs");
