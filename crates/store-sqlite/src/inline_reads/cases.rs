//! A case, its team and everything a view of it shows.

use super::{Reads, at, at_opt, col, negative};
use haven_domain::{CaseId, GoalId, NoteId, OrgId, SurvivorId, TaskId, UserId};
use haven_store::{
    CaseContents, CaseEvent, CaseRow, GoalRow, HistoryCounts, HistoryWindow, LoadedCase, NoteRow,
    StoreError, TaskRow,
};
use std::collections::BTreeMap;
use rusqlite::Row;
use time::Date;
use time::macros::format_description;
use uuid::Uuid;

// A case's rows in the order its view shows them. Each is read in the order of its by-case
// index, which ends with the column that breaks ties (`rowid` is implicit in every index);
// the test below fails if one needs a sort.
const EVENTS_OF_CASE: &str = "SELECT case_id, at, kind, actor, detail FROM case_events WHERE case_id = ?1 ORDER BY at, rowid";
const NOTES_OF_CASE: &str = "SELECT id, case_id, category, author, created_at, body FROM notes WHERE case_id = ?1 ORDER BY created_at, id";
const TASKS_OF_CASE: &str = "SELECT id, case_id, title, due_on, done_at, created_at FROM tasks WHERE case_id = ?1 ORDER BY due_on, id";
const GOALS_OF_CASE: &str = "SELECT id, case_id, title, status, created_at, closed_at FROM case_goals WHERE case_id = ?1 ORDER BY created_at, id";

// A window of a case's history (`HistoryWindow::NewestOfEachKind`): the newest `?2` of each
// kind, oldest first, and how many of each kind there are. The notes are ranked on their
// index by category alone, and only the rows kept are read whole.
const NEWEST_NOTES_OF_CASE: &str = "SELECT n.id, n.case_id, n.category, n.author, n.created_at, n.body FROM notes n \
     JOIN (SELECT rowid AS r, ROW_NUMBER() OVER (PARTITION BY category ORDER BY created_at DESC, id DESC) AS rank \
     FROM notes WHERE case_id = ?1) w ON n.rowid = w.r WHERE w.rank <= ?2 ORDER BY n.created_at, n.id";
const NOTE_COUNTS_OF_CASE: &str =
    "SELECT category, COUNT(*) FROM notes WHERE case_id = ?1 GROUP BY category";
const NEWEST_EVENTS_OF_CASE: &str = concat!(
    "SELECT case_id, at, kind, actor, detail FROM (SELECT case_id, at, kind, actor, detail, rowid AS r, \
     ROW_NUMBER() OVER (PARTITION BY ",
    haven_store::event_kind_sql!(),
    " ORDER BY at DESC, rowid DESC) AS rank FROM case_events WHERE case_id = ?1) \
     WHERE rank <= ?2 ORDER BY at, r"
);
const EVENT_COUNTS_OF_CASE: &str = concat!(
    "SELECT ",
    haven_store::event_kind_sql!(),
    " AS kind_of, COUNT(*) FROM case_events WHERE case_id = ?1 GROUP BY kind_of"
);

impl Reads<'_> {
    /// A case with its team.
    pub(crate) fn case(&self, id: CaseId) -> Result<Option<(CaseRow, Vec<UserId>)>, StoreError> {
        let rows = self.all(
            concat!(case_with_team!(), "WHERE c.id = ?1"),
            [id.as_uuid()],
            case_and_member,
        )?;
        Ok(with_teams(rows).into_iter().next())
    }

    pub(crate) fn case_events(&self, case: CaseId) -> Result<Vec<CaseEvent>, StoreError> {
        self.all(EVENTS_OF_CASE, [case.as_uuid()], event)
    }

    pub(crate) fn notes_of_case(&self, case: CaseId) -> Result<Vec<NoteRow>, StoreError> {
        self.all(NOTES_OF_CASE, [case.as_uuid()], note)
    }

    /// A case's notes and timeline as far as `window` reaches, and how many of each kind
    /// there are.
    fn history(
        &self,
        case: CaseId,
        window: HistoryWindow,
    ) -> Result<(Vec<NoteRow>, Vec<CaseEvent>, HistoryCounts), StoreError> {
        let n = match window {
            HistoryWindow::All => {
                let (notes, events) = (self.notes_of_case(case)?, self.case_events(case)?);
                let counts = HistoryCounts::of(&notes, &events);
                return Ok((notes, events, counts));
            }
            HistoryWindow::NewestOfEachKind(n) => n,
        };
        let id = case.as_uuid();
        let kinds = |sql| -> Result<BTreeMap<String, u64>, StoreError> {
            self.all(sql, [id], |r| {
                let n: i64 = col(r, 1)?;
                Ok((col(r, 0)?, u64::try_from(n).map_err(|_| negative())?))
            })
            .map(|rows| rows.into_iter().collect())
        };
        Ok((
            self.all(NEWEST_NOTES_OF_CASE, rusqlite::params![id, n], note)?,
            self.all(NEWEST_EVENTS_OF_CASE, rusqlite::params![id, n], event)?,
            HistoryCounts {
                notes: kinds(NOTE_COUNTS_OF_CASE)?,
                events: kinds(EVENT_COUNTS_OF_CASE)?,
            },
        ))
    }

    pub(crate) fn tasks_of_case(&self, case: CaseId) -> Result<Vec<TaskRow>, StoreError> {
        self.all(TASKS_OF_CASE, [case.as_uuid()], |r| {
            let due: String = col(r, 3)?;
            Ok(TaskRow {
                id: TaskId::from_uuid(col(r, 0)?),
                case: CaseId::from_uuid(col(r, 1)?),
                title: col(r, 2)?,
                due_on: Date::parse(&due, format_description!("[year]-[month]-[day]"))
                    .map_err(|_| StoreError::Corrupt("a stored date could not be decoded"))?,
                done_at: at_opt(r, 4)?,
                created_at: at(r, 5)?,
            })
        })
    }

    pub(crate) fn goals_of_case(&self, case: CaseId) -> Result<Vec<GoalRow>, StoreError> {
        self.all(GOALS_OF_CASE, [case.as_uuid()], |r| {
            Ok(GoalRow {
                id: GoalId::from_uuid(col(r, 0)?),
                case: CaseId::from_uuid(col(r, 1)?),
                title: col(r, 2)?,
                status: col(r, 3)?,
                created_at: at(r, 4)?,
                closed_at: at_opt(r, 5)?,
            })
        })
    }
    /// A case, its team and its contents, its history as far as `window` reaches.
    pub(crate) fn case_view(
        &self,
        id: CaseId,
        window: HistoryWindow,
    ) -> Result<Option<LoadedCase>, StoreError> {
        let Some((case, team)) = self.case(id)? else {
            return Ok(None);
        };
        let contents = self.case_contents(id, case.survivor, window)?;
        Ok(Some(LoadedCase {
            case,
            team,
            contents,
        }))
    }

    /// What a case view shows beside the case row; `None` if the survivor is gone.
    pub(crate) fn case_contents(
        &self,
        case: CaseId,
        survivor: SurvivorId,
        window: HistoryWindow,
    ) -> Result<Option<CaseContents>, StoreError> {
        let Some(survivor) = self.survivor(survivor)? else {
            return Ok(None);
        };
        let (notes, events, counts) = self.history(case, window)?;
        Ok(Some(CaseContents {
            survivor,
            notes,
            tasks: self.tasks_of_case(case)?,
            goals: self.goals_of_case(case)?,
            events,
            counts,
        }))
    }
}

fn event(r: &Row<'_>) -> Result<CaseEvent, StoreError> {
    Ok(CaseEvent {
        case: CaseId::from_uuid(col(r, 0)?),
        at: at(r, 1)?,
        kind: col(r, 2)?,
        actor: col::<Option<Uuid>>(r, 3)?.map(UserId::from_uuid),
        detail: col(r, 4)?,
    })
}

fn note(r: &Row<'_>) -> Result<NoteRow, StoreError> {
    Ok(NoteRow {
        id: NoteId::from_uuid(col(r, 0)?),
        case: CaseId::from_uuid(col(r, 1)?),
        category: col(r, 2)?,
        author: UserId::from_uuid(col(r, 3)?),
        created_at: at(r, 4)?,
        body: col(r, 5)?,
    })
}

/// A case joined to its team, one row per member (or one without a member); [`case_and_member`]
/// decodes the rows, [`with_teams`] groups them.
macro_rules! case_with_team {
    () => {
        "SELECT c.id, c.survivor_id, c.org_id, c.created_at, c.status, c.exploitation, \
         c.trafficking_types, c.minor, c.safety_risk, c.immigration_sensitive, t.user_id \
         FROM cases c LEFT JOIN case_team t ON t.case_id = c.id "
    };
}
pub(super) use case_with_team;

pub(super) fn case_and_member(r: &Row<'_>) -> Result<(CaseRow, Option<UserId>), StoreError> {
    let types: String = col(r, 6)?;
    let case = CaseRow {
        id: CaseId::from_uuid(col(r, 0)?),
        survivor: SurvivorId::from_uuid(col(r, 1)?),
        org: OrgId::from_uuid(col(r, 2)?),
        created_at: at(r, 3)?,
        status: col(r, 4)?,
        exploitation: col(r, 5)?,
        trafficking_types: types.split(',').filter_map(|t| t.parse().ok()).collect(),
        minor: col(r, 7)?,
        safety_risk: col(r, 8)?,
        immigration_sensitive: col(r, 9)?,
    };
    Ok((case, col::<Option<Uuid>>(r, 10)?.map(UserId::from_uuid)))
}

/// Groups consecutive rows of the same case (the query orders by case) with their members.
pub(super) fn with_teams(rows: Vec<(CaseRow, Option<UserId>)>) -> Vec<(CaseRow, Vec<UserId>)> {
    let mut out: Vec<(CaseRow, Vec<UserId>)> = Vec::new();
    for (case, member) in rows {
        match out.last_mut() {
            Some((last, team)) if last.id == case.id => team.extend(member),
            _ => out.push((case, member.into_iter().collect())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{
        EVENTS_OF_CASE, GOALS_OF_CASE, NEWEST_NOTES_OF_CASE, NOTE_COUNTS_OF_CASE, NOTES_OF_CASE,
        TASKS_OF_CASE,
    };
    use crate::inline_reads::col;
    use crate::migrated_store;

    type Error = Box<dyn std::error::Error + Send + Sync>;

    /// A case view's by-case reads come straight from their indexes. Until the indexes of
    /// notes, tasks and goals ended with the row's id, SQLite sorted each case's rows in a
    /// temporary b-tree: about 4 % of a case read's server CPU (`ab -k -c 32`, six pairs).
    #[tokio::test(flavor = "current_thread")]
    async fn a_case_views_reads_need_no_sort() -> Result<(), Error> {
        let dir = tempfile::tempdir()?;
        let store = migrated_store(dir.path()).await?;
        for sql in [EVENTS_OF_CASE, NOTES_OF_CASE, TASKS_OF_CASE, GOALS_OF_CASE] {
            let plan = store.inline.read(|r| {
                r.all(
                    &format!("EXPLAIN QUERY PLAN {sql}"),
                    [uuid::Uuid::nil()],
                    |row| col::<String>(row, 3),
                )
            })?;
            assert!(
                plan.iter().any(|step| step.starts_with("SEARCH ")),
                "{sql} reads no index: {plan:?}"
            );
            assert!(
                !plan.iter().any(|step| step.contains("TEMP B-TREE")),
                "{sql} sorts its rows: {plan:?}"
            );
        }
        store.close().await;
        Ok(())
    }

    /// A window of a case's notes ranks and counts them on the index by category alone: no
    /// note's row (its body) is read unless it is kept.
    #[tokio::test(flavor = "current_thread")]
    async fn a_windows_notes_are_ranked_and_counted_on_their_index() -> Result<(), Error> {
        let dir = tempfile::tempdir()?;
        let store = migrated_store(dir.path()).await?;
        let case = uuid::Uuid::nil();
        for sql in [NEWEST_NOTES_OF_CASE, NOTE_COUNTS_OF_CASE] {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let plan = store.inline.read(|r| {
                let step = |row: &rusqlite::Row<'_>| col::<String>(row, 3);
                if sql.contains("?2") {
                    r.all(&explain, rusqlite::params![case, 50], step)
                } else {
                    r.all(&explain, [case], step)
                }
            })?;
            assert!(
                plan.iter()
                    .any(|step| step.contains("COVERING INDEX notes_by_case_category")),
                "{sql} reads the notes' rows to rank them: {plan:?}"
            );
        }
        store.close().await;
        Ok(())
    }
}
