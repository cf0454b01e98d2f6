//! The survivor's personal fields, with the data category each belongs to and the
//! validation every entry point applies. Issue #4 grows this into the full intake record.

use crate::DataCategory;
use serde::{Deserialize, Serialize};
use time::Date;

/// Longest text accepted in a personal field, in characters.
pub const MAX_FIELD_CHARS: usize = 500;

/// Each encrypted field of a survivor record. The name is also the column name, which
/// goes into every ciphertext's associated data so a value cannot be moved between fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SurvivorField {
    Pseudonym,
    LegalName,
    Aliases,
    DateOfBirth,
    Phone,
    Email,
    SafeContact,
    /// Inside the encrypted details document.
    Nationality,
    /// Inside the encrypted details document.
    Languages,
}

impl SurvivorField {
    pub const ALL: [SurvivorField; 9] = [
        Self::Pseudonym,
        Self::LegalName,
        Self::Aliases,
        Self::DateOfBirth,
        Self::Phone,
        Self::Email,
        Self::SafeContact,
        Self::Nationality,
        Self::Languages,
    ];

    pub const fn column(self) -> &'static str {
        match self {
            Self::Pseudonym => "pseudonym",
            Self::LegalName => "legal_name",
            Self::Aliases => "aliases",
            Self::DateOfBirth => "date_of_birth",
            Self::Phone => "phone",
            Self::Email => "email",
            Self::SafeContact => "safe_contact",
            Self::Nationality => "nationality",
            Self::Languages => "languages",
        }
    }

    /// The category that governs who may read the field (`POLICY.md`). The pseudonym is
    /// visible wherever the case is.
    pub const fn category(self) -> DataCategory {
        match self {
            Self::Pseudonym => DataCategory::Case,
            Self::LegalName
            | Self::Aliases
            | Self::DateOfBirth
            | Self::Nationality
            | Self::Languages => DataCategory::Identity,
            Self::Phone | Self::Email | Self::SafeContact => DataCategory::Contact,
        }
    }
}

/// Why a field was refused. Carries the field's name, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("{field} is required")]
    Required { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} contains control characters")]
    ControlCharacters { field: &'static str },
}

/// Text for a personal field: trimmed, non-empty, bounded, free of control characters
/// (newlines allowed in free text such as safe-contact instructions).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonalText(String);

impl PersonalText {
    pub fn parse(field: SurvivorField, raw: &str) -> Result<Self, FieldError> {
        let name = field.column();
        let text = raw.trim();
        if text.is_empty() {
            return Err(FieldError::Required { field: name });
        }
        if text.chars().count() > MAX_FIELD_CHARS {
            return Err(FieldError::TooLong {
                field: name,
                max: MAX_FIELD_CHARS,
            });
        }
        if text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(FieldError::ControlCharacters { field: name });
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PersonalText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonalText(<redacted>)")
    }
}

/// The personal part of a survivor record, validated. `Debug` never prints values.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurvivorProfile {
    pub pseudonym: PersonalText,
    pub legal_name: Option<PersonalText>,
    pub aliases: Vec<PersonalText>,
    pub date_of_birth: Option<Date>,
    pub phone: Option<PersonalText>,
    pub email: Option<PersonalText>,
    pub safe_contact: Option<PersonalText>,
    pub details: SurvivorDetails,
}

/// Gender as recorded (also kept, coarse, for reporting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
    NonBinary,
    Other,
    #[default]
    Unknown,
}

impl Gender {
    pub const fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::NonBinary => "non_binary",
            Gender::Other => "other",
            Gender::Unknown => "unknown",
        }
    }
}

/// A world region (UN M49 top level), the coarse form of nationality kept for reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    Africa,
    Americas,
    Asia,
    Europe,
    Oceania,
    #[default]
    Unknown,
}

impl Region {
    pub const fn as_str(self) -> &'static str {
        match self {
            Region::Africa => "africa",
            Region::Americas => "americas",
            Region::Asia => "asia",
            Region::Europe => "europe",
            Region::Oceania => "oceania",
            Region::Unknown => "unknown",
        }
    }
}

/// Further identity details, stored together as one encrypted document. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurvivorDetails {
    #[serde(default)]
    pub gender: Gender,
    #[serde(default)]
    pub nationality: Option<PersonalText>,
    #[serde(default)]
    pub nationality_region: Region,
    #[serde(default)]
    pub languages: Vec<PersonalText>,
    #[serde(default)]
    pub interpreter_needed: bool,
    /// When the date of birth is not known.
    #[serde(default)]
    pub estimated_age: Option<u8>,
}

impl std::fmt::Debug for SurvivorDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SurvivorDetails(<redacted>)")
    }
}

impl SurvivorDetails {
    pub fn is_empty(&self) -> bool {
        self == &SurvivorDetails::default()
    }
}

impl std::fmt::Debug for SurvivorProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SurvivorProfile(<redacted>)")
    }
}

impl SurvivorProfile {
    /// A profile holding only a pseudonym: the minimum intake, as the survivor may wish.
    pub fn pseudonymous(pseudonym: &str) -> Result<Self, FieldError> {
        Ok(Self {
            pseudonym: PersonalText::parse(SurvivorField::Pseudonym, pseudonym)?,
            legal_name: None,
            aliases: Vec::new(),
            date_of_birth: None,
            phone: None,
            email: None,
            safe_contact: None,
            details: SurvivorDetails::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn blank_and_oversized_text_is_refused_with_the_field_name() {
        assert_eq!(
            PersonalText::parse(SurvivorField::LegalName, "   "),
            Err(FieldError::Required {
                field: "legal_name"
            })
        );
        let long = "x".repeat(MAX_FIELD_CHARS + 1);
        assert!(matches!(
            PersonalText::parse(SurvivorField::Phone, &long),
            Err(FieldError::TooLong { field: "phone", .. })
        ));
    }

    #[test]
    fn debug_output_never_shows_a_value() {
        let Ok(p) = SurvivorProfile::pseudonymous("Rosa") else {
            unreachable!("valid pseudonym")
        };
        assert!(!format!("{p:?}").contains("Rosa"));
    }

    proptest! {
        #[test]
        fn parsed_text_is_trimmed_bounded_and_clean(raw in "\\PC{0,600}") {
            if let Ok(t) = PersonalText::parse(SurvivorField::SafeContact, &raw) {
                prop_assert_eq!(t.as_str(), raw.trim());
                prop_assert!(t.as_str().chars().count() <= MAX_FIELD_CHARS);
                prop_assert!(!t.as_str().is_empty());
            }
        }
    }
}
