//! Which of a member's cases to read (`Store::member_board`), and the statement that finds
//! them, shared by both backends: they differ only in how they bind the values.

use haven_domain::CaseId;
use std::fmt;
use std::str::FromStr;
use time::{Date, OffsetDateTime};

/// A page of the cases a member is on the team of, newest first (by creation time, then id,
/// both descending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardQuery {
    /// Only cases with this status.
    pub status: Option<String>,
    /// Only cases with a task not done and due on or before this day.
    pub tasks_due_by: Option<Date>,
    /// Only cases after this one in that order (the last case of the page before).
    pub after: Option<BoardCursor>,
    pub limit: u32,
}

/// Where a page of a member's cases ends: the last case's creation time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoardCursor {
    pub created_at: OffsetDateTime,
    pub case: CaseId,
}

/// A page position as it travels in a URL: the last case's creation time (nanoseconds since
/// 1970) and id, `{nanos}_{id}` — nothing about a survivor.
impl fmt::Display for BoardCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}_{}",
            self.created_at.unix_timestamp_nanos(),
            self.case.as_uuid().simple()
        )
    }
}

/// A text that is not a page position [`BoardCursor`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotACursor;

impl FromStr for BoardCursor {
    type Err = NotACursor;

    fn from_str(raw: &str) -> Result<Self, NotACursor> {
        let (at, id) = raw.split_once('_').ok_or(NotACursor)?;
        let nanos = at.parse().map_err(|_| NotACursor)?;
        Ok(BoardCursor {
            created_at: OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| NotACursor)?,
            case: id.parse().map_err(|_| NotACursor)?,
        })
    }
}

impl BoardQuery {
    /// The newest `limit` cases, whatever their status and tasks.
    pub fn newest(limit: u32) -> Self {
        Self {
            status: None,
            tasks_due_by: None,
            after: None,
            limit,
        }
    }

    /// The statement that reads the page's case ids. Its placeholders are numbered in the
    /// order a backend binds the values: the member, then the status, the due day and the
    /// cursor's time and id where they are given, then the limit. Every case of the member
    /// is on the index `case_team (user_id, case_created_at DESC, case_id DESC)`, so a page is
    /// read from the index in order, never sorted.
    pub fn ids_sql(&self) -> String {
        let mut sql = String::from(
            "SELECT t.case_id FROM case_team t JOIN cases c ON c.id = t.case_id WHERE t.user_id = $1",
        );
        let mut n = 1;
        let mut next = || {
            n += 1;
            n
        };
        if self.status.is_some() {
            sql.push_str(&format!(" AND c.status = ${}", next()));
        }
        if self.tasks_due_by.is_some() {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM tasks k WHERE k.case_id = t.case_id \
                 AND k.done_at IS NULL AND k.due_on <= ${})",
                next()
            ));
        }
        if self.after.is_some() {
            let (at, id) = (next(), next());
            sql.push_str(&format!(
                " AND (t.case_created_at, t.case_id) < (${at}, ${id})"
            ));
        }
        sql.push_str(&format!(
            " ORDER BY t.case_created_at DESC, t.case_id DESC LIMIT ${}",
            next()
        ));
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn placeholders_follow_the_binding_order() {
        let all = BoardQuery {
            status: Some("open".into()),
            tasks_due_by: Some(date!(2026 - 12 - 01)),
            after: Some(BoardCursor {
                created_at: datetime!(2026-11-01 10:00 UTC),
                case: CaseId::from_random_bytes([1; 16]),
            }),
            limit: 5,
        };
        let sql = all.ids_sql();
        let at = |p: &str| sql.find(p).unwrap_or(usize::MAX);
        assert!(at("c.status = $2") < at("k.due_on <= $3"));
        assert!(at("k.due_on <= $3") < at("< ($4, $5)"));
        assert!(sql.ends_with("LIMIT $6"), "{sql}");
        assert_eq!(
            BoardQuery::newest(5).ids_sql(),
            "SELECT t.case_id FROM case_team t JOIN cases c ON c.id = t.case_id WHERE t.user_id = $1 \
             ORDER BY t.case_created_at DESC, t.case_id DESC LIMIT $2"
        );
    }

    #[test]
    fn a_cursor_reads_back_as_written_and_nothing_else_reads() {
        let cursor = BoardCursor {
            created_at: datetime!(2026-11-01 10:00:00.123456789 UTC),
            case: CaseId::from_random_bytes([7; 16]),
        };
        assert_eq!(cursor.to_string().parse::<BoardCursor>(), Ok(cursor));
        for bad in [
            "",
            "yesterday",
            "1_not-an-id",
            "_",
            "x_0707",
            "99999999999999999999999999_07070707070707070707070707070707",
        ] {
            assert_eq!(bad.parse::<BoardCursor>(), Err(NotACursor), "{bad}");
        }
    }
}
