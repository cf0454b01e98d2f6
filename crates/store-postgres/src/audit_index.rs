//! PostgreSQL: the audit log's index of targets. The SQL is shared with SQLite
//! (`crates/store/backend/audit_index.rs`).

include!("../../store/backend/audit_index.rs");

/// The index's rows for entries `after + 1 ..= upto`, in order.
pub(crate) async fn rows(
    store: &DbStore,
    after: u64,
    upto: u64,
) -> Result<Vec<(u64, Uuid)>, StoreError> {
    sqlx::query("SELECT seq, target FROM audit_targets WHERE seq > $1 AND seq <= $2 ORDER BY seq")
        .bind(convert::to_i64(after)?)
        .bind(convert::to_i64(upto.min(i64::MAX.unsigned_abs()))?)
        .fetch_all(reader(store))
        .await
        .map_err(convert::error)?
        .iter()
        .map(|r| Ok((convert::to_u64(get(r, "seq")?)?, get(r, "target")?)))
        .collect()
}
