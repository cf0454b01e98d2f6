//! Data categories: every sensitive field belongs to exactly one. Access and consent are
//! granted per category (`shared/POLICY.md`, "Data categories").

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataCategory {
    Case,
    Identity,
    Contact,
    Location,
    Immigration,
    Medical,
    Psychotherapy,
    Legal,
    Narrative,
    Safety,
}

impl DataCategory {
    pub const ALL: [DataCategory; 10] = [
        Self::Case,
        Self::Identity,
        Self::Contact,
        Self::Location,
        Self::Immigration,
        Self::Medical,
        Self::Psychotherapy,
        Self::Legal,
        Self::Narrative,
        Self::Safety,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Case => "case",
            Self::Identity => "identity",
            Self::Contact => "contact",
            Self::Location => "location",
            Self::Immigration => "immigration",
            Self::Medical => "medical",
            Self::Psychotherapy => "psychotherapy",
            Self::Legal => "legal",
            Self::Narrative => "narrative",
            Self::Safety => "safety",
        }
    }
}

impl fmt::Display for DataCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown data category")]
pub struct UnknownCategory;

impl FromStr for DataCategory {
    type Err = UnknownCategory;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or(UnknownCategory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_round_trips_through_its_name() {
        for c in DataCategory::ALL {
            assert_eq!(c.as_str().parse::<DataCategory>(), Ok(c));
        }
        assert_eq!("gps".parse::<DataCategory>(), Err(UnknownCategory));
    }
}
