//! PostgreSQL: a case's notes and timeline as far as a [`HistoryWindow`] reaches, read in
//! the case view's snapshot. SQLite runs the same statements (on `rowid` where these use
//! `seq`) through `inline_reads`.

use crate::cases::{case_events, event, note, notes_of_case};
use crate::convert;
use haven_domain::CaseId;
use haven_store::sqlx_support::get;
use haven_store::{CaseEvent, HistoryCounts, HistoryWindow, NoteRow, StoreError};
use std::collections::BTreeMap;

/// The notes are ranked on their index by category alone; only the rows kept are read whole.
const NEWEST_NOTES_OF_CASE: &str = "SELECT n.id, n.case_id, n.category, n.author, n.created_at, n.body FROM notes n \
     JOIN (SELECT id, ROW_NUMBER() OVER (PARTITION BY category ORDER BY created_at DESC, id DESC) AS rank \
     FROM notes WHERE case_id = $1) w ON n.id = w.id WHERE w.rank <= $2 ORDER BY n.created_at, n.id";
const NOTE_COUNTS_OF_CASE: &str =
    "SELECT category AS kind_of, COUNT(*) AS n FROM notes WHERE case_id = $1 GROUP BY category";
const NEWEST_EVENTS_OF_CASE: &str = concat!(
    "SELECT case_id, at, kind, actor, detail FROM (SELECT case_id, at, kind, actor, detail, seq, \
     ROW_NUMBER() OVER (PARTITION BY ",
    haven_store::event_kind_sql!(),
    " ORDER BY at DESC, seq DESC) AS rank FROM case_events WHERE case_id = $1) w \
     WHERE rank <= $2 ORDER BY at, seq"
);
const EVENT_COUNTS_OF_CASE: &str = concat!(
    "SELECT ",
    haven_store::event_kind_sql!(),
    " AS kind_of, COUNT(*) AS n FROM case_events WHERE case_id = $1 GROUP BY kind_of"
);

/// A case's notes and timeline as far as `window` reaches, and how many of each kind there
/// are.
pub(crate) async fn history(
    tx: &mut sqlx::PgConnection,
    case: CaseId,
    window: HistoryWindow,
) -> Result<(Vec<NoteRow>, Vec<CaseEvent>, HistoryCounts), StoreError> {
    let n = match window {
        HistoryWindow::All => {
            let notes = notes_of_case(&mut *tx, case).await?;
            let events = case_events(&mut *tx, case).await?;
            let counts = HistoryCounts::of(&notes, &events);
            return Ok((notes, events, counts));
        }
        HistoryWindow::NewestOfEachKind(n) => i64::from(n),
    };
    let notes = sqlx::query(NEWEST_NOTES_OF_CASE)
        .bind(case.as_uuid())
        .bind(n)
        .fetch_all(&mut *tx)
        .await
        .map_err(convert::error)?;
    let events = sqlx::query(NEWEST_EVENTS_OF_CASE)
        .bind(case.as_uuid())
        .bind(n)
        .fetch_all(&mut *tx)
        .await
        .map_err(convert::error)?;
    Ok((
        notes.iter().map(note).collect::<Result<_, _>>()?,
        events.iter().map(event).collect::<Result<_, _>>()?,
        HistoryCounts {
            notes: kinds(tx, NOTE_COUNTS_OF_CASE, case).await?,
            events: kinds(tx, EVENT_COUNTS_OF_CASE, case).await?,
        },
    ))
}

async fn kinds(
    tx: &mut sqlx::PgConnection,
    sql: &'static str,
    case: CaseId,
) -> Result<BTreeMap<String, u64>, StoreError> {
    sqlx::query(sql)
        .bind(case.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(convert::error)?
        .iter()
        .map(|r| Ok((get(r, "kind_of")?, convert::to_u64(get(r, "n")?)?)))
        .collect()
}
