//! The keystore file: wrapped data keys and KEK checks.

use crate::{PgStore, convert};
use haven_domain::KeyId;
use haven_store::{StoreError, WrappedKey};
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

fn wrapped_key(r: &PgRow) -> Result<WrappedKey, StoreError> {
    Ok(WrappedKey {
        id: KeyId::from_uuid(r.try_get::<Uuid, _>("id").map_err(convert::error)?),
        generation: convert::to_u32(r.try_get("generation").map_err(convert::error)?)?,
        kek_version: convert::to_u32(r.try_get("kek_version").map_err(convert::error)?)?,
        wrapped: r.try_get("wrapped").map_err(convert::error)?,
    })
}

pub(crate) async fn put_kek_check(
    store: &PgStore,
    version: u32,
    check: &[u8],
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO haven_keys.kek_checks (version, check_value) VALUES ($1, $2) ON CONFLICT (version) DO UPDATE SET check_value = EXCLUDED.check_value")
        .bind(i64::from(version))
        .bind(check)
        .execute(&store.pool)
        .await
        .map_err(convert::error)?;
    Ok(())
}

pub(crate) async fn kek_checks(store: &PgStore) -> Result<Vec<(u32, Vec<u8>)>, StoreError> {
    let rows =
        sqlx::query("SELECT version, check_value FROM haven_keys.kek_checks ORDER BY version")
            .fetch_all(&store.pool)
            .await
            .map_err(convert::error)?;
    rows.iter()
        .map(|r| {
            Ok((
                convert::to_u32(r.try_get("version").map_err(convert::error)?)?,
                r.try_get("check_value").map_err(convert::error)?,
            ))
        })
        .collect()
}

pub(crate) async fn delete_kek_checks_before(
    store: &PgStore,
    version: u32,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM haven_keys.kek_checks WHERE version < $1")
        .bind(i64::from(version))
        .execute(&store.pool)
        .await
        .map_err(convert::error)?;
    Ok(())
}

pub(crate) async fn insert_data_keys(
    store: &PgStore,
    keys: &[WrappedKey],
) -> Result<(), StoreError> {
    let mut tx = store.pool.begin().await.map_err(convert::error)?;
    for k in keys {
        sqlx::query("INSERT INTO haven_keys.data_keys (id, generation, kek_version, wrapped) VALUES ($1, $2, $3, $4)")
            .bind(k.id.as_uuid())
            .bind(i64::from(k.generation))
            .bind(i64::from(k.kek_version))
            .bind(&k.wrapped)
            .execute(&mut *tx)
            .await
            .map_err(convert::error)?;
    }
    tx.commit().await.map_err(convert::error)
}

pub(crate) async fn data_key(store: &PgStore, id: KeyId) -> Result<Option<WrappedKey>, StoreError> {
    sqlx::query(
        "SELECT id, generation, kek_version, wrapped FROM haven_keys.data_keys WHERE id = $1",
    )
    .bind(id.as_uuid())
    .fetch_optional(&store.pool)
    .await
    .map_err(convert::error)?
    .as_ref()
    .map(wrapped_key)
    .transpose()
}

pub(crate) async fn data_keys(
    store: &PgStore,
    ids: &[KeyId],
) -> Result<Vec<WrappedKey>, StoreError> {
    let ids: Vec<uuid::Uuid> = ids.iter().map(|id| *id.as_uuid()).collect();
    sqlx::query(
        "SELECT id, generation, kek_version, wrapped FROM haven_keys.data_keys WHERE id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(&store.pool)
    .await
    .map_err(convert::error)?
    .iter()
    .map(wrapped_key)
    .collect()
}

pub(crate) async fn data_keys_page(
    store: &PgStore,
    after: Option<KeyId>,
    limit: u32,
) -> Result<Vec<WrappedKey>, StoreError> {
    let rows = match after {
        Some(after) => sqlx::query("SELECT id, generation, kek_version, wrapped FROM haven_keys.data_keys WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after.as_uuid())
            .bind(i64::from(limit))
            .fetch_all(&store.pool)
            .await,
        None => sqlx::query("SELECT id, generation, kek_version, wrapped FROM haven_keys.data_keys ORDER BY id LIMIT $1")
            .bind(i64::from(limit))
            .fetch_all(&store.pool)
            .await,
    }
    .map_err(convert::error)?;
    rows.iter().map(wrapped_key).collect()
}

pub(crate) async fn rewrap_data_keys(
    store: &PgStore,
    keys: &[WrappedKey],
) -> Result<(), StoreError> {
    let mut tx = store.pool.begin().await.map_err(convert::error)?;
    for k in keys {
        // A key erased meanwhile matches no row and stays erased.
        sqlx::query("UPDATE haven_keys.data_keys SET kek_version = $1, wrapped = $2 WHERE id = $3 AND generation = $4")
            .bind(i64::from(k.kek_version))
            .bind(&k.wrapped)
            .bind(k.id.as_uuid())
            .bind(i64::from(k.generation))
            .execute(&mut *tx)
            .await
            .map_err(convert::error)?;
    }
    tx.commit().await.map_err(convert::error)
}

pub(crate) async fn data_keys_by_kek(store: &PgStore) -> Result<Vec<(u32, u64)>, StoreError> {
    let rows = sqlx::query("SELECT kek_version, COUNT(*) AS n FROM haven_keys.data_keys GROUP BY kek_version ORDER BY kek_version")
        .fetch_all(&store.pool)
        .await
        .map_err(convert::error)?;
    rows.iter()
        .map(|r| {
            Ok((
                convert::to_u32(r.try_get("kek_version").map_err(convert::error)?)?,
                convert::to_u64(r.try_get("n").map_err(convert::error)?)?,
            ))
        })
        .collect()
}
