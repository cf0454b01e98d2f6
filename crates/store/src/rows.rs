//! Rows as the stores hold them: ids, timestamps and ciphertext. No plaintext personal data.

use haven_domain::{CaseId, KeyId, NoteId, OrgId, SurvivorId, TaskId, TokenId, UserId};
use time::Date;

use time::OffsetDateTime;

pub use haven_crypto::envelope::WrappedKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRow {
    pub id: OrgId,
    pub name: String,
    pub kind: String,
    pub created_at: OffsetDateTime,
}

/// The encrypted personal fields of a survivor, one ciphertext per column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SurvivorCiphertexts {
    pub pseudonym: Vec<u8>,
    pub legal_name: Option<Vec<u8>>,
    pub aliases: Option<Vec<u8>>,
    pub date_of_birth: Option<Vec<u8>>,
    pub phone: Option<Vec<u8>>,
    pub email: Option<Vec<u8>>,
    pub safe_contact: Option<Vec<u8>>,
    /// Further identity details (gender, nationality, languages, interpreter need, estimated
    /// age), one encrypted JSON document.
    pub details: Option<Vec<u8>>,
}

/// Coarse, non-identifying fields kept in the clear for aggregate reporting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoarseFields {
    pub age_band: String,
    pub gender: String,
    pub nationality_region: String,
}

impl Default for CoarseFields {
    fn default() -> Self {
        Self {
            age_band: "unknown".into(),
            gender: "unknown".into(),
            nationality_region: "unknown".into(),
        }
    }
}

/// One blind-index entry: which index, and the truncated value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub name: String,
    pub value: u32,
}

/// A survivor's record edited: every sealed field and its index entries replaced, the
/// minor flag of their cases set again (it follows the date of birth), and a timeline
/// event on the case the edit was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurvivorEdit {
    pub id: SurvivorId,
    /// The pseudonym's ciphertext as the edit read it. Every write seals it afresh under a
    /// new nonce, so it stands for the record's version: the edit is applied only if it is
    /// still the stored one (otherwise `StoreError::Stale`), and two people editing
    /// different parts at once cannot undo each other.
    pub based_on: Vec<u8>,
    pub fields: SurvivorCiphertexts,
    pub coarse: CoarseFields,
    pub index: Vec<IndexEntry>,
    pub minor: bool,
    pub event: CaseEvent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurvivorRow {
    pub id: SurvivorId,
    pub org: OrgId,
    pub key_id: KeyId,
    pub created_at: OffsetDateTime,
    pub fields: SurvivorCiphertexts,
    pub coarse: CoarseFields,
    /// Written with the row; not read back by `survivor()`.
    pub index: Vec<IndexEntry>,
}

/// A signed audit checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRow {
    pub size: u64,
    pub head: [u8; 32],
    pub at: OffsetDateTime,
    pub public_key: [u8; 32],
    pub signature: [u8; 64],
}

/// A staff account with its authentication state. The TOTP secret is ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: UserId,
    pub org: OrgId,
    pub email: String,
    pub display_name: String,
    /// Role names, as `haven_domain::access::Role` spells them.
    pub roles: Vec<String>,
    pub password_hash: String,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_last_step: Option<u64>,
    pub totp_failures: u32,
    pub totp_locked_until: Option<OffsetDateTime>,
    pub failed_logins: u32,
    pub failed_window_start: Option<OffsetDateTime>,
    pub must_change_password: bool,
    /// Bumped when every session and token must end (disable, password change, MFA reset).
    pub security_epoch: u64,
    pub disabled_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    /// The pages' language (`en`, `es`); `None` follows the browser.
    pub language: Option<String>,
    /// The IANA time zone the pages show times in; `None` shows them in UTC.
    pub time_zone: Option<String>,
    /// The version this row was read at (0 when created). `Store::update_user` writes only
    /// if the stored account is still at it, and bumps it.
    pub row_version: u64,
}

/// What a person sets for their own pages. Written on its own (`Store::set_preferences`),
/// so a change of language cannot overwrite sign-in counters written meanwhile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preferences {
    /// The pages' language (`en`, `es`); `None` follows the browser.
    pub language: Option<String>,
    /// The IANA time zone the pages show times in; `None` shows them in UTC.
    pub time_zone: Option<String>,
}

/// A signed-in browser session; only the token's hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub token_hash: [u8; 32],
    pub user: UserId,
    pub csrf_token: String,
    pub mfa_verified: bool,
    pub security_epoch: u64,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// A browser that has signed in to an account with both factors (a known device). Only its
/// cookie's hash is stored, with no address or description of the browser. Signing in from
/// it is counted against its own failures, not against the account's or the address's, so
/// someone guessing at an account from elsewhere cannot lock its owner out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDeviceRow {
    pub token_hash: [u8; 32],
    pub user: UserId,
    /// The account's security epoch when the device was remembered: a password change or
    /// reset, a new second factor, or disabling the account forgets every device.
    pub security_epoch: u64,
    pub created_at: OffsetDateTime,
    /// Sign-ins from it that failed since it was remembered.
    pub failures: u32,
}

/// An API token; only the token's hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRow {
    pub id: TokenId,
    pub user: UserId,
    pub name: String,
    pub token_hash: [u8; 32],
    pub created_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A case: one organisation's work with one survivor. No personal data: codes and flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub id: CaseId,
    pub survivor: SurvivorId,
    pub org: OrgId,
    pub created_at: OffsetDateTime,
    pub status: String,
    pub exploitation: String,
    /// Polaris type numbers.
    pub trafficking_types: Vec<u8>,
    pub minor: bool,
    pub safety_risk: bool,
    pub immigration_sensitive: bool,
}

impl CaseRow {
    /// A new open case with no classification yet.
    pub fn opened(id: CaseId, survivor: SurvivorId, org: OrgId, at: OffsetDateTime) -> Self {
        Self {
            id,
            survivor,
            org,
            created_at: at,
            status: "open".into(),
            exploitation: "other".into(),
            trafficking_types: Vec::new(),
            minor: false,
            safety_risk: false,
            immigration_sensitive: false,
        }
    }
}

/// What a write of a case changes; the columns it does not name are left as they are, so
/// writes of different things made at once do not undo each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseChange {
    /// A step of the lifecycle, written only if the case is still at `from` (otherwise
    /// `StoreError::Stale` and nothing is written): two people moving one case at once
    /// cannot both have moved it from where they saw it. A reopening's `reason` goes in
    /// with the step, in its transaction: the case is reopened with its reason, or not.
    Status {
        from: String,
        to: String,
        reason: Option<Box<NoteWrite>>,
    },
    /// Classification and flags; `None` leaves a column as it is (a writer writes only the
    /// categories it may).
    Classification {
        /// The exploitation type and the Polaris type numbers, written together.
        exploitation: Option<(String, Vec<u8>)>,
        safety_risk: Option<bool>,
        immigration_sensitive: Option<bool>,
    },
}

/// One line of a case's timeline. `detail` is a code, never personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEvent {
    pub case: CaseId,
    pub at: OffsetDateTime,
    pub kind: String,
    pub actor: Option<UserId>,
    pub detail: String,
}

/// A note; the body is ciphertext under the survivor's data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteRow {
    pub id: NoteId,
    pub case: CaseId,
    pub category: String,
    pub author: UserId,
    pub created_at: OffsetDateTime,
    pub body: Vec<u8>,
}

/// A note with its timeline event and audit entry, written with another change to its
/// case (see [`CaseChange::Status`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteWrite {
    pub note: NoteRow,
    pub event: CaseEvent,
    pub audit: Vec<u8>,
}

/// A task in a case plan; the title is ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    pub id: TaskId,
    pub case: CaseId,
    pub title: Vec<u8>,
    pub due_on: Date,
    pub done_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

/// Everything a case view shows beside the case row and its team (`Store::case_view`):
/// the survivor's row, notes, tasks, goals and timeline. Notes and timeline are oldest
/// first, as far as the read's [`crate::HistoryWindow`] reaches; `counts` says how many
/// there are in all when the window was not the whole history (`None` when it was: the
/// rows are all there is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseContents {
    pub survivor: SurvivorRow,
    pub notes: Vec<NoteRow>,
    pub tasks: Vec<TaskRow>,
    pub goals: Vec<GoalRow>,
    pub events: Vec<CaseEvent>,
    pub counts: Option<crate::HistoryCounts>,
}

/// A case, its team and its contents (`Store::case_view`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedCase {
    pub case: CaseRow,
    pub team: Vec<UserId>,
    /// `None` when the survivor's record is gone.
    pub contents: Option<CaseContents>,
}

/// A line of a member's dashboard (`Store::member_board`): a case, its team, its
/// survivor's row and its tasks, read together so the policy decides on the team the
/// tasks were read with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardCase {
    pub case: CaseRow,
    pub team: Vec<UserId>,
    /// `None` when the survivor's record is gone.
    pub survivor: Option<SurvivorRow>,
    pub tasks: Vec<TaskRow>,
}

/// A goal of a case plan; the title is ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalRow {
    pub id: haven_domain::GoalId,
    pub case: CaseId,
    pub title: Vec<u8>,
    pub status: String,
    pub created_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
}

/// A survivor and their first case, with both audit entries: one intake, for batch loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeRecord {
    pub survivor: SurvivorRow,
    pub survivor_audit: Vec<u8>,
    pub case: CaseRow,
    pub team: Vec<UserId>,
    pub event: CaseEvent,
    pub case_audit: Vec<u8>,
}
