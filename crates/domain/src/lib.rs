//! Haven's domain: the pure types and rules every other crate shares.
//!
//! Rules of this crate: no I/O, no async, no clock or randomness reads. Time arrives as a
//! parameter (`OffsetDateTime`), identifiers arrive already generated.

pub mod access;
pub mod audit;
pub mod case;
pub mod category;
pub mod ids;
pub mod staff;
pub mod survivor;

pub use category::DataCategory;
pub use ids::{CaseId, KeyId, NoteId, OrgId, SurvivorId, TaskId, TokenId, UserId};
