// Shared by haven-store-sqlite and haven-store-postgres through `include!` (see README.md
// here): organisations, and writing survivors' records.

use crate::db::{DbConn, DbStore, reader};
use crate::{audit, convert};
use haven_domain::{KeyId, OrgId, SurvivorId};
use haven_store::{IndexEntry, OrgRow, StoreError, SurvivorRow};
use sqlx::Row;
use uuid::Uuid;

pub(crate) async fn insert_org(
    store: &DbStore,
    org: &OrgRow,
    body: &[u8],
) -> Result<u64, StoreError> {
    let mut tx = crate::begin_write(store).await?;
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

pub(crate) async fn org(store: &DbStore, id: OrgId) -> Result<Option<OrgRow>, StoreError> {
    let row = sqlx::query("SELECT id, name, kind, created_at FROM organisations WHERE id = $1")
        .bind(id.as_uuid())
        .fetch_optional(reader(store))
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
    store: &DbStore,
    row: &SurvivorRow,
    body: &[u8],
) -> Result<u64, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    let seq = write_survivor(&mut tx, row, body).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(seq)
}

/// Writes a survivor, its index entries and its audit entry inside an open transaction.
pub(crate) async fn write_survivor(
    conn: &mut DbConn,
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
    insert_index(conn, row.id, &row.index).await?;
    audit::append(conn, body).await
}

/// A survivor's blind-index entries, within an open transaction.
pub(crate) async fn insert_index(
    conn: &mut DbConn,
    survivor: SurvivorId,
    entries: &[IndexEntry],
) -> Result<(), StoreError> {
    for entry in entries {
        sqlx::query("INSERT INTO survivor_index (name, value, survivor_id) VALUES ($1, $2, $3)")
            .bind(&entry.name)
            .bind(i64::from(entry.value))
            .bind(survivor.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(convert::error)?;
    }
    Ok(())
}

pub(crate) async fn insert_intakes(
    store: &DbStore,
    batch: &[haven_store::IntakeRecord],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    for r in batch {
        write_survivor(&mut tx, &r.survivor, &r.survivor_audit).await?;
        crate::cases::write_case(&mut tx, &r.case, &r.team, &r.event, &r.case_audit).await?;
    }
    tx.commit().await.map_err(convert::error)
}
