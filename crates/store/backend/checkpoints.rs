// Shared by haven-store-sqlite and haven-store-postgres through `include!` (see README.md
// here): the audit log's signed checkpoints.

use crate::convert;
use crate::db::{DbStore, reader, writer};
use haven_store::sqlx_support::get;
use haven_store::{CheckpointRow, StoreError};

pub(crate) async fn insert_checkpoint(
    store: &DbStore,
    c: &CheckpointRow,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_checkpoints (size, head, at, public_key, signature) VALUES ($1, $2, $3, $4, $5)")
        .bind(convert::to_i64(c.size)?)
        .bind(&c.head[..])
        .bind(c.at)
        .bind(&c.public_key[..])
        .bind(&c.signature[..])
        .execute(writer(store))
        .await
        .map_err(convert::error)?;
    Ok(())
}

pub(crate) async fn latest_checkpoint(
    store: &DbStore,
) -> Result<Option<CheckpointRow>, StoreError> {
    let row = sqlx::query("SELECT size, head, at, public_key, signature FROM audit_checkpoints ORDER BY size DESC LIMIT 1")
        .fetch_optional(reader(store))
        .await
        .map_err(convert::error)?;
    row.map(|r| {
        Ok(CheckpointRow {
            size: convert::to_u64(get(&r, "size")?)?,
            head: convert::array(&get::<Vec<u8>, _>(&r, "head")?)?,
            at: get(&r, "at")?,
            public_key: convert::array(&get::<Vec<u8>, _>(&r, "public_key")?)?,
            signature: convert::array(&get::<Vec<u8>, _>(&r, "signature")?)?,
        })
    })
    .transpose()
}
