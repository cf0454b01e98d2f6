// Shared by haven-store-sqlite and haven-store-postgres through `include!` (see README.md
// here): the browsers that have signed in to an account (known devices). Only a cookie's
// hash is stored, with the account, its security epoch, when, and the failures since.

use crate::db::{DbRow, DbStore, reader, writer};
use crate::convert;
use haven_domain::UserId;
use haven_store::sqlx_support::get;
use haven_store::{KnownDeviceRow, StoreError};
use time::OffsetDateTime;

fn known_device(r: &DbRow) -> Result<KnownDeviceRow, StoreError> {
    Ok(KnownDeviceRow {
        token_hash: convert::array(&get::<Vec<u8>, _>(r, "token_hash")?)?,
        user: UserId::from_uuid(get(r, "user_id")?),
        security_epoch: convert::to_u64(get(r, "security_epoch")?)?,
        created_at: get(r, "created_at")?,
        failures: convert::to_u32(get(r, "failures")?)?,
    })
}

pub(crate) async fn remember_device(
    store: &DbStore,
    d: &KnownDeviceRow,
    replacing: Option<&[u8; 32]>,
    expired_before: OffsetDateTime,
    keep: u32,
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    if let Some(old) = replacing {
        sqlx::query("DELETE FROM known_devices WHERE token_hash = $1")
            .bind(&old[..])
            .execute(&mut *tx)
            .await
            .map_err(convert::error)?;
    }
    sqlx::query(
        "INSERT INTO known_devices (token_hash, user_id, security_epoch, created_at, failures) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&d.token_hash[..])
    .bind(d.user.as_uuid())
    .bind(convert::to_i64(d.security_epoch)?)
    .bind(d.created_at)
    .bind(i64::from(d.failures))
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?;
    // The account's others that have run out or are past its newest `keep`, on the index by
    // account and time.
    sqlx::query(
        "DELETE FROM known_devices WHERE user_id = $1 AND (created_at < $2 OR token_hash NOT IN \
         (SELECT token_hash FROM known_devices WHERE user_id = $3 ORDER BY created_at DESC, token_hash LIMIT $4))",
    )
    .bind(d.user.as_uuid())
    .bind(expired_before)
    .bind(d.user.as_uuid())
    .bind(i64::from(keep))
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?;
    tx.commit().await.map_err(convert::error)
}

pub(crate) async fn known_device_by_hash(
    store: &DbStore,
    hash: &[u8; 32],
) -> Result<Option<KnownDeviceRow>, StoreError> {
    let row = sqlx::query(
        "SELECT token_hash, user_id, security_epoch, created_at, failures \
         FROM known_devices WHERE token_hash = $1",
    )
    .bind(&hash[..])
    .fetch_optional(reader(store))
    .await
    .map_err(convert::error)?;
    row.as_ref().map(known_device).transpose()
}

pub(crate) async fn known_device_failed(
    store: &DbStore,
    hash: &[u8; 32],
    forget_at: u32,
) -> Result<(), StoreError> {
    // Two statements, each whole: a count another failure raced past is still forgotten by
    // whichever of them deletes second.
    sqlx::query("UPDATE known_devices SET failures = failures + 1 WHERE token_hash = $1")
        .bind(&hash[..])
        .execute(writer(store))
        .await
        .map_err(convert::error)?;
    sqlx::query("DELETE FROM known_devices WHERE token_hash = $1 AND failures >= $2")
        .bind(&hash[..])
        .bind(i64::from(forget_at))
        .execute(writer(store))
        .await
        .map_err(convert::error)?;
    Ok(())
}
