//! A member's dashboard: their cases with teams, survivors and tasks, in one snapshot.

use super::{Reads, col};
use haven_domain::{CaseId, UserId};
use haven_store::{BoardCase, StoreError};

impl Reads<'_> {
    /// Call inside [`super::InlineReader::snapshot`], so the cases, their teams and their
    /// tasks are read as they stood together.
    pub(crate) fn member_board(
        &self,
        user: UserId,
        limit: u32,
    ) -> Result<Vec<BoardCase>, StoreError> {
        let ids = self.all(
            "SELECT case_id FROM case_team WHERE user_id = ?1 \
             ORDER BY case_created_at DESC, case_id LIMIT ?2",
            rusqlite::params![user.as_uuid(), i64::from(limit)],
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
