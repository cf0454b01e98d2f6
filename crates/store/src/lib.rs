//! The storage interface: one trait, implemented once per backend (`haven-store-sqlite`,
//! `haven-store-postgres`), and one conformance suite both must pass.
//!
//! The trait speaks in rows that are already encrypted: a store never sees a key or a
//! plaintext personal field. Every method that changes survivor data takes the audit entry
//! that records it and writes both in one transaction, chaining the entry onto the log's head
//! inside that transaction, so a change can never land unaudited.
//!
//! Wrapped data keys live in a keystore apart from the data — its own SQLite file, or its own
//! PostgreSQL schema — so erasure by key destruction reaches every copy of the data.

mod board;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
mod history;
mod rows;
mod sharing;
mod sharing_rows;
#[cfg(feature = "sqlx")]
pub mod sqlx_support;

pub use board::{BoardCursor, BoardQuery};
pub use error::StoreError;
pub use history::{
    CaseHistory, EVENT_KIND_SQL, HistoryCounts, HistoryWindow, NOTE_EVENT, Placeholders,
    event_counts_sql, event_kind, holds_all, newest_events_sql, newest_notes_sql, note_counts_sql,
};
pub use rows::*;
pub use sharing::{Revocation, SharingStore};
pub use sharing_rows::*;

use haven_domain::audit::{AuditRecord, ChainHead};
use haven_domain::{CaseId, KeyId, OrgId, SurvivorId, TaskId, TokenId, UserId};
use std::future::Future;
use uuid::Uuid;

/// Where a database stands relative to this binary's migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaState {
    /// No Haven schema at all: `haven init` has not run here.
    Uninitialised,
    /// Migrations this binary knows are pending.
    Behind {
        applied: i64,
        latest: i64,
    },
    Current {
        version: i64,
    },
    /// The database was migrated by a newer Haven: refuse to touch it.
    Newer {
        applied: i64,
        latest: i64,
    },
}

impl SchemaState {
    /// The state given the highest applied migration (if any) and this binary's latest.
    pub fn from_versions(applied: Option<i64>, latest: i64) -> Self {
        match applied {
            None => Self::Uninitialised,
            Some(v) if v > latest => Self::Newer { applied: v, latest },
            Some(v) if v < latest => Self::Behind { applied: v, latest },
            Some(v) => Self::Current { version: v },
        }
    }

    /// The state of an installation made of two schemas (data and keystore): the worst of
    /// the two, so that either being newer refuses start-up.
    pub fn combine(a: Self, b: Self) -> Self {
        use SchemaState::*;
        match (a, b) {
            (n @ Newer { .. }, _) | (_, n @ Newer { .. }) => n,
            (Uninitialised, Uninitialised) => Uninitialised,
            (Current { version }, Current { .. }) => Current { version },
            (b @ Behind { .. }, _) | (_, b @ Behind { .. }) => b,
            // One part exists, the other does not: migrating completes it.
            (Uninitialised, Current { version }) | (Current { version }, Uninitialised) => Behind {
                applied: 0,
                latest: version,
            },
        }
    }
}

/// The storage backend. Implementations are cheap to clone (they hold pools).
pub trait Store: SharingStore + Clone + Send + Sync + 'static {
    /// The backend's name for messages: `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;

    /// Reads the schema version without changing anything.
    fn schema_state(&self) -> impl Future<Output = Result<SchemaState, StoreError>> + Send;
    /// Applies pending migrations. Refuses a newer schema.
    fn migrate(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// A cheap round trip to the database, for `/readyz`.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;

    // --- keystore -------------------------------------------------------------------------

    /// Records the value proving KEK `version` belongs to this installation.
    fn put_kek_check(
        &self,
        version: u32,
        check: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn kek_checks(&self) -> impl Future<Output = Result<Vec<(u32, Vec<u8>)>, StoreError>> + Send;
    fn delete_kek_checks_before(
        &self,
        version: u32,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Stores freshly wrapped data keys, durably, in one transaction.
    fn insert_data_keys(
        &self,
        keys: &[WrappedKey],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn data_key(
        &self,
        id: KeyId,
    ) -> impl Future<Output = Result<Option<WrappedKey>, StoreError>> + Send;
    /// The keys among `ids` that exist (a destroyed key is simply missing), in no particular
    /// order: one read for a page of records.
    fn data_keys(
        &self,
        ids: &[KeyId],
    ) -> impl Future<Output = Result<Vec<WrappedKey>, StoreError>> + Send;
    /// Data keys in id order after `after`, for rotation.
    fn data_keys_page(
        &self,
        after: Option<KeyId>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<WrappedKey>, StoreError>> + Send;
    /// Replaces the wrapping of existing keys (same ids), in one transaction.
    fn rewrap_data_keys(
        &self,
        keys: &[WrappedKey],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// How many data keys are wrapped under each KEK version.
    fn data_keys_by_kek(&self) -> impl Future<Output = Result<Vec<(u32, u64)>, StoreError>> + Send;

    // --- organisations --------------------------------------------------------------------

    fn insert_org(
        &self,
        org: &OrgRow,
        audit: &[u8],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    fn org(&self, id: OrgId) -> impl Future<Output = Result<Option<OrgRow>, StoreError>> + Send;

    // --- survivors ------------------------------------------------------------------------

    /// Inserts a survivor and its blind-index entries with its audit entry. Returns the
    /// entry's sequence number.
    fn insert_survivor(
        &self,
        row: &SurvivorRow,
        audit: &[u8],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Many intakes in one transaction (bulk loads such as demo data): all or nothing.
    fn insert_intakes(
        &self,
        batch: &[IntakeRecord],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn survivor(
        &self,
        id: SurvivorId,
    ) -> impl Future<Output = Result<Option<SurvivorRow>, StoreError>> + Send;
    /// Applies an edit of a survivor's record with its audit entry, in one transaction.
    /// Returns `Ok(None)` if there is no such survivor, and `StoreError::Stale`, with
    /// nothing written, if the record is no longer the one the edit was based on.
    fn update_survivor(
        &self,
        edit: &SurvivorEdit,
        audit: &[u8],
    ) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send;
    /// Every case flagged minor, with its survivor (for the review of who has come of age).
    fn minor_cases(
        &self,
    ) -> impl Future<Output = Result<Vec<(CaseId, SurvivorId)>, StoreError>> + Send;
    /// Clears a case's minor flag with a timeline event and its audit entry, in one
    /// transaction; `false`, and nothing written, if the case is gone or no longer flagged.
    fn clear_minor(
        &self,
        case: CaseId,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Survivors with `value` in the blind index `name`: at most `limit`, lowest ids first.
    fn survivors_by_index(
        &self,
        name: &str,
        value: u32,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<SurvivorId>, StoreError>> + Send;
    /// Erases a survivor: first destroys the data key (durably, on its own if the keystore is
    /// a separate file), then deletes the row and its index entries with the audit entry, and
    /// finally purges freed pages so no ciphertext or key stays in the live files.
    /// Returns `Ok(None)` if there is no such survivor.
    fn erase_survivor(
        &self,
        id: SurvivorId,
        audit: &[u8],
    ) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send;

    // --- audit log ------------------------------------------------------------------------

    /// Appends an entry that accompanies no data change (a view, a checkpoint, a denial).
    /// Durable when it returns.
    fn append_audit(&self, body: &[u8]) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// The head recorded at the last append.
    fn audit_head(&self) -> impl Future<Output = Result<ChainHead, StoreError>> + Send;
    /// Entries with `seq > after`, in order, at most `limit`.
    fn audit_page(
        &self,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<AuditRecord>, StoreError>> + Send;
    fn insert_checkpoint(
        &self,
        checkpoint: &CheckpointRow,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn latest_checkpoint(
        &self,
    ) -> impl Future<Output = Result<Option<CheckpointRow>, StoreError>> + Send;

    // --- the audit log's index of targets -------------------------------------------------
    // Which record each entry names as its target, so the entries about one survivor are
    // read without reading the whole log. Derived from the log and kept a little behind it:
    // whoever needs it current first indexes the entries past its size
    // (`Haven::catch_up_audit_index`).

    /// How many entries, from the first, the index covers.
    fn audit_index_size(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Records `targets` (sequence number, target id) for entries `from + 1 ..= to` and
    /// moves the index to `to`, in one transaction, if it still covers `from`; `false`, with
    /// nothing written, if another process moved it first.
    fn extend_audit_index(
        &self,
        from: u64,
        to: u64,
        targets: &[(u64, Uuid)],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The indexed entries whose target is one of `targets`, in order.
    fn audit_entries_about(
        &self,
        targets: &[Uuid],
    ) -> impl Future<Output = Result<Vec<AuditRecord>, StoreError>> + Send;
    /// The index's rows for entries `after + 1 ..= upto`, in order.
    fn audit_index_rows(
        &self,
        after: u64,
        upto: u64,
    ) -> impl Future<Output = Result<Vec<(u64, Uuid)>, StoreError>> + Send;
    /// Empties the index, to build it again from the log.
    fn clear_audit_index(&self) -> impl Future<Output = Result<(), StoreError>> + Send;

    // --- staff, sessions, tokens ----------------------------------------------------------

    fn orgs(&self) -> impl Future<Output = Result<Vec<OrgRow>, StoreError>> + Send;
    fn insert_user(
        &self,
        user: &UserRow,
        audit: &[u8],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    fn user(&self, id: UserId) -> impl Future<Output = Result<Option<UserRow>, StoreError>> + Send;
    fn user_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = Result<Option<UserRow>, StoreError>> + Send;
    fn users_in_org(
        &self,
        org: OrgId,
    ) -> impl Future<Output = Result<Vec<UserRow>, StoreError>> + Send;
    /// Writes the user's sign-in, security and administrative fields (not the preferences:
    /// `set_preferences`), with an audit entry when one is given — only if the stored account
    /// is still at `user.row_version`, which the write bumps; otherwise `StoreError::Stale`
    /// and nothing is written.
    fn update_user(
        &self,
        user: &UserRow,
        audit: Option<&[u8]>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Writes the person's own preferences and no other column of the account.
    fn set_preferences(
        &self,
        user: UserId,
        preferences: &Preferences,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn replace_recovery_codes(
        &self,
        user: UserId,
        hashes: &[[u8; 32]],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Marks an unused recovery code used; `false` if there is none such.
    fn use_recovery_code(
        &self,
        user: UserId,
        hash: &[u8; 32],
        at: time::OffsetDateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    fn insert_session(
        &self,
        session: &SessionRow,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn session(
        &self,
        token_hash: &[u8; 32],
    ) -> impl Future<Output = Result<Option<SessionRow>, StoreError>> + Send;
    fn touch_session(
        &self,
        token_hash: &[u8; 32],
        at: time::OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn delete_session(
        &self,
        token_hash: &[u8; 32],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Remembers a browser that signed in, in one transaction with forgetting `replacing`
    /// (the device it signed in from, whose cookie it replaces), the account's devices
    /// remembered before `expired_before`, and all but the account's newest `keep`.
    fn remember_device(
        &self,
        device: &KnownDeviceRow,
        replacing: Option<&[u8; 32]>,
        expired_before: time::OffsetDateTime,
        keep: u32,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn known_device(
        &self,
        token_hash: &[u8; 32],
    ) -> impl Future<Output = Result<Option<KnownDeviceRow>, StoreError>> + Send;
    /// Counts a failed sign-in from a known device, and forgets the device once it has
    /// failed `forget_at` times.
    fn known_device_failed(
        &self,
        token_hash: &[u8; 32],
        forget_at: u32,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn insert_api_token(
        &self,
        token: &ApiTokenRow,
        audit: &[u8],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    fn api_token_by_hash(
        &self,
        token_hash: &[u8; 32],
    ) -> impl Future<Output = Result<Option<ApiTokenRow>, StoreError>> + Send;
    /// An API token with its account, for authenticating a request. Backends that can read
    /// both at once override this.
    fn api_token_with_user(
        &self,
        token_hash: &[u8; 32],
    ) -> impl Future<Output = Result<Option<(ApiTokenRow, UserRow)>, StoreError>> + Send {
        async move {
            let Some(token) = self.api_token_by_hash(token_hash).await? else {
                return Ok(None);
            };
            Ok(self.user(token.user).await?.map(|user| (token, user)))
        }
    }
    fn api_tokens_of(
        &self,
        user: UserId,
    ) -> impl Future<Output = Result<Vec<ApiTokenRow>, StoreError>> + Send;
    /// Revokes one token (if not already), with its audit entry; `false` if none was live.
    fn revoke_api_token(
        &self,
        id: TokenId,
        at: time::OffsetDateTime,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    // --- cases ----------------------------------------------------------------------------

    /// Inserts a case with its first team, its first timeline event and its audit entry,
    /// only while its survivor's record belongs to `survivor_owner` (the owner its writer
    /// read; `StoreError::Stale`, and nothing written, otherwise): a case opened for a
    /// record while a transfer moves it would stay behind with the sender.
    fn insert_case(
        &self,
        case: &CaseRow,
        survivor_owner: OrgId,
        team: &[UserId],
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    fn case(
        &self,
        id: CaseId,
    ) -> impl Future<Output = Result<Option<(CaseRow, Vec<UserId>)>, StoreError>> + Send;
    /// A page of the cases whose team includes `user` (see [`BoardQuery`]), each with its
    /// team, its survivor's row and its tasks: all of it read in one snapshot.
    fn member_board(
        &self,
        user: UserId,
        page: &BoardQuery,
    ) -> impl Future<Output = Result<Vec<BoardCase>, StoreError>> + Send;
    /// Applies `change` to a case, with a timeline event and an audit entry, in one
    /// transaction; `StoreError::Stale`, and nothing written, when a status change finds the
    /// case no longer where the writer saw it.
    ///
    /// This and every other write to a case that names an `owner` — the organisation its
    /// writer acted for, and for a ciphertext the one it is sealed for — goes in only while
    /// the case still belongs to that organisation; otherwise `StoreError::Stale` and nothing
    /// is written. An accepted transfer moves a case between a writer's read and its write:
    /// a note sealed for the sender could never be opened again, and a status, team or plan
    /// change would land on a case its writer no longer holds.
    fn update_case(
        &self,
        case: CaseId,
        owner: OrgId,
        change: &CaseChange,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Adds a member to a case team (no-op if present), with a timeline event and audit entry.
    fn add_team_member(
        &self,
        case: CaseId,
        owner: OrgId,
        user: UserId,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Removes a member from a case team, with a timeline event and audit entry; `false`
    /// (and nothing written) if they were not on it.
    fn remove_team_member(
        &self,
        case: CaseId,
        owner: OrgId,
        user: UserId,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// A case with its team and, when its survivor is still there, what a view of it shows
    /// ([`CaseContents`]), its notes and timeline as far as `window` reaches — everything a
    /// case view reads, in one snapshot, so the policy decides on the team the contents
    /// were read with (SQLite: one read transaction; PostgreSQL: one read-only
    /// `REPEATABLE READ` transaction).
    fn case_view(
        &self,
        id: CaseId,
        window: HistoryWindow,
    ) -> impl Future<Output = Result<Option<LoadedCase>, StoreError>> + Send;
    fn case_events(
        &self,
        case: CaseId,
    ) -> impl Future<Output = Result<Vec<CaseEvent>, StoreError>> + Send;
    /// Written only while the case belongs to `owner` (see [`Store::update_case`]).
    fn insert_note(
        &self,
        note: &NoteRow,
        owner: OrgId,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn notes_of_case(
        &self,
        case: CaseId,
    ) -> impl Future<Output = Result<Vec<NoteRow>, StoreError>> + Send;
    fn insert_task(
        &self,
        task: &TaskRow,
        owner: OrgId,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn tasks_of_case(
        &self,
        case: CaseId,
    ) -> impl Future<Output = Result<Vec<TaskRow>, StoreError>> + Send;
    /// Marks an open task done; `false` if there is no such open task in that case.
    fn complete_task(
        &self,
        case: CaseId,
        owner: OrgId,
        task: TaskId,
        at: time::OffsetDateTime,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    fn insert_goal(
        &self,
        goal: &GoalRow,
        owner: OrgId,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn goals_of_case(
        &self,
        case: CaseId,
    ) -> impl Future<Output = Result<Vec<GoalRow>, StoreError>> + Send;
    /// Sets a goal's status (and when it closed); `false` if the case has no such goal.
    fn set_goal_status(
        &self,
        goal: &GoalRow,
        owner: OrgId,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The survivor's cases, each with its team.
    fn cases_of_survivor(
        &self,
        survivor: SurvivorId,
    ) -> impl Future<Output = Result<Vec<(CaseRow, Vec<UserId>)>, StoreError>> + Send;
}
