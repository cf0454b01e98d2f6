//! A member's dashboard: their cases with teams, survivors and tasks, in one snapshot.

use super::{Reads, col};
use haven_domain::{CaseId, UserId};
use haven_store::{BoardCase, BoardQuery, StoreError};
use rusqlite::types::Value;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

impl Reads<'_> {
    /// Call inside [`super::InlineReader::snapshot`], so the cases, their teams and their
    /// tasks are read as they stood together.
    pub(crate) fn member_board(
        &self,
        user: UserId,
        page: &BoardQuery,
    ) -> Result<Vec<BoardCase>, StoreError> {
        let ids = self.all(
            &page.ids_sql(),
            rusqlite::params_from_iter(values(user, page)?),
            |r| Ok(CaseId::from_uuid(col(r, 0)?)),
        )?;
        let mut board = Vec::with_capacity(ids.len());
        for id in ids {
            // Always found: the ids were read in this snapshot.
            let Some((case, team)) = self.case(id)? else {
                continue;
            };
            board.push(BoardCase {
                survivor: self.survivor(case.survivor)?,
                tasks: self.tasks_of_case(id)?,
                case,
                team,
            });
        }
        Ok(board)
    }
}

/// The values [`BoardQuery::ids_sql`] binds, in its order, as SQLite stores them (times and
/// days as the text sqlx writes).
fn values(user: UserId, page: &BoardQuery) -> Result<Vec<Value>, StoreError> {
    let unwritable = |_| StoreError::Backend("a time could not be written as text".into());
    let mut values = vec![Value::Blob(user.as_uuid().as_bytes().to_vec())];
    if let Some(status) = &page.status {
        values.push(Value::Text(status.clone()));
    }
    if let Some(day) = page.tasks_due_by {
        let text = day
            .format(format_description!("[year]-[month]-[day]"))
            .map_err(unwritable)?;
        values.push(Value::Text(text));
    }
    if let Some(after) = page.after {
        values.push(Value::Text(
            after.created_at.format(&Rfc3339).map_err(unwritable)?,
        ));
        values.push(Value::Blob(after.case.as_uuid().as_bytes().to_vec()));
    }
    values.push(Value::Integer(i64::from(page.limit)));
    Ok(values)
}
