//! Haven on PostgreSQL, for a network of organisations served by several stateless
//! `haven serve` processes. The schema mirrors the SQLite backend; wrapped data keys live in
//! the `haven_keys` schema. Survivor writes, key destruction and their audit entries share
//! one transaction; audit appends are serialised across processes by a row lock on the
//! chain head.

mod audit;
mod audit_index;
mod cases;
mod checkpoints;
mod db;
mod directory;
mod history;
mod keystore;
mod known_devices;
mod plan;
mod sharing;
mod staff;
mod survivor_edit;
mod survivors;
mod transfers;

use haven_store::sqlx_support as convert;
use haven_store::{SchemaState, StoreError};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

static MIGRATIONS: Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) pool: PgPool,
}

/// Begins a write transaction (the SQLite backend's takes the write lock up front; here
/// row locks and the isolation level do that work).
pub(crate) async fn begin_write(
    store: &PgStore,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
    store.pool.begin().await.map_err(convert::error)
}

impl PgStore {
    /// Connects to `url` (`postgres://…`). Fails fast if the server is unreachable.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let opts = PgConnectOptions::from_str(url).map_err(|_| {
            StoreError::Unavailable("the database URL is not a valid postgres:// URL".into())
        })?;
        Self::connect_with(opts).await
    }

    pub async fn connect_with(opts: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await
            .map_err(convert::error)?;
        Ok(Self { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl haven_store::Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn schema_state(&self) -> Result<SchemaState, StoreError> {
        let latest = MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
        let has_table: Option<String> =
            sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
                .fetch_one(&self.pool)
                .await
                .map_err(convert::error)?;
        if has_table.is_none() {
            return Ok(SchemaState::from_versions(None, latest));
        }
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await
                .map_err(convert::error)?;
        Ok(SchemaState::from_versions(applied, latest))
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        if let SchemaState::Newer { applied, latest } = self.schema_state().await? {
            return Err(StoreError::SchemaTooNew { applied, latest });
        }
        MIGRATIONS
            .run(&self.pool)
            .await
            .map_err(convert::migrate_error)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
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
        keystore::data_key(self, id)
    }
    fn data_keys(
        &self,
        ids: &[haven_domain::KeyId],
    ) -> impl Future<Output = Result<Vec<haven_store::WrappedKey>, StoreError>> + Send {
        keystore::data_keys(self, ids)
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
        survivors::survivor(db::reader(self), id)
    }
    fn survivors_by_index(
        &self,
        name: &str,
        value: u32,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<haven_domain::SurvivorId>, StoreError>> + Send {
        survivors::survivors_by_index(self, name, value, limit)
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
        checkpoints::insert_checkpoint(self, c)
    }
    fn latest_checkpoint(
        &self,
    ) -> impl Future<Output = Result<Option<haven_store::CheckpointRow>, StoreError>> + Send {
        checkpoints::latest_checkpoint(self)
    }
    fn audit_index_size(&self) -> impl Future<Output = Result<u64, StoreError>> + Send {
        audit_index::size(self)
    }
    fn extend_audit_index(
        &self,
        from: u64,
        to: u64,
        targets: &[(u64, uuid::Uuid)],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        audit_index::extend(self, from, to, targets)
    }
    fn audit_entries_about(
        &self,
        targets: &[uuid::Uuid],
    ) -> impl Future<Output = Result<Vec<haven_domain::audit::AuditRecord>, StoreError>> + Send
    {
        audit_index::entries_about(self, targets)
    }
    fn audit_index_rows(
        &self,
        after: u64,
        upto: u64,
    ) -> impl Future<Output = Result<Vec<(u64, uuid::Uuid)>, StoreError>> + Send {
        audit_index::rows(self, after, upto)
    }
    fn clear_audit_index(&self) -> impl Future<Output = Result<(), StoreError>> + Send {
        audit_index::clear(self)
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
        staff::user_by(self, Some(id), None)
    }
    fn user_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = Result<Option<haven_store::UserRow>, StoreError>> + Send {
        staff::user_by(self, None, Some(email))
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
    fn set_preferences(
        &self,
        user: haven_domain::UserId,
        preferences: &haven_store::Preferences,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        staff::set_preferences(self, user, preferences)
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
    fn remember_device(
        &self,
        device: &haven_store::KnownDeviceRow,
        replacing: Option<&[u8; 32]>,
        expired_before: time::OffsetDateTime,
        keep: u32,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        known_devices::remember_device(self, device, replacing, expired_before, keep)
    }
    fn known_device(
        &self,
        token_hash: &[u8; 32],
    ) -> impl Future<Output = Result<Option<haven_store::KnownDeviceRow>, StoreError>> + Send {
        known_devices::known_device_by_hash(self, token_hash)
    }
    fn known_device_failed(
        &self,
        token_hash: &[u8; 32],
        forget_at: u32,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        known_devices::known_device_failed(self, token_hash, forget_at)
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
        staff::api_token_by_hash(self, token_hash)
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
        survivor_owner: haven_domain::OrgId,
        team: &[haven_domain::UserId],
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        cases::insert_case(self, case, survivor_owner, team, event, audit)
    }
    fn case(
        &self,
        id: haven_domain::CaseId,
    ) -> impl Future<
        Output = Result<Option<(haven_store::CaseRow, Vec<haven_domain::UserId>)>, StoreError>,
    > + Send {
        cases::case(db::reader(self), id)
    }
    fn case_view(
        &self,
        id: haven_domain::CaseId,
        window: haven_store::HistoryWindow,
    ) -> impl Future<Output = Result<Option<haven_store::LoadedCase>, StoreError>> + Send {
        cases::case_view(self, id, window)
    }
    fn member_board(
        &self,
        user: haven_domain::UserId,
        page: &haven_store::BoardQuery,
    ) -> impl Future<Output = Result<Vec<haven_store::BoardCase>, StoreError>> + Send {
        cases::member_board(self, user, page)
    }
    fn update_case(
        &self,
        case: haven_domain::CaseId,
        owner: haven_domain::OrgId,
        change: &haven_store::CaseChange,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        cases::update_case(self, case, owner, change, event, audit)
    }
    fn add_team_member(
        &self,
        case: haven_domain::CaseId,
        owner: haven_domain::OrgId,
        user: haven_domain::UserId,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        cases::add_team_member(self, case, owner, user, event, audit)
    }
    fn remove_team_member(
        &self,
        case: haven_domain::CaseId,
        owner: haven_domain::OrgId,
        user: haven_domain::UserId,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        plan::remove_team_member(self, case, owner, user, event, audit)
    }
    fn insert_goal(
        &self,
        goal: &haven_store::GoalRow,
        owner: haven_domain::OrgId,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        plan::insert_goal(self, goal, owner, event, audit)
    }
    fn goals_of_case(
        &self,
        case: haven_domain::CaseId,
    ) -> impl Future<Output = Result<Vec<haven_store::GoalRow>, StoreError>> + Send {
        plan::goals_of_case(db::reader(self), case)
    }
    fn set_goal_status(
        &self,
        goal: &haven_store::GoalRow,
        owner: haven_domain::OrgId,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        plan::set_goal_status(self, goal, owner, event, audit)
    }
    fn case_events(
        &self,
        case: haven_domain::CaseId,
    ) -> impl Future<Output = Result<Vec<haven_store::CaseEvent>, StoreError>> + Send {
        cases::case_events(db::reader(self), case)
    }
    fn insert_note(
        &self,
        note: &haven_store::NoteRow,
        owner: haven_domain::OrgId,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        cases::insert_note(self, note, owner, event, audit)
    }
    fn notes_of_case(
        &self,
        case: haven_domain::CaseId,
    ) -> impl Future<Output = Result<Vec<haven_store::NoteRow>, StoreError>> + Send {
        cases::notes_of_case(db::reader(self), case)
    }
    fn insert_task(
        &self,
        task: &haven_store::TaskRow,
        owner: haven_domain::OrgId,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        cases::insert_task(self, task, owner, event, audit)
    }
    fn tasks_of_case(
        &self,
        case: haven_domain::CaseId,
    ) -> impl Future<Output = Result<Vec<haven_store::TaskRow>, StoreError>> + Send {
        cases::tasks_of_case(db::reader(self), case)
    }
    fn complete_task(
        &self,
        case: haven_domain::CaseId,
        owner: haven_domain::OrgId,
        task: haven_domain::TaskId,
        at: time::OffsetDateTime,
        event: &haven_store::CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        cases::complete_task(self, case, owner, task, at, event, audit)
    }
    fn cases_of_survivor(
        &self,
        survivor: haven_domain::SurvivorId,
    ) -> impl Future<
        Output = Result<Vec<(haven_store::CaseRow, Vec<haven_domain::UserId>)>, StoreError>,
    > + Send {
        cases::cases_of_survivor(self, survivor)
    }
}
