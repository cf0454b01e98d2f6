//! Opaque identifiers. They are random UUIDs so that an id alone says nothing about a
//! person, and the audit log may hold them (it never holds personal data).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            /// Builds an id from 16 random bytes supplied by the caller's entropy source.
            pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
                Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
            }
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
            pub const fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| InvalidId)
            }
        }
    };
}

/// The text given was not an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid identifier")]
pub struct InvalidId;

opaque_id!(
    /// An organisation in the network.
    OrgId
);
opaque_id!(
    /// A survivor record.
    SurvivorId
);
opaque_id!(
    /// A data-encryption key in the keystore.
    KeyId
);
opaque_id!(
    /// A staff account.
    UserId
);
opaque_id!(
    /// A case: one organisation's work with one survivor.
    CaseId
);
opaque_id!(
    /// An API token (its id, not its secret).
    TokenId
);
opaque_id!(
    /// A case note.
    NoteId
);
opaque_id!(
    /// A task in a case plan.
    TaskId
);
opaque_id!(
    /// A release of information.
    ConsentId
);
opaque_id!(
    /// A referral from a case to a service of another organisation.
    ReferralId
);
opaque_id!(
    /// A service in the directory (an HSDS `service.id`).
    ServiceId
);
opaque_id!(
    /// A message between members of a case team.
    MessageId
);
opaque_id!(
    /// A person recorded on a case as a suspected abuser or trafficker.
    AdversaryId
);
opaque_id!(
    /// A proposed transfer of a case's ownership to another organisation.
    TransferId
);
opaque_id!(
    /// A goal of a case plan.
    GoalId
);
