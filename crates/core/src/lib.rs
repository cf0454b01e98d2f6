//! Haven's use cases. Every read and write of survivor data passes through [`Haven`]: it
//! loads the row, fetches and unwraps the data key, decrypts, and appends the audit entry —
//! writes in the same transaction as the change — so no path reads or changes survivor data
//! unaudited. Time and randomness are injected ([`Clock`], `haven_crypto::Entropy`).

pub mod access;
pub mod audit_index;
pub mod audit_log;
pub mod auth;
pub mod cases;
mod clock;
mod error;
mod haven;
mod keypool;
pub mod local_time;
pub mod problem;
pub mod rotation;
pub mod sharing;
pub mod survivor_index;
pub mod survivors;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::CoreError;
pub use haven::{Haven, system};
pub use problem::{Problem, Reason};
