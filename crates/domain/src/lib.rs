//! Haven's domain: the pure types and rules every other crate shares.
//!
//! Rules of this crate: no I/O, no async, no clock or randomness reads. Time arrives as a
//! parameter (`OffsetDateTime`), identifiers arrive already generated.

/// A closed set of names with their stable text form (`as_str`, `FromStr`, serde).
macro_rules! named {
    // The same, with the variant `Default` gives.
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),* $(,)? } default $default:ident) => {
        named!($(#[$doc])* $name { $($variant => $text),* });

        impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }
    };
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = crate::access::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or(crate::access::UnknownName)
            }
        }
    };
}

pub mod access;
pub mod audit;
pub mod case;
pub mod category;
pub mod consent;
pub mod ids;
pub mod referral;
pub mod staff;
pub mod survivor;
pub mod text;

pub use category::DataCategory;
pub use ids::{
    AdversaryId, CaseId, ConsentId, GoalId, KeyId, MessageId, NoteId, OrgId, ReferralId, ServiceId,
    SurvivorId, TaskId, TokenId, TransferId, UserId,
};
