// Shared by haven-store-sqlite and haven-store-postgres through `include!` (see README.md
// here): the same SQL ($n placeholders, which both databases accept) over each backend's
// types, which the including module names DbStore, Db, DbRow and DbConn, with its pools
// behind writer(store) and reader(store). Each includer also defines
// consents_of_survivor(store, survivor), read on every request that crosses organisations.
use crate::db::{DbRow, DbStore, reader};
use haven_store::sqlx_support::get;
use crate::cases::{add_event, commit_with_event};
use crate::{audit, convert};
use haven_domain::{
    AdversaryId, CaseId, ConsentId, KeyId, MessageId, OrgId, ReferralId, ServiceId, SurvivorId,
    UserId,
};
use haven_store::{
    AdversaryRow, CaseEvent, ConsentRow, MessageRow, ReferralRow, Revocation, StoreError,
};
use uuid::Uuid;

const CONSENT_COLUMNS: &str = "id, survivor_id, org_id, recipient_org_id, categories, method, signer, sealed, \
     granted_at, expires_at, recorded_by, revoked_at, revoked_by, revocation_channel, scan";

pub(crate) async fn insert_consent(
    store: &DbStore,
    c: &ConsentRow,
    scan: Option<&[u8]>,
    event: &CaseEvent,
    body: &[u8],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    crate::cases::hold_case(&mut tx, event.case, c.org).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO consents ({CONSENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    )))
    .bind(c.id.as_uuid())
    .bind(c.survivor.as_uuid())
    .bind(c.org.as_uuid())
    .bind(c.recipient_org.as_uuid())
    .bind(&c.categories)
    .bind(&c.method)
    .bind(&c.signer)
    .bind(&c.sealed)
    .bind(c.granted_at)
    .bind(c.expires_at)
    .bind(c.recorded_by.as_uuid())
    .bind(c.revoked_at)
    .bind(c.revoked_by.map(|u| *u.as_uuid()))
    .bind(&c.revocation_channel)
    .bind(scan)
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?;
    commit_with_event(tx, event, body).await
}

pub(crate) async fn consent_scan(
    store: &DbStore,
    survivor: SurvivorId,
    consent: ConsentId,
) -> Result<Option<Vec<u8>>, StoreError> {
    let row = sqlx::query("SELECT scan FROM consents WHERE id = $1 AND survivor_id = $2")
        .bind(consent.as_uuid())
        .bind(survivor.as_uuid())
        .fetch_optional(reader(store))
        .await
        .map_err(convert::error)?;
    Ok(match row {
        Some(r) => get::<Option<Vec<u8>>, _>(&r, "scan")?,
        None => None,
    })
}

pub(crate) async fn revoke_consent(
    store: &DbStore,
    survivor: SurvivorId,
    rev: &Revocation,
    event: &CaseEvent,
    body: &[u8],
) -> Result<bool, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    let done = sqlx::query(
        "UPDATE consents SET revoked_at = $1, revoked_by = $2, revocation_channel = $3 \
         WHERE id = $4 AND survivor_id = $5 AND revoked_at IS NULL",
    )
    .bind(rev.at)
    .bind(rev.by.as_uuid())
    .bind(&rev.channel)
    .bind(rev.consent.as_uuid())
    .bind(survivor.as_uuid())
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?
    .rows_affected();
    if done != 1 {
        return Ok(false);
    }
    commit_with_event(tx, event, body).await?;
    Ok(true)
}

pub(crate) async fn insert_adversary(
    store: &DbStore,
    a: &AdversaryRow,
    owner: OrgId,
    event: &CaseEvent,
    body: &[u8],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    crate::cases::hold_case(&mut tx, a.case, owner).await?;
    sqlx::query(
        "INSERT INTO adversaries (id, case_id, name, relationship, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(a.id.as_uuid())
    .bind(a.case.as_uuid())
    .bind(&a.name)
    .bind(&a.relationship)
    .bind(a.created_at)
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?;
    commit_with_event(tx, event, body).await
}

pub(crate) async fn adversaries_of_case(
    store: &DbStore,
    case: CaseId,
) -> Result<Vec<AdversaryRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, case_id, name, relationship, created_at FROM adversaries \
         WHERE case_id = $1 ORDER BY created_at, id",
    )
    .bind(case.as_uuid())
    .fetch_all(reader(store))
    .await
    .map_err(convert::error)?;
    rows.iter()
        .map(|r| {
            Ok(AdversaryRow {
                id: AdversaryId::from_uuid(get(r, "id")?),
                case: CaseId::from_uuid(get(r, "case_id")?),
                name: get(r, "name")?,
                relationship: get(r, "relationship")?,
                created_at: get(r, "created_at")?,
            })
        })
        .collect()
}

const REFERRAL_COLUMNS: &str = "id, case_id, survivor_id, from_org_id, to_org_id, service_id, consent_id, state, \
     reason, created_by, created_at, respond_by, updated_at, sealed, key_id";

fn referral_row(r: &DbRow) -> Result<ReferralRow, StoreError> {
    Ok(ReferralRow {
        id: ReferralId::from_uuid(get(r, "id")?),
        case: get::<Option<Uuid>, _>(r, "case_id")?.map(CaseId::from_uuid),
        survivor: get::<Option<Uuid>, _>(r, "survivor_id")?.map(SurvivorId::from_uuid),
        from_org: OrgId::from_uuid(get(r, "from_org_id")?),
        to_org: OrgId::from_uuid(get(r, "to_org_id")?),
        service: ServiceId::from_uuid(get(r, "service_id")?),
        consent: get::<Option<Uuid>, _>(r, "consent_id")?.map(ConsentId::from_uuid),
        state: get(r, "state")?,
        reason: get(r, "reason")?,
        created_by: UserId::from_uuid(get(r, "created_by")?),
        created_at: get(r, "created_at")?,
        respond_by: get(r, "respond_by")?,
        updated_at: get(r, "updated_at")?,
        sealed: get(r, "sealed")?,
        key_id: get::<Option<Uuid>, _>(r, "key_id")?.map(KeyId::from_uuid),
    })
}

pub(crate) async fn insert_referral(
    store: &DbStore,
    f: &ReferralRow,
    event: Option<&CaseEvent>,
    body: &[u8],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    if let Some(case) = f.case {
        crate::cases::hold_case(&mut tx, case, f.from_org).await?;
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO referrals ({REFERRAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    )))
    .bind(f.id.as_uuid())
    .bind(f.case.map(|c| *c.as_uuid()))
    .bind(f.survivor.map(|s| *s.as_uuid()))
    .bind(f.from_org.as_uuid())
    .bind(f.to_org.as_uuid())
    .bind(f.service.as_uuid())
    .bind(f.consent.map(|c| *c.as_uuid()))
    .bind(&f.state)
    .bind(&f.reason)
    .bind(f.created_by.as_uuid())
    .bind(f.created_at)
    .bind(f.respond_by)
    .bind(f.updated_at)
    .bind(&f.sealed)
    .bind(f.key_id.map(|k| *k.as_uuid()))
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?;
    if let Some(e) = event {
        add_event(&mut tx, e).await?;
    }
    audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)
}

pub(crate) async fn referral(
    store: &DbStore,
    id: ReferralId,
) -> Result<Option<ReferralRow>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = $1"
    )))
    .bind(id.as_uuid())
    .fetch_optional(reader(store))
    .await
    .map_err(convert::error)?;
    row.as_ref().map(referral_row).transpose()
}

pub(crate) async fn referrals_of_case(
    store: &DbStore,
    case: CaseId,
) -> Result<Vec<ReferralRow>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE case_id = $1 ORDER BY created_at, id"
    )))
    .bind(case.as_uuid())
    .fetch_all(reader(store))
    .await
    .map_err(convert::error)?;
    rows.iter().map(referral_row).collect()
}

pub(crate) async fn referrals_to_org(
    store: &DbStore,
    org: OrgId,
    limit: u32,
) -> Result<Vec<ReferralRow>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE to_org_id = $1 ORDER BY created_at DESC, id LIMIT $2"
    )))
    .bind(org.as_uuid())
    .bind(i64::from(limit))
    .fetch_all(reader(store))
    .await
    .map_err(convert::error)?;
    rows.iter().map(referral_row).collect()
}

pub(crate) async fn move_referral(
    store: &DbStore,
    f: &ReferralRow,
    expected: &str,
    event: Option<&CaseEvent>,
    body: &[u8],
) -> Result<bool, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    let done = sqlx::query(
        "UPDATE referrals SET state = $1, reason = $2, updated_at = $3, case_id = $4, survivor_id = $5, \
         consent_id = $6 WHERE id = $7 AND state = $8",
    )
    .bind(&f.state)
    .bind(&f.reason)
    .bind(f.updated_at)
    .bind(f.case.map(|c| *c.as_uuid()))
    .bind(f.survivor.map(|s| *s.as_uuid()))
    .bind(f.consent.map(|c| *c.as_uuid()))
    .bind(f.id.as_uuid())
    .bind(expected)
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?
    .rows_affected();
    if done != 1 {
        return Ok(false);
    }
    if let Some(e) = event {
        add_event(&mut tx, e).await?;
    }
    audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(true)
}

pub(crate) async fn insert_message(
    store: &DbStore,
    m: &MessageRow,
    owner: OrgId,
    body: &[u8],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    crate::cases::hold_case(&mut tx, m.case, owner).await?;
    sqlx::query(
        "INSERT INTO case_messages (id, case_id, author, author_org_id, created_at, body) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(m.id.as_uuid())
    .bind(m.case.as_uuid())
    .bind(m.author.as_uuid())
    .bind(m.author_org.as_uuid())
    .bind(m.created_at)
    .bind(&m.body)
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?;
    audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)
}

pub(crate) async fn messages_of_case(
    store: &DbStore,
    case: CaseId,
) -> Result<Vec<MessageRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, case_id, author, author_org_id, created_at, body FROM case_messages \
         WHERE case_id = $1 ORDER BY created_at, id",
    )
    .bind(case.as_uuid())
    .fetch_all(reader(store))
    .await
    .map_err(convert::error)?;
    rows.iter().map(message).collect()
}

/// The newest `n` messages of a case, oldest first, and how many it has in all.
pub(crate) async fn newest_messages_of_case(
    store: &DbStore,
    case: CaseId,
    n: u32,
) -> Result<(Vec<MessageRow>, u64), StoreError> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_messages WHERE case_id = $1")
        .bind(case.as_uuid())
        .fetch_one(reader(store))
        .await
        .map_err(convert::error)?;
    let rows = sqlx::query(
        "SELECT id, case_id, author, author_org_id, created_at, body FROM case_messages \
         WHERE case_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(case.as_uuid())
    .bind(i64::from(n))
    .fetch_all(reader(store))
    .await
    .map_err(convert::error)?;
    let mut newest = rows.iter().map(message).collect::<Result<Vec<_>, _>>()?;
    newest.reverse();
    Ok((newest, convert::to_u64(total)?))
}

fn message(r: &DbRow) -> Result<MessageRow, StoreError> {
    Ok(MessageRow {
        id: MessageId::from_uuid(get(r, "id")?),
        case: CaseId::from_uuid(get(r, "case_id")?),
        author: UserId::from_uuid(get(r, "author")?),
        author_org: OrgId::from_uuid(get(r, "author_org_id")?),
        created_at: get(r, "created_at")?,
        body: get(r, "body")?,
    })
}

impl haven_store::SharingStore for DbStore {
    async fn insert_consent(
        &self,
        consent: &ConsentRow,
        scan: Option<&[u8]>,
        event: &CaseEvent,
        audit: &[u8],
    ) -> Result<(), StoreError> {
        insert_consent(self, consent, scan, event, audit).await
    }
    async fn consent_scan(
        &self,
        survivor: SurvivorId,
        consent: ConsentId,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        consent_scan(self, survivor, consent).await
    }
    async fn consents_of_survivor(
        &self,
        survivor: SurvivorId,
    ) -> Result<Vec<ConsentRow>, StoreError> {
        consents_of_survivor(self, survivor).await
    }
    async fn revoke_consent(
        &self,
        survivor: SurvivorId,
        revocation: &Revocation,
        event: &CaseEvent,
        audit: &[u8],
    ) -> Result<bool, StoreError> {
        revoke_consent(self, survivor, revocation, event, audit).await
    }
    async fn insert_adversary(
        &self,
        adversary: &AdversaryRow,
        owner: OrgId,
        event: &CaseEvent,
        audit: &[u8],
    ) -> Result<(), StoreError> {
        insert_adversary(self, adversary, owner, event, audit).await
    }
    async fn adversaries_of_case(&self, case: CaseId) -> Result<Vec<AdversaryRow>, StoreError> {
        adversaries_of_case(self, case).await
    }
    async fn insert_referral(
        &self,
        referral: &ReferralRow,
        event: Option<&CaseEvent>,
        audit: &[u8],
    ) -> Result<(), StoreError> {
        insert_referral(self, referral, event, audit).await
    }
    async fn referral(&self, id: ReferralId) -> Result<Option<ReferralRow>, StoreError> {
        referral(self, id).await
    }
    async fn referrals_of_case(&self, case: CaseId) -> Result<Vec<ReferralRow>, StoreError> {
        referrals_of_case(self, case).await
    }
    async fn referrals_to_org(
        &self,
        org: OrgId,
        limit: u32,
    ) -> Result<Vec<ReferralRow>, StoreError> {
        referrals_to_org(self, org, limit).await
    }
    async fn move_referral(
        &self,
        referral: &ReferralRow,
        expected: &str,
        event: Option<&CaseEvent>,
        audit: &[u8],
    ) -> Result<bool, StoreError> {
        move_referral(self, referral, expected, event, audit).await
    }
    async fn insert_transfer(
        &self,
        transfer: &haven_store::TransferRow,
        event: &CaseEvent,
        audit: &[u8],
    ) -> Result<(), StoreError> {
        crate::transfers::insert(self, transfer, event, audit).await
    }
    async fn transfer(
        &self,
        id: haven_domain::TransferId,
    ) -> Result<Option<haven_store::TransferRow>, StoreError> {
        crate::transfers::one(self, id).await
    }
    async fn transfers_of_org(
        &self,
        org: OrgId,
        limit: u32,
    ) -> Result<Vec<haven_store::TransferRow>, StoreError> {
        crate::transfers::of_org(self, org, limit).await
    }
    async fn decide_transfer(
        &self,
        transfer: &haven_store::TransferRow,
        moved: Option<&haven_store::MovedRecord>,
        event: &CaseEvent,
        audit: &[u8],
    ) -> Result<bool, StoreError> {
        crate::transfers::decide(self, transfer, moved, event, audit).await
    }
    async fn insert_message(
        &self,
        message: &MessageRow,
        owner: OrgId,
        audit: &[u8],
    ) -> Result<(), StoreError> {
        insert_message(self, message, owner, audit).await
    }
    async fn messages_of_case(&self, case: CaseId) -> Result<Vec<MessageRow>, StoreError> {
        messages_of_case(self, case).await
    }
    async fn newest_messages_of_case(
        &self,
        case: CaseId,
        n: u32,
    ) -> Result<(Vec<MessageRow>, u64), StoreError> {
        newest_messages_of_case(self, case, n).await
    }
    async fn import_directory(
        &self,
        import: &haven_store::DirectoryImport,
        audit: &[u8],
    ) -> Result<(), StoreError> {
        crate::directory::import(self, import, audit).await
    }
    async fn directory_orgs(&self) -> Result<Vec<haven_store::DirectoryOrgRow>, StoreError> {
        crate::directory::orgs(self).await
    }
    async fn directory_services(&self) -> Result<Vec<haven_store::ServiceRow>, StoreError> {
        crate::directory::services(self).await
    }
    async fn directory_service(
        &self,
        id: ServiceId,
    ) -> Result<Option<haven_store::ServiceRow>, StoreError> {
        crate::directory::service(self, id).await
    }
    async fn sealed_locations(
        &self,
        org: OrgId,
    ) -> Result<Vec<haven_store::SealedLocationRow>, StoreError> {
        crate::directory::sealed_locations(self, org).await
    }
}
