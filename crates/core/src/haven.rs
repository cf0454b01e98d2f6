//! The service value: a store, the key file, the clock and the entropy source, checked
//! against each other at start-up.

use crate::auth::AuthSettings;
use crate::keypool::KeyPool;
use crate::survivor_index::SurvivorIndexKeys;
use crate::{Clock, CoreError};
use haven_crypto::checkpoint::CheckpointSigner;
use haven_crypto::envelope::DataKey;
use haven_crypto::keyfile::KeyFile;
use haven_crypto::{Entropy, envelope};
use haven_domain::DataCategory;
use haven_domain::KeyId;
use haven_domain::OrgId;
use haven_domain::audit::{Actor, AuditAction, AuditEvent, AuditTarget, Decision};
use haven_domain::consent::ConsentRules;
use haven_store::{SchemaState, Store, StoreError};
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::OnceCell;

/// The id naming the staff-TOTP service key in its ciphertexts.
const STAFF_TOTP_KEY: KeyId = KeyId::from_uuid(uuid::Uuid::from_bytes(*b"haven-staff-totp"));

pub struct Haven<S> {
    inner: Arc<Inner<S>>,
}

impl<S> Clone for Haven<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

pub(crate) struct Inner<S> {
    pub(crate) store: S,
    pub(crate) keys: KeyFile,
    pub(crate) index: SurvivorIndexKeys,
    pub(crate) signer: CheckpointSigner,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) entropy: Arc<dyn Entropy>,
    pub(crate) pool: KeyPool,
    pub(crate) auth: AuthSettings,
    /// The jurisdiction's rules for releases of information.
    pub(crate) consent_rules: ConsentRules,
    /// A password hash with the configured parameters, verified when there is no account.
    pub(crate) dummy_phc: OnceCell<String>,
    /// Seals staff TOTP secrets; derived from the key file's non-rotating root.
    pub(crate) totp_key: DataKey,
    /// Bounds the password hashes worked out at once.
    pub(crate) passwords: crate::auth::PasswordGate,
    pub(crate) addresses: crate::auth::AddressLimit,
}

impl<S: Store> Haven<S> {
    fn assemble(store: S, keys: KeyFile, clock: Arc<dyn Clock>, entropy: Arc<dyn Entropy>) -> Self {
        Self::assemble_with(
            store,
            keys,
            clock,
            entropy,
            AuthSettings::default(),
            ConsentRules::default(),
        )
    }

    fn assemble_with(
        store: S,
        keys: KeyFile,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
        auth: AuthSettings,
        consent_rules: ConsentRules,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                passwords: crate::auth::PasswordGate::new(
                    auth.passwords_at_once,
                    auth.password_wait,
                ),
                addresses: crate::auth::AddressLimit::new(
                    auth.failures_per_address,
                    auth.address_refill,
                ),
                auth,
                consent_rules,
                dummy_phc: OnceCell::new(),
                totp_key: DataKey::derived(
                    STAFF_TOTP_KEY,
                    keys.index_root(),
                    b"haven staff-totp v1",
                ),
                index: SurvivorIndexKeys::derive(keys.index_root()),
                signer: CheckpointSigner::new(keys.audit_signing()),
                store,
                keys,
                clock,
                entropy,
                pool: KeyPool::default(),
            }),
        }
    }

    /// Creates the schema in an empty database and binds it to this key file.
    pub async fn init(
        store: S,
        keys: KeyFile,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
    ) -> Result<Self, CoreError> {
        if store.schema_state().await? != SchemaState::Uninitialised {
            return Err(CoreError::AlreadyInitialised);
        }
        store.migrate().await?;
        let (version, _) = keys.current_kek()?;
        store
            .put_kek_check(
                version,
                &envelope::kek_check(&keys, version, entropy.as_ref())?,
            )
            .await?;
        let haven = Self::assemble(store, keys, clock, entropy);
        haven
            .record(
                system("init"),
                None,
                AuditAction::Init,
                None,
                &[],
                "cli_init",
            )
            .await?;
        Ok(haven)
    }

    /// Opens an initialised database. Refuses a newer schema, a key file that does not
    /// belong to it, and a key file missing a KEK version still in use — all before
    /// writing anything. Applies pending migrations only after those checks pass.
    pub async fn open(
        store: S,
        keys: KeyFile,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
    ) -> Result<Self, CoreError> {
        match store.schema_state().await? {
            SchemaState::Uninitialised => return Err(StoreError::NotInitialised.into()),
            SchemaState::Newer { applied, latest } => {
                return Err(StoreError::SchemaTooNew { applied, latest }.into());
            }
            SchemaState::Behind { .. } | SchemaState::Current { .. } => {}
        }
        let checks = store.kek_checks().await?;
        let mut matched = false;
        for (version, check) in &checks {
            match envelope::verify_kek_check(&keys, *version, check) {
                Ok(()) => matched = true,
                // A version this key file does not hold: the next check decides.
                Err(haven_crypto::CryptoError::UnknownKekVersion(_)) => {}
                Err(_) => return Err(CoreError::WrongKeyFile),
            }
        }
        if !matched {
            return Err(CoreError::WrongKeyFile);
        }
        for (version, _) in store.data_keys_by_kek().await? {
            keys.kek(version)
                .map_err(|_| CoreError::MissingKek(version))?;
        }
        store.migrate().await?;
        Ok(Self::assemble(store, keys, clock, entropy))
    }

    /// The same installation seen through another version of its key file (rotation).
    pub(crate) fn with_key_file(&self, keys: KeyFile) -> Self {
        let i = &self.inner;
        Self::assemble_with(
            i.store.clone(),
            keys,
            Arc::clone(&i.clock),
            Arc::clone(&i.entropy),
            i.auth.clone(),
            i.consent_rules.clone(),
        )
    }

    /// The same installation with other authentication settings (calibrated password
    /// parameters, timeouts). Call once at start-up.
    pub fn with_auth(self, auth: AuthSettings) -> Self {
        let i = &self.inner;
        Self::assemble_with(
            i.store.clone(),
            i.keys.clone(),
            Arc::clone(&i.clock),
            Arc::clone(&i.entropy),
            auth,
            i.consent_rules.clone(),
        )
    }

    /// The same installation under another jurisdiction's release rules. Call at start-up.
    pub fn with_consent_rules(self, rules: ConsentRules) -> Self {
        let i = &self.inner;
        Self::assemble_with(
            i.store.clone(),
            i.keys.clone(),
            Arc::clone(&i.clock),
            Arc::clone(&i.entropy),
            i.auth.clone(),
            rules,
        )
    }

    pub fn consent_rules(&self) -> &ConsentRules {
        &self.inner.consent_rules
    }

    pub fn auth_settings(&self) -> &AuthSettings {
        &self.inner.auth
    }

    /// The dummy hash, made on first use (it costs one full password hash).
    pub(crate) async fn dummy_phc(&self) -> String {
        let params = self.inner.auth.password;
        self.inner
            .dummy_phc
            .get_or_init(|| async move {
                tokio::task::spawn_blocking(move || {
                    params.hash(b"haven dummy password", &[0u8; 16])
                })
                .await
                .ok()
                .flatten()
                .unwrap_or_default()
            })
            .await
            .clone()
    }

    pub fn store(&self) -> &S {
        &self.inner.store
    }

    pub(crate) fn inner(&self) -> &Inner<S> {
        &self.inner
    }

    pub fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    /// A round trip to the database (readiness).
    pub async fn ping(&self) -> Result<(), CoreError> {
        Ok(self.inner.store.ping().await?)
    }

    /// The backend's name, for readiness output.
    pub fn backend(&self) -> &'static str {
        self.inner.store.backend()
    }

    /// An organisation's public record (name and kind are not personal data).
    pub async fn organisation(&self, id: OrgId) -> Result<haven_store::OrgRow, CoreError> {
        self.inner.store.org(id).await?.ok_or(CoreError::NotFound)
    }

    /// A fresh 256-bit random token (base64url), e.g. for a pre-sign-in CSRF cookie.
    pub fn random_token(&self) -> String {
        crate::auth::random_token(self.inner.entropy.as_ref())
    }

    pub fn key_file(&self) -> &KeyFile {
        &self.inner.keys
    }

    /// Serialises one audit event for the store to chain.
    pub(crate) fn audit_body(
        &self,
        actor: Actor,
        org: Option<OrgId>,
        action: AuditAction,
        target: Option<AuditTarget>,
        categories: &[DataCategory],
        reason: &str,
    ) -> Result<Vec<u8>, CoreError> {
        AuditEvent {
            at: self.now(),
            actor,
            org,
            action,
            target,
            categories: categories.to_vec(),
            consent: None,
            decision: Decision::Allow,
            reason: reason.to_owned(),
        }
        .to_canonical_bytes()
        .map_err(|_| CoreError::Store(StoreError::Corrupt("audit entry could not be encoded")))
    }

    /// A blank audit event at the current time: allowed, no target, no categories. Callers
    /// fill in what applies and [`Haven::encode`] it.
    pub(crate) fn event(&self, actor: Actor, action: AuditAction, reason: &str) -> AuditEvent {
        AuditEvent {
            at: self.now(),
            actor,
            org: None,
            action,
            target: None,
            categories: Vec::new(),
            consent: None,
            decision: Decision::Allow,
            reason: reason.to_owned(),
        }
    }

    pub(crate) fn encode(&self, event: &AuditEvent) -> Result<Vec<u8>, CoreError> {
        event
            .to_canonical_bytes()
            .map_err(|_| CoreError::Store(StoreError::Corrupt("audit entry could not be encoded")))
    }

    /// Appends an event that accompanies no data change.
    pub(crate) async fn append(&self, event: &AuditEvent) -> Result<u64, CoreError> {
        Ok(self.inner.store.append_audit(&self.encode(event)?).await?)
    }

    /// Appends an audit entry that accompanies no data change.
    pub(crate) async fn record(
        &self,
        actor: Actor,
        org: Option<OrgId>,
        action: AuditAction,
        target: Option<AuditTarget>,
        categories: &[DataCategory],
        reason: &str,
    ) -> Result<u64, CoreError> {
        let body = self.audit_body(actor, org, action, target, categories, reason)?;
        Ok(self.inner.store.append_audit(&body).await?)
    }
}

/// The actor for an operator's CLI command.
pub fn system(command: &str) -> Actor {
    Actor::System {
        command: command.to_owned(),
    }
}
