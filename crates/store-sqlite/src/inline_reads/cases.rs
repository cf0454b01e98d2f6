//! A case, its team and everything a view of it shows.

use super::{Reads, at, at_opt, col, negative};
use haven_domain::{CaseId, GoalId, NoteId, OrgId, SurvivorId, TaskId, UserId};
use haven_store::{
    CaseContents, CaseEvent, CaseHistory, CaseRow, GoalRow, HistoryCounts, HistoryWindow,
    LoadedCase, NoteRow, Placeholders, StoreError, TaskRow, event_counts_sql, holds_all,
    newest_events_sql, newest_notes_sql, note_counts_sql,
};
use rusqlite::Row;
use rusqlite::ToSql;
use std::collections::BTreeMap;
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
    /// there are: a window counts the kinds on their indexes, then reads each kind newest
    /// first until it has enough (`haven_store::newest_notes_sql`).
    fn history(&self, case: CaseId, window: HistoryWindow) -> Result<CaseHistory, StoreError> {
        let n = match window {
            HistoryWindow::All => {
                return Ok(CaseHistory {
                    notes: self.notes_of_case(case)?,
                    events: self.case_events(case)?,
                    counts: None,
                });
            }
            HistoryWindow::NewestOfEachKind(n) => n,
        };
        let id = case.as_uuid();
        let counts = HistoryCounts {
            notes: self.kinds(&note_counts_sql(Placeholders::Question), id)?,
            events: self.kinds(&event_counts_sql(Placeholders::Question), id)?,
        };
        let notes = if holds_all(&counts.notes, n) {
            self.notes_of_case(case)?
        } else {
            self.newest(
                &newest_notes_sql(counts.notes.len(), Placeholders::Question),
                id,
                &counts.notes,
                n,
                note,
            )?
        };
        let events = if holds_all(&counts.events, n) {
            self.case_events(case)?
        } else {
            self.newest(
                &newest_events_sql(counts.events.len(), Placeholders::Question, "rowid"),
                id,
                &counts.events,
                n,
                event,
            )?
        };
        Ok(CaseHistory {
            notes,
            events,
            counts: Some(counts),
        })
    }

    /// Runs a `newest_*_sql` statement for `kinds`.
    fn newest<T>(
        &self,
        sql: &str,
        case: &Uuid,
        kinds: &BTreeMap<String, u64>,
        n: u32,
        decode: impl Fn(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut params: Vec<&dyn ToSql> = vec![case];
        params.extend(kinds.keys().map(|k| k as &dyn ToSql));
        params.push(&n);
        self.all(sql, params.as_slice(), decode)
    }

    /// Rows of `kind_of`, `n` as a map.
    fn kinds(&self, sql: &str, case: &Uuid) -> Result<BTreeMap<String, u64>, StoreError> {
        let rows = self.all(sql, [case], |r| {
            let n: i64 = col(r, 1)?;
            Ok((col(r, 0)?, u64::try_from(n).map_err(|_| negative())?))
        })?;
        Ok(rows.into_iter().collect())
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
        let CaseHistory {
            notes,
            events,
            counts,
        } = self.history(case, window)?;
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
    use super::{EVENTS_OF_CASE, GOALS_OF_CASE, NOTES_OF_CASE, TASKS_OF_CASE};
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

    /// A window of a case's history reads each kind newest first on an index that holds it,
    /// and counts the kinds on the same indexes: no sort of the case's whole history, and no
    /// note's row read unless it is kept.
    #[tokio::test(flavor = "current_thread")]
    async fn a_window_reads_each_kind_on_its_index() -> Result<(), Error> {
        use haven_store::{Placeholders::Question, *};
        let dir = tempfile::tempdir()?;
        let store = migrated_store(dir.path()).await?;
        let (case, kind, n) = (uuid::Uuid::nil(), "general".to_owned(), 50);
        let statements = [
            (
                note_counts_sql(Question),
                "COVERING INDEX notes_by_case_category",
            ),
            (event_counts_sql(Question), "INDEX case_events_by_kind"),
            (
                newest_notes_sql(1, Question),
                "INDEX notes_by_case_category",
            ),
            (
                newest_events_sql(1, Question, "rowid"),
                "INDEX case_events_by_kind",
            ),
        ];
        for (sql, index) in statements {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let plan = store.inline.read(|r| {
                let step = |row: &rusqlite::Row<'_>| col::<String>(row, 3);
                if sql.contains("?3") {
                    r.all(&explain, rusqlite::params![case, kind, n], step)
                } else {
                    r.all(&explain, [case], step)
                }
            })?;
            assert!(
                plan.iter().any(|step| step.contains(index)),
                "{sql} does not read {index}: {plan:?}"
            );
            assert!(
                !plan
                    .iter()
                    .any(|step| step.contains("TEMP B-TREE FOR GROUP BY")),
                "{sql} sorts to count: {plan:?}"
            );
        }
        store.close().await;
        Ok(())
    }
}
