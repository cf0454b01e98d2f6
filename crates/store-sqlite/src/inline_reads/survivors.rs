//! The reads about one survivor: the record, its releases, its cases, and the candidates a
//! blind-index lookup finds (search opens up to a few hundred of them, one after another).

use super::cases::{case_and_member, case_with_team, with_teams};
use super::{Reads, at, at_opt, col, count};
use haven_domain::{ConsentId, KeyId, OrgId, SurvivorId, UserId};
use haven_store::{
    CaseRow, CoarseFields, ConsentRow, StoreError, SurvivorCiphertexts, SurvivorRow, WrappedKey,
};
use uuid::Uuid;

impl Reads<'_> {
    pub(crate) fn survivor(&self, id: SurvivorId) -> Result<Option<SurvivorRow>, StoreError> {
        self.one(
            "SELECT id, org_id, key_id, created_at, pseudonym, legal_name, aliases, date_of_birth, \
             phone, email, safe_contact, details, age_band, gender, nationality_region FROM survivors WHERE id = ?1",
            [id.as_uuid()],
            |r| {
                Ok(SurvivorRow {
                    id: SurvivorId::from_uuid(col(r, 0)?),
                    org: OrgId::from_uuid(col(r, 1)?),
                    key_id: KeyId::from_uuid(col(r, 2)?),
                    created_at: at(r, 3)?,
                    fields: SurvivorCiphertexts {
                        pseudonym: col(r, 4)?,
                        legal_name: col(r, 5)?,
                        aliases: col(r, 6)?,
                        date_of_birth: col(r, 7)?,
                        phone: col(r, 8)?,
                        email: col(r, 9)?,
                        safe_contact: col(r, 10)?,
                        details: col(r, 11)?,
                    },
                    coarse: CoarseFields {
                        age_band: col(r, 12)?,
                        gender: col(r, 13)?,
                        nationality_region: col(r, 14)?,
                    },
                    index: Vec::new(),
                })
            },
        )
    }

    /// A survivor's cases, each with its team.
    pub(crate) fn cases_of_survivor(
        &self,
        survivor: SurvivorId,
    ) -> Result<Vec<(CaseRow, Vec<UserId>)>, StoreError> {
        let rows = self.all(
            concat!(case_with_team!(), "WHERE c.survivor_id = ?1 ORDER BY c.id"),
            [survivor.as_uuid()],
            case_and_member,
        )?;
        Ok(with_teams(rows))
    }

    /// Survivors with `value` in the blind index `name`: at most `limit`, lowest ids first.
    pub(crate) fn survivors_by_index(
        &self,
        name: &str,
        value: u32,
        limit: u32,
    ) -> Result<Vec<SurvivorId>, StoreError> {
        self.all(
            "SELECT survivor_id FROM survivor_index WHERE name = ?1 AND value = ?2 \
             ORDER BY survivor_id LIMIT ?3",
            rusqlite::params![name, value, limit],
            |r| Ok(SurvivorId::from_uuid(col(r, 0)?)),
        )
    }

    /// Every release recorded for a survivor: read fresh on each request that crosses
    /// organisations, so a revocation bites on the next one. Whether a scan is attached is
    /// asked with `length(scan)`, which SQLite answers from the record header; `scan IS NOT
    /// NULL` reads the blob's overflow pages.
    pub(crate) fn consents_of_survivor(
        &self,
        survivor: SurvivorId,
    ) -> Result<Vec<ConsentRow>, StoreError> {
        self.all(
            "SELECT id, survivor_id, org_id, recipient_org_id, categories, method, signer, sealed, \
             granted_at, expires_at, recorded_by, revoked_at, revoked_by, revocation_channel, length(scan) IS NOT NULL \
             FROM consents WHERE survivor_id = ?1 ORDER BY granted_at, id",
            [survivor.as_uuid()],
            |r| {
                Ok(ConsentRow {
                    id: ConsentId::from_uuid(col(r, 0)?),
                    survivor: SurvivorId::from_uuid(col(r, 1)?),
                    org: OrgId::from_uuid(col(r, 2)?),
                    recipient_org: OrgId::from_uuid(col(r, 3)?),
                    categories: col(r, 4)?,
                    method: col(r, 5)?,
                    signer: col(r, 6)?,
                    sealed: col(r, 7)?,
                    granted_at: at(r, 8)?,
                    expires_at: at(r, 9)?,
                    recorded_by: UserId::from_uuid(col(r, 10)?),
                    revoked_at: at_opt(r, 11)?,
                    revoked_by: col::<Option<Uuid>>(r, 12)?.map(UserId::from_uuid),
                    revocation_channel: col(r, 13)?,
                    has_scan: col(r, 14)?,
                })
            },
        )
    }

    /// A wrapped data key (this reader is on the keystore file).
    pub(crate) fn data_key(&self, id: KeyId) -> Result<Option<WrappedKey>, StoreError> {
        self.one(
            "SELECT id, generation, kek_version, wrapped FROM data_keys WHERE id = ?1",
            [id.as_uuid()],
            |r| {
                Ok(WrappedKey {
                    id: KeyId::from_uuid(col(r, 0)?),
                    generation: count(col(r, 1)?)?,
                    kek_version: count(col(r, 2)?)?,
                    wrapped: col(r, 3)?,
                })
            },
        )
    }
}
