//! Haven's embedded backend: bundled SQLite in WAL mode with `synchronous=FULL`, so an
//! acknowledged write survives power loss (security.md §5.1). One writer connection per
//! file and a small pool of readers. `secure_delete` is on, and erasure truncates the WAL,
//! so a destroyed key leaves no copy in the live files.
//!
//! The keystore is a second SQLite file. Writes that touch both files are ordered so that a
//! crash between them is harmless: keys are stored before the rows that use them, and
//! destroyed before the rows they opened are deleted.

mod audit;
mod cases;
mod directory;
mod inline_reads;
mod keystore;
mod plan;
mod sharing;
mod staff;
mod survivor_edit;
mod survivors;
mod transfers;
mod write_tx;

use haven_store::sqlx_support as convert;
use haven_store::{SchemaState, StoreError};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
pub(crate) use write_tx::{begin_keys_write, begin_write};

static DATA_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/data");
static KEYSTORE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/keystore");

/// Where the two files live.
#[derive(Debug, Clone)]
pub struct SqlitePaths {
    pub data: PathBuf,
    pub keystore: PathBuf,
}

impl SqlitePaths {
    /// The standard layout under a data directory: `db/haven.db` and
    /// `keystore/keystore.db`, in separate directories so they can be backed up apart.
    pub fn in_data_dir(dir: &Path) -> Self {
        Self {
            data: dir.join("db").join("haven.db"),
            keystore: dir.join("keystore").join("keystore.db"),
        }
    }
}

/// Whether opening may create missing files (only `haven init` and tests do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    Create,
    Existing,
}

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) writer: SqlitePool,
    pub(crate) reader: SqlitePool,
    pub(crate) keys_writer: SqlitePool,
    pub(crate) keys_reader: SqlitePool,
    pub(crate) group: audit::GroupCommit,
    /// Data writes take turns here before they queue for the writer connection, so at most
    /// one waits there beside the audit group commit, which does not take a turn: a batch
    /// of view entries is written after the data write in progress, not after every queued
    /// one.
    data_turn: Arc<tokio::sync::Mutex<()>>,
    /// The reads every case view makes, on the calling task (see `inline_reads`).
    pub(crate) inline: Arc<inline_reads::InlineReader>,
    keys_inline: Arc<inline_reads::InlineReader>,
}

fn options(path: &Path, create: bool) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .pragma("secure_delete", "ON")
}

async fn pool(opts: SqliteConnectOptions, max: u32) -> Result<SqlitePool, StoreError> {
    SqlitePoolOptions::new()
        .max_connections(max)
        .min_connections(0)
        // A connection to a local file cannot go stale; the test would be one more round
        // trip to the connection's thread before every write transaction and audit batch.
        .test_before_acquire(false)
        .connect_with(opts)
        .await
        .map_err(convert::error)
}

impl SqliteStore {
    pub async fn open(paths: &SqlitePaths, mode: OpenMode) -> Result<Self, StoreError> {
        let create = mode == OpenMode::Create;
        for p in [&paths.data, &paths.keystore] {
            if !create && !p.exists() {
                return Err(StoreError::NotInitialised);
            }
            if let (true, Some(dir)) = (create, p.parent()) {
                create_private_dir(dir)?;
            }
        }
        let writer = pool(options(&paths.data, create), 1).await?;
        let reader = pool(options(&paths.data, false), 4).await?;
        let keys_writer = pool(options(&paths.keystore, create), 1).await?;
        let keys_reader = pool(options(&paths.keystore, false), 2).await?;
        Ok(Self {
            group: audit::GroupCommit::start(writer.clone()),
            data_turn: Arc::default(),
            writer,
            reader,
            keys_writer,
            keys_reader,
            inline: Arc::new(inline_reads::InlineReader::new(&paths.data)),
            keys_inline: Arc::new(inline_reads::InlineReader::new(&paths.keystore)),
        })
    }

    /// Closes every connection, checkpointing the WAL into the main files.
    pub async fn close(&self) {
        self.inline.close();
        self.keys_inline.close();
        for p in [
            &self.reader,
            &self.keys_reader,
            &self.writer,
            &self.keys_writer,
        ] {
            p.close().await;
        }
    }

    async fn state_of(pool: &SqlitePool, migrator: &Migrator) -> Result<SchemaState, StoreError> {
        let has_table: Option<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(pool)
        .await
        .map_err(convert::error)?;
        let latest = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        if has_table.is_none() {
            return Ok(SchemaState::from_versions(None, latest));
        }
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(pool)
                .await
                .map_err(convert::error)?;
        Ok(SchemaState::from_versions(applied, latest))
    }
}

fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| StoreError::Unavailable(format!("{}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

impl haven_store::Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn schema_state(&self) -> Result<SchemaState, StoreError> {
        let data = Self::state_of(&self.reader, &DATA_MIGRATIONS).await?;
        let keys = Self::state_of(&self.keys_reader, &KEYSTORE_MIGRATIONS).await?;
        Ok(SchemaState::combine(data, keys))
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        if let SchemaState::Newer { applied, latest } = self.schema_state().await? {
            return Err(StoreError::SchemaTooNew { applied, latest });
        }
        KEYSTORE_MIGRATIONS
            .run(&self.keys_writer)
            .await
            .map_err(convert::migrate_error)?;
        DATA_MIGRATIONS
            .run(&self.writer)
            .await
            .map_err(convert::migrate_error)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map_err(convert::error)?;
        sqlx::query("SELECT 1")
            .execute(&self.keys_reader)
            .await
            .map_err(convert::error)?;
        Ok(())
    }

    fn put_kek_check(
        &self,
        version: u32,
        check: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        keystore::put_kek_check(self, version, check)
    }
    fn kek_checks(&self) -> impl Future<Output = Result<Vec<(u32, Vec<u8>)>, StoreError>> + Send {
        keystore::kek_checks(self)
    }
    fn delete_kek_checks_before(
        &self,
        version: u32,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        keystore::delete_kek_checks_before(self, version)
    }
    fn insert_data_keys(
        &self,
        keys: &[haven_store::WrappedKey],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        keystore::insert_data_keys(self, keys)
    }
    fn data_key(
        &self,
        id: haven_domain::KeyId,
    ) -> impl Future<Output = Result<Option<haven_store::WrappedKey>, StoreError>> + Send {
        let found = self.keys_inline.read(|r| r.data_key(id));
        async move { found }
    }
    fn data_keys_page(
        &self,
        after: Option<haven_domain::KeyId>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<haven_store::WrappedKey>, StoreError>> + Send {
        keystore::data_keys_page(self, after, limit)
    }
    fn rewrap_data_keys(
        &self,
        keys: &[haven_store::WrappedKey],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        keystore::rewrap_data_keys(self, keys)
    }
    fn data_keys_by_kek(&self) -> impl Future<Output = Result<Vec<(u32, u64)>, StoreError>> + Send {
        keystore::data_keys_by_kek(self)
    }
    fn insert_org(
        &self,
        org: &haven_store::OrgRow,
        audit: &[u8],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        survivors::insert_org(self, org, audit)
    }
    fn org(
        &self,
        id: haven_domain::OrgId,
    ) -> impl Future<Output = Result<Option<haven_store::OrgRow>, StoreError>> + Send {
        survivors::org(self, id)
    }
    fn insert_survivor(
        &self,
        row: &haven_store::SurvivorRow,
        audit: &[u8],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        survivors::insert_survivor(self, row, audit)
    }
    fn insert_intakes(
        &self,
        batch: &[haven_store::IntakeRecord],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        survivors::insert_intakes(self, batch)
    }
    fn survivor(
        &self,
        id: haven_domain::SurvivorId,
    ) -> impl Future<Output = Result<Option<haven_store::SurvivorRow>, StoreError>> + Send {
        let found = self.inline.read(|r| r.survivor(id));
        async move { found }
    }
    fn survivors_by_index(
        &self,
        name: &str,
        value: u32,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<haven_domain::SurvivorId>, StoreError>> + Send {
        let found = self
            .inline
            .read(|r| r.survivors_by_index(name, value, limit));
        async move { found }
    }
    fn erase_survivor(
        &self,
        id: haven_domain::SurvivorId,
        audit: &[u8],
    ) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send {
        survivors::erase_survivor(self, id, audit)
    }
    fn update_survivor(
        &self,
        edit: &haven_store::SurvivorEdit,
        audit: &[u8],
    ) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send {
        survivor_edit::update(self, edit, audit)
    }
    fn minor_cases(
        &self,
    ) -> impl Future<
        Output = Result<Vec<(haven_domain::CaseId, haven_domain::SurvivorId)>, StoreError>,
    > + Send {
        survivor_edit::minor_cases(self)
    }
    fn clear_minor(
        &self,
        case: haven_domain::CaseId,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        survivor_edit::clear_minor(self, case, event, audit)
    }
    fn append_audit(&self, body: &[u8]) -> impl Future<Output = Result<u64, StoreError>> + Send {
        audit::append_alone(self, body)
    }
    fn audit_head(
        &self,
    ) -> impl Future<Output = Result<haven_domain::audit::ChainHead, StoreError>> + Send {
        audit::head(self)
    }
    fn audit_page(
        &self,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<haven_domain::audit::AuditRecord>, StoreError>> + Send
    {
        audit::page(self, after, limit)
    }
    fn insert_checkpoint(
        &self,
        c: &haven_store::CheckpointRow,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        audit::insert_checkpoint(self, c)
    }
    fn latest_checkpoint(
        &self,
    ) -> impl Future<Output = Result<Option<haven_store::CheckpointRow>, StoreError>> + Send {
        audit::latest_checkpoint(self)
    }
    fn orgs(&self) -> impl Future<Output = Result<Vec<haven_store::OrgRow>, StoreError>> + Send {
        staff::orgs(self)
    }
    fn insert_user(
        &self,
        user: &haven_store::UserRow,
        audit: &[u8],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        staff::insert_user(self, user, audit)
    }
    fn user(
        &self,
        id: haven_domain::UserId,
    ) -> impl Future<Output = Result<Option<haven_store::UserRow>, StoreError>> + Send {
        let found = self.inline.read(|r| r.user_by_id(id));
        async move { found }
    }
    fn user_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = Result<Option<haven_store::UserRow>, StoreError>> + Send {
        let found = self.inline.read(|r| r.user_by_email(email));
        async move { found }
    }
    fn users_in_org(
        &self,
        org: haven_domain::OrgId,
    ) -> impl Future<Output = Result<Vec<haven_store::UserRow>, StoreError>> + Send {
        staff::users_in_org(self, org)
    }
    fn update_user(
        &self,
        user: &haven_store::UserRow,
        audit: Option<&[u8]>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        staff::update_user(self, user, audit)
    }
    fn replace_recovery_codes(
        &self,
        user: haven_domain::UserId,
        hashes: &[[u8; 32]],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        staff::replace_recovery_codes(self, user, hashes)
    }
    fn use_recovery_code(
        &self,
        user: haven_domain::UserId,
        hash: &[u8; 32],
        at: time::OffsetDateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        staff::use_recovery_code(self, user, hash, at)
    }
    fn insert_session(
        &self,
        session: &haven_store::SessionRow,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        staff::insert_session(self, session)
    }
    fn session(
        &self,
        token_hash: &[u8; 32],
    ) -> impl Future<Output = Result<Option<haven_store::SessionRow>, StoreError>> + Send {
        staff::session_by_hash(self, token_hash)
    }
    fn touch_session(
        &self,
        token_hash: &[u8; 32],
        at: time::OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        staff::touch_session(self, token_hash, at)
    }
    fn delete_session(
        &self,
        token_hash: &[u8; 32],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        staff::delete_session(self, token_hash)
    }
    fn insert_api_token(
        &self,
        token: &haven_store::ApiTokenRow,
        audit: &[u8],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        staff::insert_api_token(self, token, audit)
    }
    fn api_token_by_hash(
        &self,
        token_hash: &[u8; 32],
    ) -> impl Future<Output = Result<Option<haven_store::ApiTokenRow>, StoreError>> + Send {
        let found = self.inline.read(|r| r.api_token_by_hash(token_hash));
        async move { found }
    }
    fn api_tokens_of(
        &self,
        user: haven_domain::UserId,
    ) -> impl Future<Output = Result<Vec<haven_store::ApiTokenRow>, StoreError>> + Send {
        staff::api_tokens_of(self, user)
    }
    fn revoke_api_token(
        &self,
        id: haven_domain::TokenId,
        at: time::OffsetDateTime,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        staff::revoke_api_token(self, id, at, audit)
    }
    fn insert_case(
        &self,
        case: &haven_store::CaseRow,
        team: &[haven_domain::UserId],
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        cases::insert_case(self, case, team, event, audit)
    }
    fn case(
        &self,
        id: haven_domain::CaseId,
    ) -> impl Future<
        Output = Result<Option<(haven_store::CaseRow, Vec<haven_domain::UserId>)>, StoreError>,
    > + Send {
        let found = self.inline.read(|r| r.case(id));
        async move { found }
    }
    fn cases_for_member(
        &self,
        user: haven_domain::UserId,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<haven_store::CaseRow>, StoreError>> + Send {
        cases::cases_for_member(self, user, limit)
    }
    fn update_case(
        &self,
        case: &haven_store::CaseRow,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        cases::update_case(self, case, event, audit)
    }
    fn add_team_member(
        &self,
        case: haven_domain::CaseId,
        user: haven_domain::UserId,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        cases::add_team_member(self, case, user, event, audit)
    }
    fn remove_team_member(
        &self,
        case: haven_domain::CaseId,
        user: haven_domain::UserId,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        plan::remove_team_member(self, case, user, event, audit)
    }
    fn insert_goal(
        &self,
        goal: &haven_store::GoalRow,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        plan::insert_goal(self, goal, event, audit)
    }
    fn goals_of_case(
        &self,
        case: haven_domain::CaseId,
    ) -> impl Future<Output = Result<Vec<haven_store::GoalRow>, StoreError>> + Send {
        let found = self.inline.read(|r| r.goals_of_case(case));
        async move { found }
    }
    fn set_goal_status(
        &self,
        goal: &haven_store::GoalRow,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        plan::set_goal_status(self, goal, event, audit)
    }
    fn case_contents(
        &self,
        case: haven_domain::CaseId,
        survivor: haven_domain::SurvivorId,
    ) -> impl Future<Output = Result<Option<haven_store::CaseContents>, StoreError>> + Send {
        let found = self.inline.snapshot(|r| r.case_contents(case, survivor));
        async move { found }
    }
    fn case_view(
        &self,
        id: haven_domain::CaseId,
    ) -> impl Future<Output = Result<Option<haven_store::LoadedCase>, StoreError>> + Send {
        let found = self.inline.snapshot(|r| r.case_view(id));
        async move { found }
    }
    fn api_token_with_user(
        &self,
        token_hash: &[u8; 32],
    ) -> impl Future<
        Output = Result<Option<(haven_store::ApiTokenRow, haven_store::UserRow)>, StoreError>,
    > + Send {
        let found = self.inline.read(|r| r.api_token_with_user(token_hash));
        async move { found }
    }
    fn case_events(
        &self,
        case: haven_domain::CaseId,
    ) -> impl Future<Output = Result<Vec<haven_store::CaseEvent>, StoreError>> + Send {
        let found = self.inline.read(|r| r.case_events(case));
        async move { found }
    }
    fn insert_note(
        &self,
        note: &haven_store::NoteRow,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        cases::insert_note(self, note, event, audit)
    }
    fn notes_of_case(
        &self,
        case: haven_domain::CaseId,
    ) -> impl Future<Output = Result<Vec<haven_store::NoteRow>, StoreError>> + Send {
        let found = self.inline.read(|r| r.notes_of_case(case));
        async move { found }
    }
    fn insert_task(
        &self,
        task: &haven_store::TaskRow,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        cases::insert_task(self, task, event, audit)
    }
    fn tasks_of_case(
        &self,
        case: haven_domain::CaseId,
    ) -> impl Future<Output = Result<Vec<haven_store::TaskRow>, StoreError>> + Send {
        let found = self.inline.read(|r| r.tasks_of_case(case));
        async move { found }
    }
    fn complete_task(
        &self,
        case: haven_domain::CaseId,
        task: haven_domain::TaskId,
        at: time::OffsetDateTime,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        cases::complete_task(self, case, task, at, event, audit)
    }
    fn cases_of_survivor(
        &self,
        survivor: haven_domain::SurvivorId,
    ) -> impl Future<
        Output = Result<Vec<(haven_store::CaseRow, Vec<haven_domain::UserId>)>, StoreError>,
    > + Send {
        let found = self.inline.read(|r| r.cases_of_survivor(survivor));
        async move { found }
    }
}
