//! The audit log in SQLite: appends chain onto the head row inside the caller's
//! transaction; the single writer connection serialises them.

use crate::{SqliteStore, convert};
use haven_domain::audit::{AuditRecord, ChainHash, ChainHead};
use haven_store::{CheckpointRow, StoreError};
use sqlx::{Row, SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

/// Appends one entry within an open transaction. Returns its sequence number.
pub(crate) async fn append(conn: &mut SqliteConnection, body: &[u8]) -> Result<u64, StoreError> {
    let head = read_head(conn).await?;
    let next = head.append(body);
    let seq = convert::to_i64(next.size)?;
    sqlx::query("INSERT INTO audit_log (seq, body, hash) VALUES (?, ?, ?)")
        .bind(seq)
        .bind(body)
        .bind(&next.hash.0[..])
        .execute(&mut *conn)
        .await
        .map_err(convert::error)?;
    sqlx::query("UPDATE audit_head SET size = ?, hash = ? WHERE id = 1")
        .bind(seq)
        .bind(&next.hash.0[..])
        .execute(&mut *conn)
        .await
        .map_err(convert::error)?;
    Ok(next.size)
}

async fn read_head(conn: &mut SqliteConnection) -> Result<ChainHead, StoreError> {
    let row = sqlx::query("SELECT size, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await
        .map_err(convert::error)?;
    Ok(ChainHead {
        size: convert::to_u64(row.try_get("size").map_err(convert::error)?)?,
        hash: ChainHash(convert::array(
            &row.try_get::<Vec<u8>, _>("hash").map_err(convert::error)?,
        )?),
    })
}

/// Group commit for entries that accompany no data change (views, denials, failed
/// sign-ins): callers queue their entry and wait; one task writes everything queued in one
/// transaction and answers each caller after the commit, so every entry is durable before
/// its request is answered while many requests share one `fsync`.
#[derive(Debug, Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<Queued>,
}

/// An entry waiting to be written, with where to send its sequence number.
type Queued = (Vec<u8>, oneshot::Sender<Result<u64, StoreError>>);

/// Entries written per transaction at most.
const MAX_BATCH: usize = 512;

/// Moves what is queued into `batch`, up to [`MAX_BATCH`].
fn drain(rx: &mut mpsc::Receiver<Queued>, batch: &mut Vec<Queued>) {
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
}

impl GroupCommit {
    pub(crate) fn start(writer: SqlitePool) -> Self {
        let (queue, mut rx) = mpsc::channel::<Queued>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                drain(&mut rx, &mut batch);
                let bodies: Vec<&[u8]> = batch.iter().map(|(b, _)| b.as_slice()).collect();
                match write_batch(&writer, &bodies).await {
                    Ok(seqs) => {
                        for ((_, reply), seq) in batch.into_iter().zip(seqs) {
                            let _ = reply.send(Ok(seq));
                        }
                    }
                    Err(e) => {
                        let message = e.to_string();
                        for (_, reply) in batch {
                            let _ = reply.send(Err(StoreError::Backend(message.clone())));
                        }
                    }
                }
            }
        });
        Self { queue }
    }

    pub(crate) async fn append(&self, body: &[u8]) -> Result<u64, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((body.to_vec(), reply))
            .await
            .map_err(|_| StoreError::Unavailable("the audit writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the audit writer has stopped".into()))?
    }
}

/// Rows per multi-row `INSERT` (three bound values each, well under SQLite's limit).
const ROWS_PER_INSERT: usize = 128;

/// `INSERT` statements for `rows` entries, in chunks of [`ROWS_PER_INSERT`].
fn inserts(rows: usize) -> String {
    let mut sql = String::new();
    let mut left = rows;
    while left > 0 {
        let n = left.min(ROWS_PER_INSERT);
        sql.push_str("INSERT INTO audit_log (seq, body, hash) VALUES ");
        sql.push_str(&vec!["(?, ?, ?)"; n].join(", "));
        sql.push_str(";\n");
        left -= n;
    }
    sql
}

/// Writes a batch in one transaction: one read of the head, the entries in multi-row
/// inserts, one update of the head — a handful of statements however large the batch.
async fn write_batch(writer: &SqlitePool, bodies: &[&[u8]]) -> Result<Vec<u64>, StoreError> {
    let mut tx = crate::begin_write(writer).await?;
    let mut head = read_head(&mut tx).await?;
    let mut entries = Vec::with_capacity(bodies.len());
    for body in bodies {
        head = head.append(body);
        entries.push((convert::to_i64(head.size)?, *body, head.hash.0));
    }
    let mut insert = sqlx::query(sqlx::AssertSqlSafe(inserts(entries.len())));
    for (seq, body, hash) in &entries {
        insert = insert.bind(*seq).bind(*body).bind(&hash[..]);
    }
    insert.execute(&mut *tx).await.map_err(convert::error)?;
    sqlx::query("UPDATE audit_head SET size = ?, hash = ? WHERE id = 1")
        .bind(convert::to_i64(head.size)?)
        .bind(&head.hash.0[..])
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    tx.commit().await.map_err(convert::error)?;
    entries
        .iter()
        .map(|(seq, _, _)| convert::to_u64(*seq))
        .collect()
}

pub(crate) async fn append_alone(store: &SqliteStore, body: &[u8]) -> Result<u64, StoreError> {
    store.group.append(body).await
}

pub(crate) async fn head(store: &SqliteStore) -> Result<ChainHead, StoreError> {
    let mut conn = store.reader.acquire().await.map_err(convert::error)?;
    read_head(&mut conn).await
}

/// Reads a page of entries. The fast path has SQLite pack the page into one value —
/// each entry as `char(len(body)) ‖ char(len(hash)) ‖ body ‖ hash`, the lengths written as
/// self-delimiting UTF-8 code points — because per-row decoding, not hashing, bounds how
/// fast `audit verify` runs. Sequence numbers are implied by position and checked to be
/// contiguous. Any anomaly (a gap, a hash of the wrong length, bytes that do not frame
/// exactly) falls back to reading the page row by row, so the verifier always sees exactly
/// what is stored and can name the bad entry.
pub(crate) async fn page(
    store: &SqliteStore,
    after: u64,
    limit: u32,
) -> Result<Vec<AuditRecord>, StoreError> {
    let row = sqlx::query(
        "SELECT count(*) AS n, min(seq) AS first, max(seq) AS last, \
         group_concat(char(length(body), length(hash)) || CAST(body AS TEXT) || CAST(hash AS TEXT), '') AS packed \
         FROM (SELECT seq, body, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?)",
    )
    .bind(convert::to_i64(after)?)
    .bind(i64::from(limit))
    .fetch_one(&store.reader)
    .await
    .map_err(convert::error)?;
    let n: i64 = row.try_get("n").map_err(convert::error)?;
    if n == 0 {
        return Ok(Vec::new());
    }
    let first: i64 = row.try_get("first").map_err(convert::error)?;
    let last: i64 = row.try_get("last").map_err(convert::error)?;
    let packed: Option<Vec<u8>> = row.try_get("packed").map_err(convert::error)?;
    let contiguous = i64::try_from(after).ok() == Some(first - 1) && last - first + 1 == n;
    match packed
        .as_deref()
        .filter(|_| contiguous)
        .and_then(|p| unpack(p, after + 1))
    {
        Some(records) if records.len() as i64 == n => Ok(records),
        _ => page_by_rows(store, after, limit).await,
    }
}

/// Splits a packed page whose first entry is `seq`; `None` unless the framing holds exactly.
fn unpack(mut packed: &[u8], mut seq: u64) -> Option<Vec<AuditRecord>> {
    fn length(b: &[u8]) -> Option<(usize, &[u8])> {
        let width = match b.first()? {
            0x00..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            _ => 4,
        };
        let (c, rest) = b.split_at_checked(width)?;
        let ch = std::str::from_utf8(c).ok()?.chars().next()?;
        Some((ch as usize, rest))
    }
    let mut out = Vec::new();
    while !packed.is_empty() {
        let (body_len, rest) = length(packed)?;
        let (hash_len, rest) = length(rest)?;
        let (body, rest) = rest.split_at_checked(body_len)?;
        let (hash, rest) = rest.split_at_checked(hash_len)?;
        out.push(AuditRecord {
            seq,
            body: body.to_vec(),
            hash: ChainHash::from_slice(hash)?,
        });
        seq += 1;
        packed = rest;
    }
    Some(out)
}

async fn page_by_rows(
    store: &SqliteStore,
    after: u64,
    limit: u32,
) -> Result<Vec<AuditRecord>, StoreError> {
    let rows =
        sqlx::query("SELECT seq, body, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(convert::to_i64(after)?)
            .bind(i64::from(limit))
            .fetch_all(&store.reader)
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

pub(crate) async fn insert_checkpoint(
    store: &SqliteStore,
    c: &CheckpointRow,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_checkpoints (size, head, at, public_key, signature) VALUES (?, ?, ?, ?, ?)")
        .bind(convert::to_i64(c.size)?)
        .bind(&c.head[..])
        .bind(c.at)
        .bind(&c.public_key[..])
        .bind(&c.signature[..])
        .execute(&store.writer)
        .await
        .map_err(convert::error)?;
    Ok(())
}

pub(crate) async fn latest_checkpoint(
    store: &SqliteStore,
) -> Result<Option<CheckpointRow>, StoreError> {
    let row = sqlx::query("SELECT size, head, at, public_key, signature FROM audit_checkpoints ORDER BY size DESC LIMIT 1")
        .fetch_optional(&store.reader)
        .await
        .map_err(convert::error)?;
    row.map(|r| {
        Ok(CheckpointRow {
            size: convert::to_u64(r.try_get("size").map_err(convert::error)?)?,
            head: convert::array(&r.try_get::<Vec<u8>, _>("head").map_err(convert::error)?)?,
            at: r.try_get("at").map_err(convert::error)?,
            public_key: convert::array(
                &r.try_get::<Vec<u8>, _>("public_key")
                    .map_err(convert::error)?,
            )?,
            signature: convert::array(
                &r.try_get::<Vec<u8>, _>("signature")
                    .map_err(convert::error)?,
            )?,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(entries: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (body, hash) in entries {
            for len in [body.len(), hash.len()] {
                let c = char::from_u32(len as u32).expect("a code point");
                out.extend_from_slice(c.to_string().as_bytes());
            }
            out.extend_from_slice(body);
            out.extend_from_slice(hash);
        }
        out
    }

    #[test]
    fn a_packed_page_unpacks_in_order() {
        let long = vec![b'x'; 3000];
        let packed = pack(&[(b"{}", &[0u8; 32]), (&long, &[7u8; 32])]);
        let records = unpack(&packed, 41).expect("frames");
        assert_eq!(
            records.iter().map(|r| r.seq).collect::<Vec<_>>(),
            vec![41, 42]
        );
        assert_eq!(records[1].body.len(), 3000);
        assert_eq!(records[1].hash, ChainHash([7; 32]));
    }

    #[test]
    fn bad_framing_is_refused_so_the_page_is_read_row_by_row() {
        assert!(
            unpack(&pack(&[(b"{}", &[0u8; 31])]), 1).is_none(),
            "short hash"
        );
        let mut cut = pack(&[(b"{}", &[0u8; 32])]);
        cut.pop();
        assert!(unpack(&cut, 1).is_none(), "truncated");
    }
}
