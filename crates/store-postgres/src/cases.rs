//! PostgreSQL: cases, their teams, timeline, notes and tasks. The SQL is shared with SQLite
//! (`crates/store/backend/cases.rs`); the reads a case view and a dashboard make are here
//! (SQLite runs them through `inline_reads`).

include!("../../store/backend/cases.rs");

use crate::db::{DbRow, reader};
use haven_domain::{NoteId, OrgId, SurvivorId};
use haven_store::sqlx_support::get;
use haven_store::{BoardCase, BoardQuery, CaseContents, HistoryWindow, LoadedCase, SurvivorRow};
use std::collections::HashMap;
use uuid::Uuid;

const CASE_COLUMNS: &str = "c.id, c.survivor_id, c.org_id, c.created_at, c.status, c.exploitation, c.trafficking_types, \
     c.minor, c.safety_risk, c.immigration_sensitive";

fn case_row(r: &DbRow) -> Result<CaseRow, StoreError> {
    let types: String = get(r, "trafficking_types")?;
    Ok(CaseRow {
        id: CaseId::from_uuid(get(r, "id")?),
        survivor: SurvivorId::from_uuid(get(r, "survivor_id")?),
        org: OrgId::from_uuid(get(r, "org_id")?),
        created_at: get(r, "created_at")?,
        status: get(r, "status")?,
        exploitation: get(r, "exploitation")?,
        trafficking_types: types.split(',').filter_map(|t| t.parse().ok()).collect(),
        minor: get(r, "minor")?,
        safety_risk: get(r, "safety_risk")?,
        immigration_sensitive: get(r, "immigration_sensitive")?,
    })
}

/// Groups `case + team member` rows (ordered by case) into cases with their teams.
fn with_teams(rows: Vec<DbRow>) -> Result<Vec<(CaseRow, Vec<UserId>)>, StoreError> {
    let mut out: Vec<(CaseRow, Vec<UserId>)> = Vec::new();
    for r in rows {
        let case = case_row(&r)?;
        let member: Option<Uuid> = get(&r, "user_id")?;
        if out.last().is_none_or(|(c, _)| c.id != case.id) {
            out.push((case, Vec::new()));
        }
        if let (Some(m), Some((_, team))) = (member, out.last_mut()) {
            team.push(UserId::from_uuid(m));
        }
    }
    Ok(out)
}

pub(crate) async fn cases_of_survivor(
    store: &DbStore,
    survivor: SurvivorId,
) -> Result<Vec<(CaseRow, Vec<UserId>)>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CASE_COLUMNS}, t.user_id FROM cases c LEFT JOIN case_team t ON t.case_id = c.id WHERE c.survivor_id = $1 ORDER BY c.id"
    )))
    .bind(*survivor.as_uuid())
    .fetch_all(reader(store))
    .await
    .map_err(convert::error)?;
    with_teams(rows)
}

pub(crate) async fn case<'c>(
    db: impl sqlx::PgExecutor<'c>,
    id: CaseId,
) -> Result<Option<(CaseRow, Vec<UserId>)>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CASE_COLUMNS}, t.user_id FROM cases c LEFT JOIN case_team t ON t.case_id = c.id WHERE c.id = $1"
    )))
    .bind(*id.as_uuid())
    .fetch_all(db)
    .await
    .map_err(convert::error)?;
    Ok(with_teams(rows)?.into_iter().next())
}

/// A read-only transaction that sees one snapshot throughout (`REPEATABLE READ`), as SQLite
/// reads in one read transaction.
async fn snapshot(store: &DbStore) -> Result<sqlx::Transaction<'_, sqlx::Postgres>, StoreError> {
    reader(store)
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
        .map_err(convert::error)
}

/// A case with its team and what a view of it shows, in one snapshot (a read-only
/// `REPEATABLE READ` transaction, as SQLite reads them in one read transaction): the policy
/// decides on the team the contents were read with, never on a team that has since changed.
pub(crate) async fn case_view(
    store: &DbStore,
    id: CaseId,
    window: HistoryWindow,
) -> Result<Option<LoadedCase>, StoreError> {
    let mut tx = snapshot(store).await?;
    let Some((case, team)) = self::case(&mut *tx, id).await? else {
        return Ok(None);
    };
    let contents = match crate::survivors::survivor(&mut *tx, case.survivor).await? {
        Some(survivor) => {
            let haven_store::CaseHistory {
                notes,
                events,
                counts,
            } = crate::history::history(&mut tx, id, window).await?;
            Some(CaseContents {
                survivor,
                notes,
                tasks: tasks_of_case(&mut *tx, id).await?,
                goals: crate::plan::goals_of_case(&mut *tx, id).await?,
                events,
                counts,
            })
        }
        None => None,
    };
    tx.commit().await.map_err(convert::error)?;
    Ok(Some(LoadedCase {
        case,
        team,
        contents,
    }))
}

/// A member's cases with their teams, survivors and tasks, in one snapshot, as
/// [`case_view`] reads one case.
pub(crate) async fn member_board(
    store: &DbStore,
    user: UserId,
    page: &BoardQuery,
) -> Result<Vec<BoardCase>, StoreError> {
    let mut tx = snapshot(store).await?;
    let sql = page.ids_sql();
    let mut ids = sqlx::query_scalar::<_, Uuid>(sqlx::AssertSqlSafe(sql)).bind(*user.as_uuid());
    if let Some(status) = &page.status {
        ids = ids.bind(status.clone());
    }
    if let Some(day) = page.tasks_due_by {
        ids = ids.bind(day);
    }
    if let Some(after) = page.after {
        ids = ids.bind(after.created_at).bind(*after.case.as_uuid());
    }
    let ids = ids
        .bind(i64::from(page.limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(convert::error)?;
    let board = board_lines(&mut tx, &ids).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(board)
}

/// The cases `ids` with their teams, their survivors' rows and their tasks, in the order of
/// `ids`: three statements whatever the number of cases (one round trip each, not three per
/// case).
async fn board_lines(
    tx: &mut sqlx::PgConnection,
    ids: &[Uuid],
) -> Result<Vec<BoardCase>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CASE_COLUMNS}, t.user_id FROM cases c LEFT JOIN case_team t ON t.case_id = c.id \
         WHERE c.id = ANY($1) ORDER BY c.id"
    )))
    .bind(ids)
    .fetch_all(&mut *tx)
    .await
    .map_err(convert::error)?;
    let mut cases: HashMap<CaseId, (CaseRow, Vec<UserId>)> = with_teams(rows)?
        .into_iter()
        .map(|(case, team)| (case.id, (case, team)))
        .collect();
    let survivor_ids: Vec<Uuid> = cases.values().map(|(c, _)| *c.survivor.as_uuid()).collect();
    let mut survivors: HashMap<SurvivorId, SurvivorRow> =
        crate::survivors::survivors(&mut *tx, &survivor_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
    let mut tasks: HashMap<CaseId, Vec<TaskRow>> = HashMap::new();
    for row in sqlx::query(
        "SELECT id, case_id, title, due_on, done_at, created_at FROM tasks \
         WHERE case_id = ANY($1) ORDER BY case_id, due_on, id",
    )
    .bind(ids)
    .fetch_all(&mut *tx)
    .await
    .map_err(convert::error)?
    .iter()
    {
        let task = task_row(row)?;
        tasks.entry(task.case).or_default().push(task);
    }
    Ok(ids
        .iter()
        .map(|id| CaseId::from_uuid(*id))
        // Always found: the ids were read in this snapshot.
        .filter_map(|id| cases.remove(&id))
        .map(|(case, team)| BoardCase {
            survivor: survivors.remove(&case.survivor),
            tasks: tasks.remove(&case.id).unwrap_or_default(),
            case,
            team,
        })
        .collect())
}

pub(crate) async fn case_events<'c>(
    db: impl sqlx::PgExecutor<'c>,
    case: CaseId,
) -> Result<Vec<CaseEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT case_id, at, kind, actor, detail FROM case_events WHERE case_id = $1 ORDER BY at, seq",
    )
    .bind(case.as_uuid())
    .fetch_all(db)
    .await
    .map_err(convert::error)?;
    rows.iter().map(event).collect()
}

pub(crate) fn event(r: &DbRow) -> Result<CaseEvent, StoreError> {
    Ok(CaseEvent {
        case: CaseId::from_uuid(get(r, "case_id")?),
        at: get(r, "at")?,
        kind: get(r, "kind")?,
        actor: get::<Option<Uuid>, _>(r, "actor")?.map(UserId::from_uuid),
        detail: get(r, "detail")?,
    })
}

pub(crate) async fn notes_of_case<'c>(
    db: impl sqlx::PgExecutor<'c>,
    case: CaseId,
) -> Result<Vec<NoteRow>, StoreError> {
    let rows = sqlx::query("SELECT id, case_id, category, author, created_at, body FROM notes WHERE case_id = $1 ORDER BY created_at, id")
        .bind(case.as_uuid())
        .fetch_all(db)
        .await
        .map_err(convert::error)?;
    rows.iter().map(note).collect()
}

pub(crate) fn note(r: &DbRow) -> Result<NoteRow, StoreError> {
    Ok(NoteRow {
        id: NoteId::from_uuid(get(r, "id")?),
        case: CaseId::from_uuid(get(r, "case_id")?),
        category: get(r, "category")?,
        author: UserId::from_uuid(get(r, "author")?),
        created_at: get(r, "created_at")?,
        body: get(r, "body")?,
    })
}

pub(crate) async fn tasks_of_case<'c>(
    db: impl sqlx::PgExecutor<'c>,
    case: CaseId,
) -> Result<Vec<TaskRow>, StoreError> {
    let rows = sqlx::query("SELECT id, case_id, title, due_on, done_at, created_at FROM tasks WHERE case_id = $1 ORDER BY due_on, id")
        .bind(case.as_uuid())
        .fetch_all(db)
        .await
        .map_err(convert::error)?;
    rows.iter().map(task_row).collect()
}

fn task_row(r: &DbRow) -> Result<TaskRow, StoreError> {
    Ok(TaskRow {
        id: TaskId::from_uuid(get(r, "id")?),
        case: CaseId::from_uuid(get(r, "case_id")?),
        title: get(r, "title")?,
        due_on: get(r, "due_on")?,
        done_at: get(r, "done_at")?,
        created_at: get(r, "created_at")?,
    })
}
