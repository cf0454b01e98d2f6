//! The survivor's personal fields, with the data category each belongs to and the
//! validation every entry point applies. Issue #4 grows this into the full intake record.

use crate::DataCategory;
use crate::case::{AgeEstimate, is_minor};
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

named!(
    /// Gender as recorded (also kept, coarse, for reporting).
    Gender {
        Female => "female",
        Male => "male",
        NonBinary => "non_binary",
        Other => "other",
        Unknown => "unknown",
    } default Unknown
);

named!(
    /// A world region (UN M49 top level), the coarse form of nationality kept for reporting.
    Region {
        Africa => "africa",
        Americas => "americas",
        Asia => "asia",
        Europe => "europe",
        Oceania => "oceania",
        Unknown => "unknown",
    } default Unknown
);

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
    /// The day the age was estimated, so the estimate grows older with the person. Set by
    /// the core, never by a caller; records estimated before it existed have none, and
    /// their estimate dates from the record's creation.
    #[serde(default)]
    pub estimated_on: Option<Date>,
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

    /// The estimated age with the day it was made; `recorded` (the record's creation) for
    /// an estimate that carries no date.
    pub fn estimate(&self, recorded: Date) -> Option<AgeEstimate> {
        self.estimated_age.map(|age| AgeEstimate {
            age,
            made_on: self.estimated_on.unwrap_or(recorded),
        })
    }
}

impl std::fmt::Debug for SurvivorProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SurvivorProfile(<redacted>)")
    }
}

impl SurvivorProfile {
    /// This profile with the fields of the categories in `writable` taken from `edited` and
    /// every other field kept: an editor changes only what their role may write. The
    /// pseudonym and the further details (gender, nationality, languages, interpreter need,
    /// estimated age) are identity; phone, email and safe-contact instructions are contact.
    pub fn edited(mut self, edited: &SurvivorProfile, writable: &[DataCategory]) -> Self {
        if writable.contains(&DataCategory::Identity) {
            self.pseudonym = edited.pseudonym.clone();
            self.legal_name = edited.legal_name.clone();
            self.aliases = edited.aliases.clone();
            self.date_of_birth = edited.date_of_birth;
            // An estimate left as it was keeps its day; a new one is dated by the caller
            // ([`SurvivorProfile::estimate_dated`]).
            let estimated_on = if edited.details.estimated_age == self.details.estimated_age {
                self.details.estimated_on
            } else {
                None
            };
            self.details = edited.details.clone();
            self.details.estimated_on = estimated_on;
        }
        if writable.contains(&DataCategory::Contact) {
            self.phone = edited.phone.clone();
            self.email = edited.email.clone();
            self.safe_contact = edited.safe_contact.clone();
        }
        self
    }

    /// This profile with an undated estimated age dated `day`.
    pub fn estimate_dated(mut self, day: Date) -> Self {
        if self.details.estimated_age.is_some() && self.details.estimated_on.is_none() {
            self.details.estimated_on = Some(day);
        }
        self
    }

    /// Whether the person is a minor on `today`, from the date of birth or the estimated
    /// age grown since it was made (`recorded`, the record's creation, for an undated one).
    pub fn is_minor_on(&self, today: Date, recorded: Date) -> bool {
        is_minor(self.date_of_birth, self.details.estimate(recorded), today)
    }

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

    #[test]
    fn an_edit_changes_only_the_categories_the_editor_may_write() {
        let text = |f, v: &str| PersonalText::parse(f, v).unwrap();
        let mut stored = SurvivorProfile::pseudonymous("Old name").unwrap();
        stored.legal_name = Some(text(SurvivorField::LegalName, "Stored Legal"));
        stored.phone = Some(text(SurvivorField::Phone, "+1 555 0100"));
        let mut new = SurvivorProfile::pseudonymous("New name").unwrap();
        new.details.interpreter_needed = true;
        new.email = Some(text(SurvivorField::Email, "new@example.org"));

        let contact_only = stored.clone().edited(&new, &[DataCategory::Contact]);
        assert_eq!(contact_only.pseudonym.as_str(), "Old name");
        assert_eq!(contact_only.legal_name, stored.legal_name);
        assert!(!contact_only.details.interpreter_needed);
        assert_eq!(contact_only.phone, None, "contact replaced as a whole");
        assert_eq!(contact_only.email, new.email);

        let identity_only = stored.clone().edited(&new, &[DataCategory::Identity]);
        assert_eq!(identity_only.pseudonym.as_str(), "New name");
        assert_eq!(identity_only.legal_name, None);
        assert!(identity_only.details.interpreter_needed);
        assert_eq!(identity_only.phone, stored.phone);
        assert_eq!(identity_only.email, None);

        assert_eq!(
            stored.clone().edited(&new, &[DataCategory::Medical]),
            stored
        );
    }

    #[test]
    fn an_estimate_keeps_its_day_until_the_estimate_changes() {
        use time::macros::date;
        let mut stored = SurvivorProfile::pseudonymous("Ana").unwrap();
        stored.details.estimated_age = Some(16);
        let stored = stored.estimate_dated(date!(2024 - 03 - 10));
        assert!(stored.is_minor_on(date!(2026 - 03 - 09), date!(2020 - 01 - 01)));
        assert!(!stored.is_minor_on(date!(2026 - 03 - 10), date!(2020 - 01 - 01)));

        // The edit form sends the estimate back as it was shown, without its day.
        let mut same = stored.clone();
        same.details.estimated_on = None;
        let kept = stored
            .clone()
            .edited(&same, &[DataCategory::Identity])
            .estimate_dated(date!(2026 - 01 - 01));
        assert_eq!(kept.details.estimated_on, Some(date!(2024 - 03 - 10)));

        same.details.estimated_age = Some(15);
        let new = stored
            .edited(&same, &[DataCategory::Identity])
            .estimate_dated(date!(2026 - 01 - 01));
        assert_eq!(new.details.estimated_on, Some(date!(2026 - 01 - 01)));
        assert!(new.is_minor_on(date!(2028 - 12 - 31), date!(2020 - 01 - 01)));

        // An estimate stored before estimates carried a day dates from the record.
        let mut old = SurvivorProfile::pseudonymous("Ana").unwrap();
        old.details.estimated_age = Some(17);
        assert!(!old.is_minor_on(date!(2026 - 06 - 01), date!(2025 - 05 - 01)));
    }
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
