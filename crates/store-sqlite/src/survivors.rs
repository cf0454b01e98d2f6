//! SQLite: organisations and survivors. The SQL is shared with PostgreSQL
//! (`crates/store/backend/survivors.rs`) but for erasure, which destroys the key in the
//! keystore's own file first; a survivor is read through `inline_reads`.

include!("../../store/backend/survivors.rs");

use crate::keystore;

pub(crate) async fn erase_survivor(
    store: &DbStore,
    id: SurvivorId,
    body: &[u8],
) -> Result<Option<u64>, StoreError> {
    let key: Option<Uuid> = sqlx::query_scalar("SELECT key_id FROM survivors WHERE id = ?")
        .bind(id.as_uuid())
        .fetch_optional(&store.writer)
        .await
        .map_err(convert::error)?;
    let Some(key) = key else { return Ok(None) };
    // Key first: if we stop after this, the row is already unreadable and a second
    // `erase` finishes the job.
    keystore::destroy_data_key(store, KeyId::from_uuid(key)).await?;
    let mut tx = crate::begin_write(store).await?;
    sqlx::query("DELETE FROM survivor_index WHERE survivor_id = ?")
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    sqlx::query("DELETE FROM survivors WHERE id = ?")
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    let seq = audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)?;
    keystore::purge(&store.writer).await?;
    Ok(Some(seq))
}
