//! Organisation kinds and staff roles, with their stable names.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown name")]
pub struct UnknownName;

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or(UnknownName)
            }
        }
    };
}

named_enum!(
    /// What kind of organisation a member of the network is.
    OrgKind {
        Ngo => "ngo",
        Shelter => "shelter",
        Clinic => "clinic",
        LegalAid => "legal_aid",
        Hotline => "hotline",
        LawEnforcement => "law_enforcement",
        Government => "government",
    }
);

named_enum!(
    /// A staff role. A user holds one or more, always within their own organisation.
    Role {
        Admin => "admin",
        Supervisor => "supervisor",
        CaseManager => "case_manager",
        ShelterCoordinator => "shelter_coordinator",
        Clinician => "clinician",
        LegalAdvocate => "legal_advocate",
        HotlineAdvocate => "hotline_advocate",
        OutreachWorker => "outreach_worker",
        LeLiaison => "le_liaison",
        Analyst => "analyst",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(*r));
        }
        for k in OrgKind::ALL {
            assert_eq!(k.as_str().parse::<OrgKind>(), Ok(*k));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
