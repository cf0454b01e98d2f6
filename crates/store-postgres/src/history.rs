//! PostgreSQL: a case's notes and timeline as far as a [`HistoryWindow`] reaches, read in
//! the case view's snapshot. SQLite runs the same statements (`haven_store::history`'s) on
//! rusqlite, in `inline_reads`.

use crate::cases::{case_events, event, note, notes_of_case};
use crate::convert;
use haven_domain::CaseId;
use haven_store::sqlx_support::get;
use haven_store::{
    CaseHistory, HistoryCounts, HistoryWindow, Placeholders, StoreError, event_counts_sql,
    holds_all, newest_events_sql, newest_notes_sql, note_counts_sql,
};
use std::collections::BTreeMap;

/// A case's notes and timeline as far as `window` reaches, and how many of each kind there
/// are: a window counts the kinds on their indexes, then reads each kind newest first until
/// it has enough.
pub(crate) async fn history(
    tx: &mut sqlx::PgConnection,
    case: CaseId,
    window: HistoryWindow,
) -> Result<CaseHistory, StoreError> {
    let n = match window {
        HistoryWindow::All => {
            return Ok(CaseHistory {
                notes: notes_of_case(&mut *tx, case).await?,
                events: case_events(&mut *tx, case).await?,
                counts: None,
            });
        }
        HistoryWindow::NewestOfEachKind(n) => n,
    };
    let counts = HistoryCounts {
        notes: kinds(tx, note_counts_sql(Placeholders::Dollar), case).await?,
        events: kinds(tx, event_counts_sql(Placeholders::Dollar), case).await?,
    };
    let notes = if holds_all(&counts.notes, n) {
        notes_of_case(&mut *tx, case).await?
    } else {
        let sql = newest_notes_sql(counts.notes.len(), Placeholders::Dollar);
        let rows = newest(tx, sql, case, &counts.notes, n).await?;
        rows.iter().map(note).collect::<Result<_, _>>()?
    };
    let events = if holds_all(&counts.events, n) {
        case_events(&mut *tx, case).await?
    } else {
        let sql = newest_events_sql(counts.events.len(), Placeholders::Dollar, "seq");
        let rows = newest(tx, sql, case, &counts.events, n).await?;
        rows.iter().map(event).collect::<Result<_, _>>()?
    };
    Ok(CaseHistory {
        notes,
        events,
        counts: Some(counts),
    })
}

async fn kinds(
    tx: &mut sqlx::PgConnection,
    sql: String,
    case: CaseId,
) -> Result<BTreeMap<String, u64>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(case.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(convert::error)?
        .iter()
        .map(|r| Ok((get(r, "kind_of")?, convert::to_u64(get(r, "n")?)?)))
        .collect()
}

/// Runs a `newest_*_sql` statement for `kinds`.
async fn newest(
    tx: &mut sqlx::PgConnection,
    sql: String,
    case: CaseId,
    kinds: &BTreeMap<String, u64>,
    n: u32,
) -> Result<Vec<crate::db::DbRow>, StoreError> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(case.as_uuid());
    for kind in kinds.keys() {
        query = query.bind(kind.clone());
    }
    query
        .bind(i64::from(n))
        .fetch_all(&mut *tx)
        .await
        .map_err(convert::error)
}
