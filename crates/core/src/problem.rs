//! Why input was refused: a stable reason code, the values its message needs, and the
//! message in English and Spanish (Fluent files in `crates/core/locales`, compiled in).
//! The CLI and the API's `message` read English; pages render the reader's language; the
//! API also returns the code as `reason`. Messages never carry the refused value itself.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use haven_domain::case::TransitionError;
use haven_domain::consent::ConsentError;
use haven_domain::referral::{DeclineReason, Move, MoveInputError, Outcome};
use haven_domain::staff::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordRejection};
use haven_domain::survivor::FieldError;
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static PROBLEMS = {
        locales: "./locales",
        fallback_language: "en-US",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

macro_rules! reasons {
    ($($variant:ident => $code:literal),* $(,)?) => {
        /// A reason input was refused; its code is stable (API `reason`, Fluent
        /// `problem-<code>`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Reason { $($variant),* }

        impl Reason {
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),*];
            pub const fn code(self) -> &'static str {
                match self { $(Reason::$variant => $code),* }
            }
        }
    };
}

reasons! {
    FieldRequired => "field_required",
    FieldTooLong => "field_too_long",
    FieldControlCharacters => "field_control_characters",
    BirthInFuture => "birth_in_future",
    BirthTooLongAgo => "birth_too_long_ago",
    EstimatedAge => "estimated_age",
    DateFormat => "date_format",
    AgeInYears => "age_in_years",
    OneOf => "one_of",
    ChooseFromList => "choose_from_list",
    NotAUserId => "not_a_user_id",
    NotAnId => "not_an_id",
    NotBase64 => "not_base64",
    FormUnreadable => "form_unreadable",
    TraffickingType => "trafficking_type",
    DueDateRequired => "due_date_required",
    StatusNotAllowed => "status_not_allowed",
    ReopenReasonRequired => "reopen_reason_required",
    TeamNotColleague => "team_not_colleague",
    NotOnTeam => "not_on_team",
    TeamNeedsCaseManager => "team_needs_case_manager",
    NoSuchColleague => "no_such_colleague",
    NoteEmpty => "note_empty",
    NoteTooLong => "note_too_long",
    TaskTitle => "task_title",
    GoalTitle => "goal_title",
    SearchLength => "search_length",
    TextTooLong => "text_too_long",
    MessageLength => "message_length",
    TotpCodeWrong => "totp_code_wrong",
    TokenName => "token_name",
    NoSecondFactor => "no_second_factor",
    EmailInvalid => "email_invalid",
    DisplayName => "display_name",
    RolesRequired => "roles_required",
    DisableSelf => "disable_self",
    ResetOwnPassword => "reset_own_password",
    CurrentPasswordWrong => "current_password_wrong",
    LanguageUnknown => "language_unknown",
    TimeZoneUnknown => "time_zone_unknown",
    ScanType => "scan_type",
    NoSuchOrganisation => "no_such_organisation",
    ConsentNoEndDate => "consent_no_end_date",
    ConsentEndBeforeStart => "consent_end_before_start",
    ConsentTooLong => "consent_too_long",
    ConsentNoCategories => "consent_no_categories",
    ConsentNoPurpose => "consent_no_purpose",
    ConsentNoEvidence => "consent_no_evidence",
    ConsentVerbalNotAllowed => "consent_verbal_not_allowed",
    ConsentGuardianRequired => "consent_guardian_required",
    ConsentAbuserCannotConsent => "consent_abuser_cannot_consent",
    ConsentSameOrganisation => "consent_same_organisation",
    ConsentStartInFuture => "consent_start_in_future",
    AdversaryName => "adversary_name",
    RelationshipCode => "relationship_code",
    ServiceUnknown => "service_unknown",
    ServiceInactive => "service_inactive",
    ServiceNotOnHaven => "service_not_on_haven",
    ServiceOwnOrganisation => "service_own_organisation",
    NoReleaseForOrganisation => "no_release_for_organisation",
    ReferralOutOfOrder => "referral_out_of_order",
    TransferTarget => "transfer_target",
    TransferDecision => "transfer_decision",
    DirectoryInvalid => "directory_invalid",
    TeamChanged => "team_changed",
    AccountChanged => "account_changed",
    CaseChanged => "case_changed",
    RecordChanged => "record_changed",
    ChangedMeanwhile => "changed_meanwhile",
    EmailTaken => "email_taken",
    TransferWaiting => "transfer_waiting",
    TransferDecided => "transfer_decided",
    NoReleaseInForce => "no_release_in_force",
    ReferralMovedOn => "referral_moved_on",
    PasswordTooShort => "password_too_short",
    PasswordTooLong => "password_too_long",
    PasswordCommon => "password_common",
    PasswordContainsContext => "password_contains_context",
    PageSize => "page_size",
    PagePosition => "page_position",
}

/// A reason with the values its message names (limits, states, field names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    reason: Reason,
    args: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(reason: Reason) -> Self {
        Self {
            reason,
            args: Vec::new(),
        }
    }

    /// Adds a value the message names, e.g. `.with("max", 300)`.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    /// A value that must be one of `choices`, which the message lists.
    pub fn one_of<'a>(choices: impl IntoIterator<Item = &'a str>) -> Self {
        let choices: Vec<&str> = choices.into_iter().collect();
        Self::new(Reason::OneOf).with("choices", choices.join(", "))
    }

    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// The message in a language by its code (`en`, `es`); English for any other.
    pub fn text(&self, lang: &str) -> String {
        let id = language(lang);
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = self
            .args
            .iter()
            .map(|(name, value)| {
                // A field is named as the reader's language names it, where it can be.
                let shown = match *name {
                    "field" => PROBLEMS
                        .try_lookup(&id, &format!("field-{value}"))
                        .unwrap_or_else(|| value.clone()),
                    _ => value.clone(),
                };
                (Cow::Borrowed(*name), FluentValue::from(shown))
            })
            .collect();
        PROBLEMS
            .try_lookup_with_args(&id, &format!("problem-{}", self.reason.code()), &args)
            .unwrap_or_else(|| self.reason.code().to_owned())
    }
}

impl From<Reason> for Problem {
    fn from(reason: Reason) -> Self {
        Self::new(reason)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text("en"))
    }
}

impl From<&FieldError> for Problem {
    fn from(e: &FieldError) -> Self {
        match e {
            FieldError::Required { field } => {
                Problem::new(Reason::FieldRequired).with("field", field)
            }
            FieldError::TooLong { field, max } => Problem::new(Reason::FieldTooLong)
                .with("field", field)
                .with("max", max),
            FieldError::ControlCharacters { field } => {
                Problem::new(Reason::FieldControlCharacters).with("field", field)
            }
        }
    }
}

impl From<&ConsentError> for Problem {
    fn from(e: &ConsentError) -> Self {
        use ConsentError::*;
        match e {
            NoEndDate => Reason::ConsentNoEndDate.into(),
            EndBeforeStart => Reason::ConsentEndBeforeStart.into(),
            TooLong { max_days } => Problem::new(Reason::ConsentTooLong).with("max_days", max_days),
            NoCategories => Reason::ConsentNoCategories.into(),
            NoPurpose => Reason::ConsentNoPurpose.into(),
            NoEvidence => Reason::ConsentNoEvidence.into(),
            VerbalNotAllowed => Reason::ConsentVerbalNotAllowed.into(),
            GuardianRequired => Reason::ConsentGuardianRequired.into(),
            AbuserCannotConsent => Reason::ConsentAbuserCannotConsent.into(),
            SameOrganisation => Reason::ConsentSameOrganisation.into(),
            StartInFuture => Reason::ConsentStartInFuture.into(),
        }
    }
}

impl From<&TransitionError> for Problem {
    fn from(e: &TransitionError) -> Self {
        match e {
            TransitionError::NotAllowed { from, to } => Problem::new(Reason::StatusNotAllowed)
                .with("from", from)
                .with("to", to),
            TransitionError::ReasonRequired => Reason::ReopenReasonRequired.into(),
        }
    }
}

impl From<&PasswordRejection> for Problem {
    fn from(e: &PasswordRejection) -> Self {
        match e {
            PasswordRejection::TooShort => {
                Problem::new(Reason::PasswordTooShort).with("min", MIN_PASSWORD_CHARS)
            }
            PasswordRejection::TooLong => {
                Problem::new(Reason::PasswordTooLong).with("max", MAX_PASSWORD_CHARS)
            }
            PasswordRejection::Common => Reason::PasswordCommon.into(),
            PasswordRejection::ContainsContext => Reason::PasswordContainsContext.into(),
        }
    }
}

impl From<&MoveInputError> for Problem {
    fn from(e: &MoveInputError) -> Self {
        match e.field {
            "reason" => Problem::one_of(DeclineReason::ALL.iter().map(|r| r.as_str())),
            "outcome" => Problem::one_of(Outcome::ALL.iter().map(|o| o.as_str())),
            _ => Problem::one_of(Move::ACTIONS),
        }
    }
}

fn language(code: &str) -> LanguageIdentifier {
    match code {
        "es" => langid!("es"),
        _ => langid!("en-US"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every reason has a message in both languages, and the Spanish one is not the English.
    #[test]
    fn every_reason_is_written_in_english_and_spanish() {
        // Every value any message names, so a message resolves only if it is there.
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = [
            "field", "max", "min", "years", "choices", "from", "to", "kib", "max_days", "detail",
        ]
        .into_iter()
        .map(|name| (Cow::Borrowed(name), FluentValue::from("x")))
        .collect();
        for &reason in Reason::ALL {
            let key = format!("problem-{}", reason.code());
            let en = PROBLEMS.try_lookup_with_args(&langid!("en-US"), &key, &args);
            let es = PROBLEMS.try_lookup_with_args(&langid!("es"), &key, &args);
            assert!(en.is_some(), "{key} has no English message");
            assert!(es.is_some(), "{key} has no Spanish message");
            if reason != Reason::DirectoryInvalid {
                assert_ne!(en, es, "{key} is not translated");
            }
        }
    }

    #[test]
    fn values_and_field_names_appear_in_the_readers_language() {
        let p = Problem::new(Reason::NoteTooLong).with("max", 20_000);
        assert_eq!(p.to_string(), "a note has at most 20000 characters");
        assert_eq!(p.text("es"), "una nota tiene como máximo 20000 caracteres");
        let f = Problem::from(&FieldError::Required {
            field: "legal_name",
        });
        assert_eq!(f.text("en"), "the legal name is required");
        assert_eq!(f.text("es"), "falta el nombre legal");
        assert_eq!(f.text("fr"), f.text("en"));
    }
}
