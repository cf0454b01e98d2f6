//! PostgreSQL: organisations and survivors. The SQL is shared with SQLite
//! (`crates/store/backend/survivors.rs`) but for the reads a case view and a search make
//! (SQLite runs them through `inline_reads`) and erasure, where the key, the row and the
//! audit entry go in one transaction.

include!("../../store/backend/survivors.rs");

use haven_store::{CoarseFields, SurvivorCiphertexts};

/// A survivor query with the columns [`survivor_row`] decodes, as one literal (the case view
/// reads through it: no formatting on that path).
macro_rules! survivor_select {
    ($condition:literal) => {
        concat!(
            "SELECT id, org_id, key_id, created_at, pseudonym, legal_name, aliases, \
             date_of_birth, phone, email, safe_contact, details, age_band, gender, \
             nationality_region FROM survivors WHERE ",
            $condition
        )
    };
}

pub(crate) async fn survivor<'c>(
    db: impl sqlx::PgExecutor<'c>,
    id: SurvivorId,
) -> Result<Option<SurvivorRow>, StoreError> {
    sqlx::query(survivor_select!("id = $1"))
        .bind(id.as_uuid())
        .fetch_optional(db)
        .await
        .map_err(convert::error)?
        .as_ref()
        .map(survivor_row)
        .transpose()
}

/// The rows of those of `ids` that exist, in no particular order.
pub(crate) async fn survivors<'c>(
    db: impl sqlx::PgExecutor<'c>,
    ids: &[Uuid],
) -> Result<Vec<SurvivorRow>, StoreError> {
    sqlx::query(survivor_select!("id = ANY($1)"))
        .bind(ids)
        .fetch_all(db)
        .await
        .map_err(convert::error)?
        .iter()
        .map(survivor_row)
        .collect()
}

fn survivor_row(r: &sqlx::postgres::PgRow) -> Result<SurvivorRow, StoreError> {
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
}

pub(crate) async fn survivors_by_index(
    store: &DbStore,
    name: &str,
    value: u32,
    limit: u32,
) -> Result<Vec<SurvivorId>, StoreError> {
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT survivor_id FROM survivor_index WHERE name = $1 AND value = $2 ORDER BY survivor_id LIMIT $3")
        .bind(name)
        .bind(i64::from(value))
        .bind(i64::from(limit))
        .fetch_all(reader(store))
        .await
        .map_err(convert::error)?;
    Ok(ids.into_iter().map(SurvivorId::from_uuid).collect())
}

pub(crate) async fn erase_survivor(
    store: &DbStore,
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
