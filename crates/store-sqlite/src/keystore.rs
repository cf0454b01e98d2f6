//! The keystore file: wrapped data keys and KEK checks.

use crate::{SqliteStore, convert};
use haven_domain::KeyId;
use haven_store::{StoreError, WrappedKey};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

fn wrapped_key(r: &SqliteRow) -> Result<WrappedKey, StoreError> {
    Ok(WrappedKey {
        id: KeyId::from_uuid(r.try_get::<Uuid, _>("id").map_err(convert::error)?),
        generation: convert::to_u32(r.try_get("generation").map_err(convert::error)?)?,
        kek_version: convert::to_u32(r.try_get("kek_version").map_err(convert::error)?)?,
        wrapped: r.try_get("wrapped").map_err(convert::error)?,
    })
}

pub(crate) async fn put_kek_check(
    store: &SqliteStore,
    version: u32,
    check: &[u8],
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO kek_checks (version, check_value) VALUES (?, ?) ON CONFLICT (version) DO UPDATE SET check_value = excluded.check_value")
        .bind(i64::from(version))
        .bind(check)
        .execute(&store.keys_writer)
        .await
        .map_err(convert::error)?;
    Ok(())
}

pub(crate) async fn kek_checks(store: &SqliteStore) -> Result<Vec<(u32, Vec<u8>)>, StoreError> {
    let rows = sqlx::query("SELECT version, check_value FROM kek_checks ORDER BY version")
        .fetch_all(&store.keys_reader)
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
    store: &SqliteStore,
    version: u32,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM kek_checks WHERE version < ?")
        .bind(i64::from(version))
        .execute(&store.keys_writer)
        .await
        .map_err(convert::error)?;
    Ok(())
}

pub(crate) async fn insert_data_keys(
    store: &SqliteStore,
    keys: &[WrappedKey],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_keys_write(store).await?;
    for k in keys {
        sqlx::query(
            "INSERT INTO data_keys (id, generation, kek_version, wrapped) VALUES (?, ?, ?, ?)",
        )
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

pub(crate) async fn data_keys_page(
    store: &SqliteStore,
    after: Option<KeyId>,
    limit: u32,
) -> Result<Vec<WrappedKey>, StoreError> {
    let rows = match after {
        Some(after) => sqlx::query("SELECT id, generation, kek_version, wrapped FROM data_keys WHERE id > ? ORDER BY id LIMIT ?")
            .bind(after.as_uuid())
            .bind(i64::from(limit))
            .fetch_all(&store.keys_reader)
            .await,
        None => sqlx::query("SELECT id, generation, kek_version, wrapped FROM data_keys ORDER BY id LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&store.keys_reader)
            .await,
    }
    .map_err(convert::error)?;
    rows.iter().map(wrapped_key).collect()
}

pub(crate) async fn rewrap_data_keys(
    store: &SqliteStore,
    keys: &[WrappedKey],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_keys_write(store).await?;
    for k in keys {
        // A key erased meanwhile matches no row and stays erased.
        sqlx::query(
            "UPDATE data_keys SET kek_version = ?, wrapped = ? WHERE id = ? AND generation = ?",
        )
        .bind(i64::from(k.kek_version))
        .bind(&k.wrapped)
        .bind(k.id.as_uuid())
        .bind(i64::from(k.generation))
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    }
    tx.commit().await.map_err(convert::error)?;
    // The old wrappings must not linger in the WAL once the old KEK is retired.
    purge(&store.keys_writer).await
}

pub(crate) async fn data_keys_by_kek(store: &SqliteStore) -> Result<Vec<(u32, u64)>, StoreError> {
    let rows = sqlx::query("SELECT kek_version, COUNT(*) AS n FROM data_keys GROUP BY kek_version ORDER BY kek_version")
        .fetch_all(&store.keys_reader)
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

/// Destroys one data key durably and purges it from the keystore's files.
pub(crate) async fn destroy_data_key(store: &SqliteStore, id: KeyId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM data_keys WHERE id = ?")
        .bind(id.as_uuid())
        .execute(&store.keys_writer)
        .await
        .map_err(convert::error)?;
    purge(&store.keys_writer).await
}

/// Copies the WAL into the main file and truncates it, so deleted content (zeroed by
/// `secure_delete`) leaves no older page image behind.
pub(crate) async fn purge(pool: &sqlx::SqlitePool) -> Result<(), StoreError> {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(pool)
        .await
        .map_err(convert::error)?;
    Ok(())
}
