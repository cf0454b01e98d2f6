// Shared by haven-store-sqlite and haven-store-postgres through `include!` (see README.md
// here): the audit log's index of targets, which record each entry names, so the entries
// about one survivor are read without reading the whole log. The log itself stays in each
// backend's own `audit.rs`, and so does reading the index's rows in order (`rows`), which
// `audit verify` does for the whole log: SQLite reads them on rusqlite.

use crate::convert;
use crate::db::{DbRow, DbStore, reader};
use haven_domain::audit::{AuditRecord, ChainHash};
use haven_store::StoreError;
use haven_store::sqlx_support::get;
use uuid::Uuid;

/// Index rows per multi-row `INSERT` (two bound values each).
const ROWS_PER_INSERT: usize = 400;
/// Targets per `IN (…)` list.
const TARGETS_PER_QUERY: usize = 200;

pub(crate) async fn size(store: &DbStore) -> Result<u64, StoreError> {
    let row = sqlx::query("SELECT size FROM audit_index_head WHERE id = 1")
        .fetch_one(reader(store))
        .await
        .map_err(convert::error)?;
    convert::to_u64(get(&row, "size")?)
}

pub(crate) async fn extend(
    store: &DbStore,
    from: u64,
    to: u64,
    targets: &[(u64, Uuid)],
) -> Result<bool, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    // The head first: a second process extending from the same size waits here for this
    // one's commit, then finds the size moved and writes nothing.
    let moved = sqlx::query("UPDATE audit_index_head SET size = $1 WHERE id = 1 AND size = $2")
        .bind(convert::to_i64(to)?)
        .bind(convert::to_i64(from)?)
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?
        .rows_affected();
    if moved != 1 {
        return Ok(false);
    }
    // No row lies past what the index covers unless someone put it there by hand (`audit
    // verify` names it): holding the head, take any such row out, so that it can neither
    // collide with the rows of this extension nor outlive it.
    sqlx::query("DELETE FROM audit_targets WHERE seq > $1")
        .bind(convert::to_i64(from)?)
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    for chunk in targets.chunks(ROWS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO audit_targets (seq, target) VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (seq, target) in chunk {
            query = query.bind(convert::to_i64(*seq)?).bind(*target);
        }
        query.execute(&mut *tx).await.map_err(convert::error)?;
    }
    tx.commit().await.map_err(convert::error)?;
    Ok(true)
}

pub(crate) async fn entries_about(
    store: &DbStore,
    targets: &[Uuid],
) -> Result<Vec<AuditRecord>, StoreError> {
    let mut records = Vec::new();
    for chunk in targets.chunks(TARGETS_PER_QUERY) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT l.seq, l.body, l.hash FROM audit_targets t JOIN audit_log l ON l.seq = t.seq \
             WHERE t.target IN ({}) ORDER BY t.seq",
            list.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for target in chunk {
            query = query.bind(*target);
        }
        for row in query
            .fetch_all(reader(store))
            .await
            .map_err(convert::error)?
        {
            records.push(record(&row)?);
        }
    }
    // Each entry has one target, so the chunks' answers never overlap: only their order.
    records.sort_by_key(|r| r.seq);
    Ok(records)
}

fn record(row: &DbRow) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        seq: convert::to_u64(get(row, "seq")?)?,
        body: get(row, "body")?,
        // A hash of the wrong length is a tampered row: `audit verify` names it.
        hash: ChainHash::from_slice(&get::<Vec<u8>, _>(row, "hash")?)
            .unwrap_or(ChainHash([0xff; 32])),
    })
}

pub(crate) async fn clear(store: &DbStore) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    // The head first, as an extension takes it: one that holds it commits first and its
    // rows are then deleted; one that waits for it finds the size moved and writes nothing.
    for sql in [
        "UPDATE audit_index_head SET size = 0 WHERE id = 1",
        "DELETE FROM audit_targets",
    ] {
        sqlx::query(sql)
            .execute(&mut *tx)
            .await
            .map_err(convert::error)?;
    }
    tx.commit().await.map_err(convert::error)?;
    Ok(())
}
