//! The browsers that have signed in to an account (known devices). The SQL is shared
//! (`crates/store/backend/known_devices.rs`).

include!("../../store/backend/known_devices.rs");
