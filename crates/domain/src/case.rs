//! Cases: the status lifecycle, exploitation and trafficking types, flags, and notes'
//! categories. Pure rules; time arrives as a parameter.
//!
//! Trafficking types are the 25 of Polaris's *Typology of Modern Slavery* (2017), used as a
//! classification vocabulary (`shared/reference/domain_standards.md` §1.4); a case may have
//! several.

use crate::DataCategory;
use serde::{Deserialize, Serialize};
use time::Date;

/// Where the typology comes from, kept with the data.
pub const TYPOLOGY_SOURCE: &str = "Polaris, The Typology of Modern Slavery (2017), 25 types";

/// Polaris's 25 types, in the report's numbering.
pub const TRAFFICKING_TYPES: [&str; 25] = [
    "Escort services",
    "Illicit massage, health and beauty",
    "Outdoor solicitation",
    "Residential",
    "Domestic work",
    "Bars, strip clubs and cantinas",
    "Pornography",
    "Traveling sales crews",
    "Restaurants and food service",
    "Peddling and begging",
    "Agriculture and animal husbandry",
    "Personal sexual servitude",
    "Health and beauty services",
    "Construction",
    "Hotels and hospitality",
    "Landscaping",
    "Illicit activities",
    "Arts and entertainment",
    "Commercial cleaning services",
    "Factories and manufacturing",
    "Remote interactive sexual acts",
    "Carnivals",
    "Forestry and logging",
    "Health care",
    "Recreational facilities",
];

/// A Polaris type by its number (1–25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct TraffickingType(u8);

impl TraffickingType {
    pub fn name(self) -> &'static str {
        TRAFFICKING_TYPES[usize::from(self.0 - 1)]
    }
    pub fn number(self) -> u8 {
        self.0
    }
    pub fn all() -> impl Iterator<Item = TraffickingType> {
        (1..=25).map(TraffickingType)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("trafficking types are numbered 1 to 25")]
pub struct UnknownTraffickingType;

impl TryFrom<u8> for TraffickingType {
    type Error = UnknownTraffickingType;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        (1..=25)
            .contains(&n)
            .then_some(Self(n))
            .ok_or(UnknownTraffickingType)
    }
}

impl From<TraffickingType> for u8 {
    fn from(t: TraffickingType) -> u8 {
        t.0
    }
}

named!(
    /// The case lifecycle: open → active → closed; a closed case reopens with a reason.
    CaseStatus { Open => "open", Active => "active", Closed => "closed" }
);

named!(
    /// Where a goal of the case plan stands.
    GoalStatus { Open => "open", Achieved => "achieved", Dropped => "dropped" }
);

named!(
    /// The kind of exploitation the case is about. `Unknown` is what a case holds until
    /// someone records it: a hotline intake rarely knows, and "other" would be a claim.
    ExploitationType {
        Sex => "sex",
        Labour => "labour",
        Both => "both",
        Other => "other",
        Unknown => "unknown",
    } default Unknown
);

named!(
    /// A note's category decides who may read it, through the data category it maps to.
    NoteCategory {
        General => "general",
        Safety => "safety",
        Medical => "medical",
        Psychotherapy => "psychotherapy",
        Legal => "legal",
        Narrative => "narrative",
    }
);

impl NoteCategory {
    pub const fn data_category(self) -> DataCategory {
        match self {
            NoteCategory::General => DataCategory::Case,
            NoteCategory::Safety => DataCategory::Safety,
            NoteCategory::Medical => DataCategory::Medical,
            NoteCategory::Psychotherapy => DataCategory::Psychotherapy,
            NoteCategory::Legal => DataCategory::Legal,
            NoteCategory::Narrative => DataCategory::Narrative,
        }
    }
}

/// Why a status change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a case cannot move from {from} to {to}")]
    NotAllowed {
        from: &'static str,
        to: &'static str,
    },
    #[error("reopening a closed case needs a reason")]
    ReasonRequired,
}

impl CaseStatus {
    /// The status after asking for `to`; reopening needs a reason.
    pub fn transition(
        self,
        to: CaseStatus,
        reason: Option<&str>,
    ) -> Result<CaseStatus, TransitionError> {
        use CaseStatus::*;
        match (self, to) {
            (Open, Active) | (Open, Closed) | (Active, Closed) => Ok(to),
            (Closed, Open) | (Closed, Active) => match reason.map(str::trim) {
                Some(r) if !r.is_empty() => Ok(to),
                _ => Err(TransitionError::ReasonRequired),
            },
            (from, to) => Err(TransitionError::NotAllowed {
                from: from.as_str(),
                to: to.as_str(),
            }),
        }
    }
}

/// Age in whole years on `today`.
pub fn age_on(birth: Date, today: Date) -> i32 {
    let mut years = today.year() - birth.year();
    if (today.month() as u8, today.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    years
}

/// An age estimated on a given day: the person is a year older on each anniversary of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeEstimate {
    pub age: u8,
    pub made_on: Date,
}

impl AgeEstimate {
    /// The estimated age grown by the whole years since the estimate was made.
    pub fn age_on(self, today: Date) -> i32 {
        i32::from(self.age) + age_on(self.made_on, today).max(0)
    }
}

/// Whether someone is a minor (under 18) on `today`, from a date of birth or, failing that,
/// an estimated age (which grows older with them); unknown is not a minor.
pub fn is_minor(date_of_birth: Option<Date>, estimate: Option<AgeEstimate>, today: Date) -> bool {
    match (date_of_birth, estimate) {
        (Some(dob), _) => age_on(dob, today) < 18,
        (None, Some(estimate)) => estimate.age_on(today) < 18,
        (None, None) => false,
    }
}

/// The coarse age band kept apart for reporting (no exact age).
pub fn age_band(age: Option<i32>) -> &'static str {
    match age {
        None => "unknown",
        Some(a) if a < 12 => "0-11",
        Some(a) if a < 18 => "12-17",
        Some(a) if a < 25 => "18-24",
        Some(a) if a < 35 => "25-34",
        Some(a) if a < 50 => "35-49",
        Some(_) => "50+",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_lifecycle_allows_only_its_transitions() {
        use CaseStatus::*;
        assert_eq!(Open.transition(Active, None), Ok(Active));
        assert_eq!(Active.transition(Closed, None), Ok(Closed));
        assert_eq!(
            Closed.transition(Open, None),
            Err(TransitionError::ReasonRequired)
        );
        assert_eq!(
            Closed.transition(Active, Some("  ")),
            Err(TransitionError::ReasonRequired)
        );
        assert_eq!(Closed.transition(Open, Some("new information")), Ok(Open));
        assert!(Active.transition(Open, None).is_err());
        assert!(Closed.transition(Closed, Some("x")).is_err());
    }

    #[test]
    fn minors_are_derived_from_birth_date_or_estimate() {
        let today = date!(2026 - 11 - 28);
        assert!(
            is_minor(Some(date!(2008 - 11 - 29)), None, today),
            "17 until tomorrow"
        );
        assert!(
            !is_minor(Some(date!(2008 - 11 - 28)), None, today),
            "18 today"
        );
        let sixteen = |made_on| AgeEstimate { age: 16, made_on };
        assert!(is_minor(None, Some(sixteen(today)), today));
        assert!(!is_minor(None, None, today));
        assert_eq!(
            age_band(Some(age_on(date!(2010 - 01 - 01), today))),
            "12-17"
        );
    }

    #[test]
    fn an_estimated_age_grows_older_with_the_person() {
        let estimate = AgeEstimate {
            age: 16,
            made_on: date!(2024 - 03 - 10),
        };
        assert_eq!(estimate.age_on(date!(2026 - 03 - 09)), 17);
        assert!(is_minor(None, Some(estimate), date!(2026 - 03 - 09)));
        assert_eq!(estimate.age_on(date!(2026 - 03 - 10)), 18);
        assert!(!is_minor(None, Some(estimate), date!(2026 - 03 - 10)));
        // A date of birth, when known, decides over an estimate.
        assert!(is_minor(
            Some(date!(2010 - 01 - 01)),
            Some(estimate),
            date!(2026 - 03 - 10)
        ));
    }

    #[test]
    fn there_are_25_trafficking_types_numbered_from_one() {
        assert_eq!(TraffickingType::all().count(), 25);
        assert_eq!(
            TraffickingType::try_from(5).map(TraffickingType::name),
            Ok("Domestic work")
        );
        assert!(TraffickingType::try_from(0).is_err() && TraffickingType::try_from(26).is_err());
    }

    #[test]
    fn note_categories_map_to_data_categories() {
        assert_eq!(
            NoteCategory::Psychotherapy.data_category(),
            DataCategory::Psychotherapy
        );
        assert_eq!(NoteCategory::General.data_category(), DataCategory::Case);
        assert_eq!(
            "narrative".parse::<NoteCategory>(),
            Ok(NoteCategory::Narrative)
        );
        assert!("gossip".parse::<NoteCategory>().is_err());
    }
}
