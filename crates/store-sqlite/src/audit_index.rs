//! SQLite: the audit log's index of targets. The SQL is shared with PostgreSQL
//! (`crates/store/backend/audit_index.rs`).

include!("../../store/backend/audit_index.rs");

/// The index's rows for entries `after + 1 ..= upto`, in order, read on rusqlite on a
/// blocking thread as the log's pages are (`audit::page`): `audit verify` reads the rows of
/// the whole log, and through sqlx each row crossed to the connection's thread and back
/// (verify 2.7 → 0.52 million entries/s in the `foundation` bench).
pub(crate) async fn rows(
    store: &crate::SqliteStore,
    after: u64,
    upto: u64,
) -> Result<Vec<(u64, Uuid)>, StoreError> {
    let after = convert::to_i64(after)?;
    let upto = convert::to_i64(upto.min(i64::MAX.unsigned_abs()))?;
    store
        .inline
        .read_blocking(move |r| {
            r.all(
                "SELECT seq, target FROM audit_targets WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
                rusqlite::params![after, upto],
                |row| {
                    let seq: i64 = row.get(0).map_err(crate::inline_reads::error)?;
                    let target = row
                        .get_ref(1)
                        .and_then(|v| Ok(v.as_blob()?))
                        .map_err(crate::inline_reads::error)?;
                    // A target of the wrong length is a tampered row: let verify name it.
                    Ok((
                        convert::to_u64(seq)?,
                        Uuid::from_slice(target).unwrap_or(Uuid::max()),
                    ))
                },
            )
        })
        .await
}
