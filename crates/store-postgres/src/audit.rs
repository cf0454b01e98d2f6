//! The audit log in PostgreSQL: appends lock the head row (`FOR UPDATE`) inside the
//! caller's transaction, which serialises them across every server process.

use crate::{PgStore, convert};
use haven_domain::audit::{AuditRecord, ChainHash, ChainHead};
use haven_store::StoreError;
use sqlx::{PgConnection, Row};

/// Appends one entry within an open transaction. Returns its sequence number.
pub(crate) async fn append(conn: &mut PgConnection, body: &[u8]) -> Result<u64, StoreError> {
    let row = sqlx::query("SELECT size, hash FROM audit_head WHERE id = 1 FOR UPDATE")
        .fetch_one(&mut *conn)
        .await
        .map_err(convert::error)?;
    let head = ChainHead {
        size: convert::to_u64(row.try_get("size").map_err(convert::error)?)?,
        hash: ChainHash(convert::array(
            &row.try_get::<Vec<u8>, _>("hash").map_err(convert::error)?,
        )?),
    };
    let next = head.append(body);
    let seq = convert::to_i64(next.size)?;
    sqlx::query("INSERT INTO audit_log (seq, body, hash) VALUES ($1, $2, $3)")
        .bind(seq)
        .bind(body)
        .bind(&next.hash.0[..])
        .execute(&mut *conn)
        .await
        .map_err(convert::error)?;
    sqlx::query("UPDATE audit_head SET size = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&next.hash.0[..])
        .execute(&mut *conn)
        .await
        .map_err(convert::error)?;
    Ok(next.size)
}

pub(crate) async fn append_alone(store: &PgStore, body: &[u8]) -> Result<u64, StoreError> {
    let mut tx = store.pool.begin().await.map_err(convert::error)?;
    let seq = append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(seq)
}

pub(crate) async fn head(store: &PgStore) -> Result<ChainHead, StoreError> {
    let row = sqlx::query("SELECT size, hash FROM audit_head WHERE id = 1")
        .fetch_one(&store.pool)
        .await
        .map_err(convert::error)?;
    Ok(ChainHead {
        size: convert::to_u64(row.try_get("size").map_err(convert::error)?)?,
        hash: ChainHash(convert::array(
            &row.try_get::<Vec<u8>, _>("hash").map_err(convert::error)?,
        )?),
    })
}

pub(crate) async fn page(
    store: &PgStore,
    after: u64,
    limit: u32,
) -> Result<Vec<AuditRecord>, StoreError> {
    let rows =
        sqlx::query("SELECT seq, body, hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(convert::to_i64(after)?)
            .bind(i64::from(limit))
            .fetch_all(&store.pool)
            .await
            .map_err(convert::error)?;
    rows.into_iter()
        .map(|r| {
            let hash: Vec<u8> = r.try_get("hash").map_err(convert::error)?;
            Ok(AuditRecord {
                seq: convert::to_u64(r.try_get("seq").map_err(convert::error)?)?,
                body: r.try_get("body").map_err(convert::error)?,
                // A hash of the wrong length is a tampered row: let the verifier name it.
                hash: ChainHash::from_slice(&hash).unwrap_or(ChainHash([0xff; 32])),
            })
        })
        .collect()
}
