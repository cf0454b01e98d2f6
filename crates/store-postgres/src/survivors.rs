//! Organisations and survivors in PostgreSQL.

use crate::{PgStore, audit, convert};
use haven_domain::{KeyId, OrgId, SurvivorId};
use haven_store::{CoarseFields, OrgRow, StoreError, SurvivorCiphertexts, SurvivorRow};
use sqlx::Row;
use uuid::Uuid;

pub(crate) async fn insert_org(
    store: &PgStore,
    org: &OrgRow,
    body: &[u8],
) -> Result<u64, StoreError> {
    let mut tx = store.pool.begin().await.map_err(convert::error)?;
    sqlx::query("INSERT INTO organisations (id, name, kind, created_at) VALUES ($1, $2, $3, $4)")
        .bind(org.id.as_uuid())
        .bind(&org.name)
        .bind(&org.kind)
        .bind(org.created_at)
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    let seq = audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(seq)
}

pub(crate) async fn org(store: &PgStore, id: OrgId) -> Result<Option<OrgRow>, StoreError> {
    let row = sqlx::query("SELECT id, name, kind, created_at FROM organisations WHERE id = $1")
        .bind(id.as_uuid())
        .fetch_optional(&store.pool)
        .await
        .map_err(convert::error)?;
    row.map(|r| {
        Ok(OrgRow {
            id: OrgId::from_uuid(r.try_get("id").map_err(convert::error)?),
            name: r.try_get("name").map_err(convert::error)?,
            kind: r.try_get("kind").map_err(convert::error)?,
            created_at: r.try_get("created_at").map_err(convert::error)?,
        })
    })
    .transpose()
}

pub(crate) async fn insert_survivor(
    store: &PgStore,
    row: &SurvivorRow,
    body: &[u8],
) -> Result<u64, StoreError> {
    let mut tx = store.pool.begin().await.map_err(convert::error)?;
    let seq = write_survivor(&mut tx, row, body).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(seq)
}

/// Writes a survivor, its index entries and its audit entry inside an open transaction.
pub(crate) async fn write_survivor(
    conn: &mut sqlx::PgConnection,
    row: &SurvivorRow,
    body: &[u8],
) -> Result<u64, StoreError> {
    let f = &row.fields;
    sqlx::query(
        "INSERT INTO survivors (id, org_id, key_id, created_at, pseudonym, legal_name, aliases, \
         date_of_birth, phone, email, safe_contact, details, age_band, gender, nationality_region) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(row.id.as_uuid())
    .bind(row.org.as_uuid())
    .bind(row.key_id.as_uuid())
    .bind(row.created_at)
    .bind(&f.pseudonym)
    .bind(&f.legal_name)
    .bind(&f.aliases)
    .bind(&f.date_of_birth)
    .bind(&f.phone)
    .bind(&f.email)
    .bind(&f.safe_contact)
    .bind(&f.details)
    .bind(&row.coarse.age_band)
    .bind(&row.coarse.gender)
    .bind(&row.coarse.nationality_region)
    .execute(&mut *conn)
    .await
    .map_err(convert::error)?;
    for entry in &row.index {
        sqlx::query("INSERT INTO survivor_index (name, value, survivor_id) VALUES ($1, $2, $3)")
            .bind(&entry.name)
            .bind(i64::from(entry.value))
            .bind(row.id.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(convert::error)?;
    }
    audit::append(conn, body).await
}

pub(crate) async fn survivor(
    store: &PgStore,
    id: SurvivorId,
) -> Result<Option<SurvivorRow>, StoreError> {
    let row = sqlx::query(
        "SELECT id, org_id, key_id, created_at, pseudonym, legal_name, aliases, date_of_birth, \
         phone, email, safe_contact, details, age_band, gender, nationality_region FROM survivors WHERE id = $1",
    )
    .bind(id.as_uuid())
    .fetch_optional(&store.pool)
    .await
    .map_err(convert::error)?;
    row.map(|r| {
        let get = |c: &str| r.try_get::<Option<Vec<u8>>, _>(c).map_err(convert::error);
        Ok(SurvivorRow {
            id: SurvivorId::from_uuid(r.try_get::<Uuid, _>("id").map_err(convert::error)?),
            org: OrgId::from_uuid(r.try_get::<Uuid, _>("org_id").map_err(convert::error)?),
            key_id: KeyId::from_uuid(r.try_get::<Uuid, _>("key_id").map_err(convert::error)?),
            created_at: r.try_get("created_at").map_err(convert::error)?,
            fields: SurvivorCiphertexts {
                pseudonym: r.try_get("pseudonym").map_err(convert::error)?,
                legal_name: get("legal_name")?,
                aliases: get("aliases")?,
                date_of_birth: get("date_of_birth")?,
                phone: get("phone")?,
                email: get("email")?,
                safe_contact: get("safe_contact")?,
                details: get("details")?,
            },
            coarse: CoarseFields {
                age_band: r.try_get("age_band").map_err(convert::error)?,
                gender: r.try_get("gender").map_err(convert::error)?,
                nationality_region: r.try_get("nationality_region").map_err(convert::error)?,
            },
            index: Vec::new(),
        })
    })
    .transpose()
}

pub(crate) async fn survivors_by_index(
    store: &PgStore,
    name: &str,
    value: u32,
    limit: u32,
) -> Result<Vec<SurvivorId>, StoreError> {
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT survivor_id FROM survivor_index WHERE name = $1 AND value = $2 ORDER BY survivor_id LIMIT $3")
        .bind(name)
        .bind(i64::from(value))
        .bind(i64::from(limit))
        .fetch_all(&store.pool)
        .await
        .map_err(convert::error)?;
    Ok(ids.into_iter().map(SurvivorId::from_uuid).collect())
}

pub(crate) async fn erase_survivor(
    store: &PgStore,
    id: SurvivorId,
    body: &[u8],
) -> Result<Option<u64>, StoreError> {
    // One transaction: the key, the row, its index entries and the audit entry go together.
    let mut tx = store.pool.begin().await.map_err(convert::error)?;
    let key: Option<Uuid> =
        sqlx::query_scalar("DELETE FROM survivors WHERE id = $1 RETURNING key_id")
            .bind(id.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(convert::error)?;
    let Some(key) = key else { return Ok(None) };
    sqlx::query("DELETE FROM haven_keys.data_keys WHERE id = $1")
        .bind(key)
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    let seq = audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(Some(seq))
}

pub(crate) async fn insert_intakes(
    store: &PgStore,
    batch: &[haven_store::IntakeRecord],
) -> Result<(), StoreError> {
    let mut tx = store.pool.begin().await.map_err(convert::error)?;
    for r in batch {
        write_survivor(&mut tx, &r.survivor, &r.survivor_audit).await?;
        crate::cases::write_case(&mut tx, &r.case, &r.team, &r.event, &r.case_audit).await?;
    }
    tx.commit().await.map_err(convert::error)
}
