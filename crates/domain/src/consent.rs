//! Releases of information (consent), VAWA-grade: informed, written, reasonably
//! time-limited, per recipient organisation, naming data categories and a purpose; revocable
//! at any time (orally too), effective on the next request. Rules from
//! `reference/domain_standards.md` §5.4 and `reference/security.md` §7 item 23.
//!
//! Consent is never a condition of service: nothing outside sharing with another
//! organisation looks at it.

use crate::{DataCategory, OrgId};
use std::collections::BTreeSet;
use time::{Duration, OffsetDateTime};

named!(
    /// How the survivor gave consent.
    ConsentMethod {
        SignedForm => "signed_form",
        OnScreenSignature => "on_screen_signature",
        VerbalWitnessed => "verbal_witnessed",
    }
);

named!(
    /// Who consented. For an unemancipated minor, the minor and a non-abusing guardian; a
    /// guardian alone only for legal incapacity.
    Signer {
        Survivor => "survivor",
        MinorAndGuardian => "minor_and_guardian",
        Guardian => "guardian",
    }
);

named!(
    /// How a revocation reached the organisation; oral revocation takes effect at once.
    RevocationChannel { Oral => "oral", Written => "written" }
);

/// The jurisdiction's rules for releases, loaded as data with their source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRules {
    /// The expiry offered when the form does not give one.
    pub default_days: u32,
    /// The longest release accepted.
    pub max_days: u32,
    /// Whether documented verbal consent with a witness is accepted.
    pub verbal_allowed: bool,
    /// Whether a minor may consent alone (where the law lets minors receive services alone).
    pub minor_may_consent_alone: bool,
    /// Where these numbers come from.
    pub source: &'static str,
}

impl Default for ConsentRules {
    fn default() -> Self {
        Self {
            default_days: 90,
            max_days: 365,
            verbal_allowed: false,
            minor_may_consent_alone: false,
            source: "[U] organisation default: the law fixes no maximum for \"reasonably \
                     time-limited\" (reference/domain_standards.md §5.4)",
        }
    }
}

/// A release as recorded, before the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentDraft {
    pub recipient_org: OrgId,
    pub categories: BTreeSet<DataCategory>,
    pub purpose: String,
    pub method: ConsentMethod,
    /// The signed form's reference, the on-screen signature, or the witness's name.
    pub evidence: String,
    pub signer: Signer,
    /// The consenting guardian's name, when a guardian signs.
    pub guardian: Option<String>,
    pub granted_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
}

/// What is known about the survivor when the release is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub minor: bool,
    /// Whether the consenting guardian is recorded on the case as a suspected abuser.
    pub guardian_is_suspected_abuser: bool,
    /// The organisation holding the record (a release to oneself means nothing).
    pub owning_org: OrgId,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    #[error("a release needs an end date")]
    NoEndDate,
    #[error("the end date must come after the start")]
    EndBeforeStart,
    #[error("a release may last at most {max_days} days")]
    TooLong { max_days: u32 },
    #[error("name at least one category of information")]
    NoCategories,
    #[error("state the purpose of the release")]
    NoPurpose,
    #[error("a release needs the signed form's reference, the signature or the witness")]
    NoEvidence,
    #[error("verbal consent is not accepted under this organisation's policy")]
    VerbalNotAllowed,
    #[error("a minor's release needs a guardian as well")]
    GuardianRequired,
    #[error("a person recorded as a suspected abuser cannot consent")]
    AbuserCannotConsent,
    #[error("a release is for another organisation")]
    SameOrganisation,
    #[error("the start of a release cannot be in the future")]
    StartInFuture,
}

impl ConsentError {
    /// The field a form or API should point at.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NoEndDate | Self::EndBeforeStart | Self::TooLong { .. } => "expires_at",
            Self::NoCategories => "categories",
            Self::NoPurpose => "purpose",
            Self::NoEvidence => "evidence",
            Self::VerbalNotAllowed => "method",
            Self::GuardianRequired | Self::AbuserCannotConsent => "guardian",
            Self::SameOrganisation => "recipient_org",
            Self::StartInFuture => "granted_at",
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoEndDate => "no_end_date",
            Self::EndBeforeStart => "end_before_start",
            Self::TooLong { .. } => "too_long",
            Self::NoCategories => "no_categories",
            Self::NoPurpose => "no_purpose",
            Self::NoEvidence => "no_evidence",
            Self::VerbalNotAllowed => "verbal_not_allowed",
            Self::GuardianRequired => "guardian_required",
            Self::AbuserCannotConsent => "abuser_cannot_consent",
            Self::SameOrganisation => "same_organisation",
            Self::StartInFuture => "start_in_future",
        }
    }
}

/// A release that passed every check: its expiry is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidConsent {
    pub draft: ConsentDraft,
    pub expires_at: OffsetDateTime,
}

/// Checks a release against the rules. A release with no end is refused: the default
/// duration is what a form offers, not what a missing answer means.
pub fn validate(
    draft: ConsentDraft,
    subject: Subject,
    rules: &ConsentRules,
    now: OffsetDateTime,
) -> Result<ValidConsent, ConsentError> {
    if draft.recipient_org == subject.owning_org {
        return Err(ConsentError::SameOrganisation);
    }
    if draft.categories.is_empty() {
        return Err(ConsentError::NoCategories);
    }
    if draft.purpose.trim().is_empty() {
        return Err(ConsentError::NoPurpose);
    }
    if draft.evidence.trim().is_empty() {
        return Err(ConsentError::NoEvidence);
    }
    if draft.method == ConsentMethod::VerbalWitnessed && !rules.verbal_allowed {
        return Err(ConsentError::VerbalNotAllowed);
    }
    if draft.granted_at > now {
        return Err(ConsentError::StartInFuture);
    }
    let expires_at = draft.expires_at.ok_or(ConsentError::NoEndDate)?;
    if expires_at <= draft.granted_at {
        return Err(ConsentError::EndBeforeStart);
    }
    if expires_at - draft.granted_at > Duration::days(i64::from(rules.max_days)) {
        return Err(ConsentError::TooLong {
            max_days: rules.max_days,
        });
    }
    let guardian_named = draft
        .guardian
        .as_deref()
        .is_some_and(|g| !g.trim().is_empty());
    let needs_guardian = match draft.signer {
        Signer::Survivor => subject.minor && !rules.minor_may_consent_alone,
        Signer::MinorAndGuardian | Signer::Guardian => true,
    };
    if needs_guardian && (!guardian_named || draft.signer == Signer::Survivor) {
        return Err(ConsentError::GuardianRequired);
    }
    if guardian_named && subject.guardian_is_suspected_abuser {
        return Err(ConsentError::AbuserCannotConsent);
    }
    Ok(ValidConsent { draft, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use uuid::Uuid;

    fn org(n: u8) -> OrgId {
        OrgId::from_uuid(Uuid::from_bytes([n; 16]))
    }

    fn draft() -> ConsentDraft {
        ConsentDraft {
            recipient_org: org(2),
            categories: [DataCategory::Medical].into(),
            purpose: "medical follow-up".into(),
            method: ConsentMethod::SignedForm,
            evidence: "form 17".into(),
            signer: Signer::Survivor,
            guardian: None,
            granted_at: datetime!(2026-01-01 0:00 UTC),
            expires_at: Some(datetime!(2026-03-01 0:00 UTC)),
        }
    }

    fn adult() -> Subject {
        Subject {
            minor: false,
            guardian_is_suspected_abuser: false,
            owning_org: org(1),
        }
    }

    const NOW: OffsetDateTime = datetime!(2026-01-02 0:00 UTC);

    fn check(d: ConsentDraft, s: Subject) -> Result<ValidConsent, ConsentError> {
        validate(d, s, &ConsentRules::default(), NOW)
    }

    #[test]
    fn an_adult_signed_release_is_accepted() {
        assert!(check(draft(), adult()).is_ok());
    }

    #[test]
    fn every_missing_piece_is_refused_with_its_field() {
        let cases: Vec<(ConsentDraft, ConsentError)> = vec![
            (
                ConsentDraft {
                    expires_at: None,
                    ..draft()
                },
                ConsentError::NoEndDate,
            ),
            (
                ConsentDraft {
                    expires_at: Some(datetime!(2025-12-31 0:00 UTC)),
                    ..draft()
                },
                ConsentError::EndBeforeStart,
            ),
            (
                ConsentDraft {
                    expires_at: Some(datetime!(2027-06-01 0:00 UTC)),
                    ..draft()
                },
                ConsentError::TooLong { max_days: 365 },
            ),
            (
                ConsentDraft {
                    categories: BTreeSet::new(),
                    ..draft()
                },
                ConsentError::NoCategories,
            ),
            (
                ConsentDraft {
                    evidence: " ".into(),
                    ..draft()
                },
                ConsentError::NoEvidence,
            ),
            (
                ConsentDraft {
                    method: ConsentMethod::VerbalWitnessed,
                    ..draft()
                },
                ConsentError::VerbalNotAllowed,
            ),
            (
                ConsentDraft {
                    recipient_org: org(1),
                    ..draft()
                },
                ConsentError::SameOrganisation,
            ),
        ];
        for (d, want) in cases {
            assert_eq!(check(d, adult()), Err(want));
        }
    }

    #[test]
    fn a_minor_needs_a_guardian_who_is_not_the_abuser() {
        let minor = Subject {
            minor: true,
            ..adult()
        };
        assert_eq!(check(draft(), minor), Err(ConsentError::GuardianRequired));
        let with_guardian = ConsentDraft {
            signer: Signer::MinorAndGuardian,
            guardian: Some("A. Guardian".into()),
            ..draft()
        };
        assert!(check(with_guardian.clone(), minor).is_ok());
        let abuser = Subject {
            guardian_is_suspected_abuser: true,
            ..minor
        };
        assert_eq!(
            check(with_guardian, abuser),
            Err(ConsentError::AbuserCannotConsent)
        );
    }
}
