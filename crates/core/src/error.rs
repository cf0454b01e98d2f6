//! The use-case layer's one error type. The web layer maps it to HTTP in one function; the
//! CLI prints it as one line. No variant carries personal data.

use crate::problem::Problem;
use haven_domain::survivor::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Absent, or not visible to the actor: the two are indistinguishable by design.
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0}")]
    Invalid(#[from] FieldError),
    #[error("{field}: {problem}")]
    InvalidInput {
        field: &'static str,
        problem: Problem,
    },
    #[error("{0}")]
    PasswordRejected(#[from] haven_domain::staff::PasswordRejection),
    /// The request was sound but the record has moved on (a race, a duplicate).
    #[error("{0}")]
    Conflict(Problem),
    /// Sign-in failed; deliberately says nothing about why.
    #[error("sign-in failed")]
    LoginFailed,
    /// No valid session or token.
    #[error("not signed in")]
    Unauthenticated,
    /// Visible, but this action is not the actor's to take.
    #[error("not permitted")]
    Forbidden,
    #[error(
        "the key file does not belong to this database (its key-encryption key does not open this installation's key check)"
    )]
    WrongKeyFile,
    #[error("the key file lacks key-encryption key version {0}, which this database still uses")]
    MissingKek(u32),
    #[error("this database is already initialised")]
    AlreadyInitialised,
    #[error(
        "key rotation stopped: {0} data keys are still wrapped under a retired key-encryption key"
    )]
    RotationIncomplete(u64),
    #[error(transparent)]
    Audit(#[from] crate::audit_log::AuditFault),
    /// Any store error but `Stale`, which arrives as a conflict (see `From<StoreError>`).
    #[error(transparent)]
    Store(haven_store::StoreError),
    /// Too many passwords are being checked at once for this one to wait its turn; nothing
    /// was done (see `auth::password_gate`).
    #[error("too many sign-ins are being checked at once")]
    Busy,
    /// Too many sign-ins have failed from this address lately; nothing was read or checked
    /// (see `auth::address_limit`).
    #[error("too many failed sign-ins from one address")]
    TooManyAttempts { retry_after: std::time::Duration },
    #[error(transparent)]
    Crypto(#[from] haven_crypto::CryptoError),
}

impl CoreError {
    /// Input refused for `field`, for the reason given.
    pub fn invalid(field: &'static str, problem: impl Into<Problem>) -> Self {
        Self::InvalidInput {
            field,
            problem: problem.into(),
        }
    }

    /// A store write refused because its record changed after it was read (a race), as a
    /// conflict for `reason` (409); any other store error as it is.
    pub(crate) fn changed_meanwhile(
        reason: crate::problem::Reason,
    ) -> impl Fn(haven_store::StoreError) -> Self {
        move |e| match e {
            haven_store::StoreError::Stale(_) => Self::Conflict(reason.into()),
            other => other.into(),
        }
    }

    /// Why input was refused, for a client to show in its reader's language.
    pub fn problem(&self) -> Option<Problem> {
        match self {
            Self::InvalidInput { problem, .. } => Some(problem.clone()),
            Self::Invalid(e) => Some(Problem::from(e)),
            Self::PasswordRejected(e) => Some(Problem::from(e)),
            Self::Conflict(problem) => Some(problem.clone()),
            _ => None,
        }
    }
}

/// A store error as a use case meets it. A write refused as stale wrote nothing, and the
/// same request sent again can succeed: a conflict (409 `changed_meanwhile`) wherever the
/// use case does not name its race itself ([`CoreError::changed_meanwhile`]), such as a
/// transaction PostgreSQL aborts to break a deadlock. Any other is the store's fault.
impl From<haven_store::StoreError> for CoreError {
    fn from(e: haven_store::StoreError) -> Self {
        match e {
            haven_store::StoreError::Stale(_) => {
                Self::Conflict(crate::problem::Reason::ChangedMeanwhile.into())
            }
            other => Self::Store(other),
        }
    }
}
