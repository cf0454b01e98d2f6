//! Survivor records: intake, reading, lookup by blind index and erasure by key destruction.
//! Each operation loads, decrypts and audits here and nowhere else.

use crate::access::CaseAccess;
use crate::problem::{Problem, Reason};
use crate::survivor_index::IndexedField;
use crate::{CoreError, Haven};
use haven_crypto::envelope::{self, DataKey};
use haven_crypto::field::FieldContext;
use haven_crypto::{CryptoError, Entropy};
use haven_domain::audit::{Actor, AuditAction, AuditTarget};
use haven_domain::survivor::{PersonalText, SurvivorDetails, SurvivorField, SurvivorProfile};
use haven_domain::{DataCategory, KeyId, OrgId, SurvivorId};
use haven_store::{CoarseFields, OrgRow, Store, SurvivorCiphertexts, SurvivorRow};
use time::OffsetDateTime;

const TABLE: &str = "survivors";

/// A survivor record as an authorised reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurvivorRecord {
    pub id: SurvivorId,
    pub org: OrgId,
    pub created_at: OffsetDateTime,
    pub profile: SurvivorProfile,
}

fn context(org: OrgId, id: SurvivorId, field: SurvivorField) -> FieldContext<'static> {
    FieldContext {
        org,
        table: TABLE,
        column: field.column(),
        record: *id.as_bytes(),
    }
}

pub(crate) fn seal_profile(
    key: &DataKey,
    org: OrgId,
    id: SurvivorId,
    p: &SurvivorProfile,
    entropy: &dyn Entropy,
) -> Result<SurvivorCiphertexts, CryptoError> {
    let seal =
        |field: SurvivorField, bytes: &[u8]| key.seal(&context(org, id, field), bytes, entropy);
    let text = |field: SurvivorField, v: &Option<PersonalText>| {
        v.as_ref()
            .map(|t| seal(field, t.as_str().as_bytes()))
            .transpose()
    };
    let aliases = if p.aliases.is_empty() {
        None
    } else {
        let json = serde_json::to_vec(&p.aliases).map_err(|_| CryptoError::Malformed)?;
        Some(seal(SurvivorField::Aliases, &json)?)
    };
    Ok(SurvivorCiphertexts {
        pseudonym: seal(SurvivorField::Pseudonym, p.pseudonym.as_str().as_bytes())?,
        legal_name: text(SurvivorField::LegalName, &p.legal_name)?,
        aliases,
        date_of_birth: p
            .date_of_birth
            .map(|d| seal(SurvivorField::DateOfBirth, d.to_string().as_bytes()))
            .transpose()?,
        phone: text(SurvivorField::Phone, &p.phone)?,
        email: text(SurvivorField::Email, &p.email)?,
        safe_contact: text(SurvivorField::SafeContact, &p.safe_contact)?,
        details: if p.details.is_empty() {
            None
        } else {
            let json = serde_json::to_vec(&p.details).map_err(|_| CryptoError::Malformed)?;
            Some(key.seal(&details_context(org, id), &json, entropy)?)
        },
    })
}

/// Only the ciphertexts of categories the capability grants; the rest are never opened.
fn visible_ciphertexts(c: &SurvivorCiphertexts, access: &CaseAccess) -> SurvivorCiphertexts {
    let identity = access.can_read(DataCategory::Identity);
    let contact = access.can_read(DataCategory::Contact);
    let keep = |v: &Option<Vec<u8>>, ok: bool| v.clone().filter(|_| ok);
    SurvivorCiphertexts {
        pseudonym: c.pseudonym.clone(),
        legal_name: keep(&c.legal_name, identity),
        aliases: keep(&c.aliases, identity),
        date_of_birth: keep(&c.date_of_birth, identity),
        phone: keep(&c.phone, contact),
        email: keep(&c.email, contact),
        safe_contact: keep(&c.safe_contact, contact),
        details: keep(&c.details, identity),
    }
}

fn details_context(org: OrgId, id: SurvivorId) -> FieldContext<'static> {
    FieldContext {
        org,
        table: TABLE,
        column: "details",
        record: *id.as_bytes(),
    }
}

/// The coarse reporting fields of a profile on `today`: no exact age, no free text.
pub(crate) fn coarse(p: &SurvivorProfile, today: time::Date) -> CoarseFields {
    let age = p
        .date_of_birth
        .map(|d| haven_domain::case::age_on(d, today))
        .or(p.details.estimated_age.map(i32::from));
    CoarseFields {
        age_band: haven_domain::case::age_band(age).to_owned(),
        gender: p.details.gender.as_str().to_owned(),
        nationality_region: p.details.nationality_region.as_str().to_owned(),
    }
}

/// Checks what no type can: a birth date in the past and a plausible age.
pub(crate) fn check_dates(p: &SurvivorProfile, today: time::Date) -> Result<(), CoreError> {
    if let Some(d) = p.date_of_birth {
        if d > today {
            return Err(CoreError::invalid("date_of_birth", Reason::BirthInFuture));
        }
        if haven_domain::case::age_on(d, today) > 120 {
            return Err(CoreError::invalid(
                "date_of_birth",
                Problem::new(Reason::BirthTooLongAgo).with("years", 120),
            ));
        }
    }
    if p.details.estimated_age.is_some_and(|a| a > 120) {
        return Err(CoreError::invalid(
            "estimated_age",
            Problem::new(Reason::EstimatedAge).with("max", 120),
        ));
    }
    Ok(())
}

/// A survivor's ciphertexts sealed again for another owning organisation (a transfer).
pub(crate) fn reseal_row(
    row: &SurvivorRow,
    key: &DataKey,
    to: OrgId,
    entropy: &dyn Entropy,
) -> Result<SurvivorCiphertexts, CoreError> {
    let profile = open_whole_row(row, key)?;
    Ok(seal_profile(key, to, row.id, &profile, entropy)?)
}

/// The whole profile of an already loaded row, for server-side checks only (search
/// confirming a candidate); never returned to a caller as is.
pub(crate) fn open_whole_row(
    row: &SurvivorRow,
    key: &DataKey,
) -> Result<SurvivorProfile, CoreError> {
    open_profile(key, row.org, row.id, &row.fields)
}

/// Only the pseudonym of an already loaded row: it is visible wherever the case is.
pub(crate) fn open_pseudonym_row(row: &SurvivorRow, key: &DataKey) -> Result<String, CoreError> {
    let plain = key.open(
        &context(row.org, row.id, SurvivorField::Pseudonym),
        &row.fields.pseudonym,
    )?;
    String::from_utf8(plain.to_vec()).map_err(|_| CoreError::Crypto(CryptoError::Malformed))
}

fn open_profile(
    key: &DataKey,
    org: OrgId,
    id: SurvivorId,
    c: &SurvivorCiphertexts,
) -> Result<SurvivorProfile, CoreError> {
    let open = |field: SurvivorField, ct: &[u8]| -> Result<String, CoreError> {
        let plain = key.open(&context(org, id, field), ct)?;
        String::from_utf8(plain.to_vec()).map_err(|_| CryptoError::Malformed.into())
    };
    let text =
        |field: SurvivorField, ct: &Option<Vec<u8>>| -> Result<Option<PersonalText>, CoreError> {
            ct.as_ref()
                .map(|ct| Ok(PersonalText::parse(field, &open(field, ct)?)?))
                .transpose()
        };
    let aliases = match &c.aliases {
        Some(ct) => serde_json::from_str(&open(SurvivorField::Aliases, ct)?)
            .map_err(|_| CoreError::Crypto(CryptoError::Malformed))?,
        None => Vec::new(),
    };
    let date_of_birth = c
        .date_of_birth
        .as_ref()
        .map(|ct| {
            let s = open(SurvivorField::DateOfBirth, ct)?;
            time::Date::parse(&s, &time::format_description::well_known::Iso8601::DATE)
                .map_err(|_| CoreError::Crypto(CryptoError::Malformed))
        })
        .transpose()?;
    Ok(SurvivorProfile {
        pseudonym: PersonalText::parse(
            SurvivorField::Pseudonym,
            &open(SurvivorField::Pseudonym, &c.pseudonym)?,
        )?,
        legal_name: text(SurvivorField::LegalName, &c.legal_name)?,
        aliases,
        date_of_birth,
        phone: text(SurvivorField::Phone, &c.phone)?,
        email: text(SurvivorField::Email, &c.email)?,
        safe_contact: text(SurvivorField::SafeContact, &c.safe_contact)?,
        details: match &c.details {
            Some(ct) => {
                let plain = key.open(&details_context(org, id), ct)?;
                serde_json::from_slice(&plain)
                    .map_err(|_| CoreError::Crypto(CryptoError::Malformed))?
            }
            None => SurvivorDetails::default(),
        },
    })
}

/// The categories a survivor record's profile holds: what intake's audit entry names, and
/// what a survivor view may show.
pub const PROFILE_CATEGORIES: [DataCategory; 3] = [
    DataCategory::Case,
    DataCategory::Identity,
    DataCategory::Contact,
];

impl<S: Store> Haven<S> {
    /// Registers an organisation (the administrative side grows in the access-model issue).
    pub async fn create_org(
        &self,
        actor: Actor,
        name: &str,
        kind: &str,
    ) -> Result<OrgId, CoreError> {
        let inner = self.inner();
        let id =
            OrgId::from_random_bytes(haven_crypto::entropy::random_array(inner.entropy.as_ref()));
        let body = self.audit_body(
            actor,
            Some(id),
            AuditAction::OrgCreate,
            Some(AuditTarget::Organisation(*id.as_uuid())),
            &[],
            "org_create",
        )?;
        inner
            .store
            .insert_org(
                &OrgRow {
                    id,
                    name: name.to_owned(),
                    kind: kind.to_owned(),
                    created_at: self.now(),
                },
                &body,
            )
            .await?;
        Ok(id)
    }

    /// Intake: encrypts every personal field under a fresh data key, writes the row, its
    /// blind-index entries and the audit entry in one transaction.
    pub async fn create_survivor(
        &self,
        actor: Actor,
        org: OrgId,
        profile: &SurvivorProfile,
    ) -> Result<SurvivorId, CoreError> {
        let (row, body) = self.prepare_survivor(actor, org, profile).await?;
        self.inner().store.insert_survivor(&row, &body).await?;
        Ok(row.id)
    }

    /// The encrypted row, index entries and audit entry of a new survivor, not yet written.
    pub(crate) async fn prepare_survivor(
        &self,
        actor: Actor,
        org: OrgId,
        profile: &SurvivorProfile,
    ) -> Result<(SurvivorRow, Vec<u8>), CoreError> {
        let inner = self.inner();
        let entropy = inner.entropy.as_ref();
        let today = self.now().date();
        check_dates(profile, today)?;
        let id = SurvivorId::from_random_bytes(haven_crypto::entropy::random_array(entropy));
        let key = inner.pool.take(&inner.store, &inner.keys, entropy).await?;
        let profile = &profile.clone().estimate_dated(today);
        let row = SurvivorRow {
            id,
            org,
            key_id: key.id,
            created_at: self.now(),
            fields: seal_profile(&key, org, id, profile, entropy)?,
            coarse: coarse(profile, today),
            index: inner.index.entries(profile),
        };
        let body = self.audit_body(
            actor,
            Some(org),
            AuditAction::SurvivorCreate,
            Some(AuditTarget::Survivor(*id.as_uuid())),
            &PROFILE_CATEGORIES,
            "intake",
        )?;
        Ok((row, body))
    }

    /// Reads and decrypts the parts of a survivor record the capability allows; the view is
    /// audited (durably) before anything is returned. Fields of categories not granted are
    /// never decrypted and come back empty. Where the decision read the record, that row is
    /// the one shown: nothing written after the team and releases it was decided on.
    pub async fn read_survivor(&self, access: &CaseAccess) -> Result<SurvivorRecord, CoreError> {
        let inner = self.inner();
        let id = access.survivor();
        let fetched;
        let row = match access.loaded_record() {
            Some(row) => row,
            None => {
                fetched = inner.store.survivor(id).await?.ok_or(CoreError::NotFound)?;
                &fetched
            }
        };
        let wrapped = inner
            .store
            .data_key(row.key_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let key = envelope::unwrap(&inner.keys, &wrapped)?;
        let fields = visible_ciphertexts(&row.fields, access);
        let profile = open_profile(&key, row.org, id, &fields)?;
        let mut event = self.event(
            access.actor().clone(),
            AuditAction::SurvivorView,
            Self::access_reason(access),
        );
        event.org = Some(row.org);
        event.target = Some(AuditTarget::Survivor(*id.as_uuid()));
        event.categories = access
            .categories()
            .into_iter()
            .filter(|c| PROFILE_CATEGORIES.contains(c))
            .collect();
        event.consent = access.consent();
        self.append(&event).await?;
        Ok(SurvivorRecord {
            id,
            org: row.org,
            created_at: row.created_at,
            profile,
        })
    }

    /// Reads a whole record as an operator's command (tests, maintenance): full access,
    /// audited as that command.
    pub async fn read_survivor_as_operator(
        &self,
        command: &str,
        id: SurvivorId,
    ) -> Result<SurvivorRecord, CoreError> {
        let access = self.operator_access(command, id).await?;
        self.read_survivor(&access).await
    }

    /// The data key of a survivor, unwrapped (for notes and tasks, sealed under it too).
    pub(crate) async fn survivor_key(&self, id: SurvivorId) -> Result<DataKey, CoreError> {
        Ok(self.survivor_with_key(id).await?.1)
    }

    /// A survivor's row and unwrapped data key, read once for a whole view.
    pub(crate) async fn survivor_with_key(
        &self,
        id: SurvivorId,
    ) -> Result<(SurvivorRow, DataKey), CoreError> {
        let row = self
            .inner()
            .store
            .survivor(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let key = self.key_of(&row).await?;
        Ok((row, key))
    }

    /// The unwrapped data key of a loaded survivor row.
    pub(crate) async fn key_of(&self, row: &SurvivorRow) -> Result<DataKey, CoreError> {
        let inner = self.inner();
        let wrapped = inner
            .store
            .data_key(row.key_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok(envelope::unwrap(&inner.keys, &wrapped)?)
    }

    /// The unwrapped data keys of loaded survivor rows, by key id, read in one call; a key
    /// destroyed since the rows were read (erasure) is missing.
    pub(crate) async fn keys_of_rows(
        &self,
        rows: &[&SurvivorRow],
    ) -> Result<std::collections::HashMap<KeyId, DataKey>, CoreError> {
        let inner = self.inner();
        let ids: Vec<KeyId> = rows.iter().map(|r| r.key_id).collect();
        let mut keys = std::collections::HashMap::with_capacity(ids.len());
        for wrapped in inner.store.data_keys(&ids).await? {
            keys.insert(wrapped.id, envelope::unwrap(&inner.keys, &wrapped)?);
        }
        Ok(keys)
    }

    /// The visible part of an already loaded survivor row.
    pub(crate) fn open_survivor_row(
        access: &CaseAccess,
        row: &SurvivorRow,
        key: &DataKey,
    ) -> Result<SurvivorProfile, CoreError> {
        open_profile(
            key,
            row.org,
            access.survivor(),
            &visible_ciphertexts(&row.fields, access),
        )
    }

    /// Candidate records whose blind index matches `value` in `field`. Candidates share a
    /// truncated index value with a few others; callers confirm by opening the record.
    pub async fn survivor_candidates(
        &self,
        field: IndexedField,
        value: &str,
        limit: u32,
    ) -> Result<Vec<SurvivorId>, CoreError> {
        let (name, v) = self.inner().index.lookup(field, value);
        Ok(self
            .inner()
            .store
            .survivors_by_index(name, v, limit)
            .await?)
    }

    /// Erasure by key destruction: the survivor's data key, row and index entries go; every
    /// copy of their ciphertext, backups included, can no longer be opened. The audit log
    /// keeps only the opaque id, so it still verifies.
    pub async fn erase_survivor(
        &self,
        actor: Actor,
        id: SurvivorId,
        reason: &str,
    ) -> Result<(), CoreError> {
        let body = self.audit_body(
            actor,
            None,
            AuditAction::SurvivorErase,
            Some(AuditTarget::Survivor(*id.as_uuid())),
            &DataCategory::ALL,
            reason,
        )?;
        self.inner()
            .store
            .erase_survivor(id, &body)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok(())
    }
}
