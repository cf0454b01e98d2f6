//! The staff dashboard — my cases, and the tasks due and overdue — and the list of my cases
//! the API pages through. Each case is read with its team, record and tasks in one snapshot
//! (`Store::member_board`), and the policy decides on that team.

use super::tasks::open_tasks;
use crate::access::CaseAccess;
use crate::auth::Authenticated;
use crate::survivors::open_pseudonym_row;
use crate::{CoreError, Haven};
use haven_crypto::envelope::DataKey;
use haven_domain::access::Action;
use haven_domain::audit::AuditAction;
use haven_domain::{CaseId, DataCategory};
use haven_store::{BoardCase, BoardCursor, BoardQuery, CaseRow, Store, SurvivorRow, TaskRow};
use time::{Date, Duration, OffsetDateTime};

/// A line of the dashboard.
#[derive(Debug, Clone)]
pub struct CaseSummary {
    pub id: CaseId,
    pub pseudonym: String,
    pub status: String,
    pub minor: bool,
    pub safety_risk: bool,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct DueTask {
    pub case: CaseId,
    pub pseudonym: String,
    pub title: String,
    pub due_on: Date,
    pub overdue: bool,
}

/// The dashboard: a page of my cases, where the next (older) page starts, and, on the newest
/// page only, my tasks due soon or overdue on any of my cases.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub cases: Vec<CaseSummary>,
    pub next: Option<BoardCursor>,
    /// Empty on an older page: the tasks due are read, and listed, once, on the newest.
    pub tasks: Vec<DueTask>,
}

/// A page of my cases, and where the next page starts (`None` after the last).
#[derive(Debug, Clone, Default)]
pub struct CaseList {
    pub cases: Vec<CaseSummary>,
    pub next: Option<BoardCursor>,
}

/// Tasks due within this many days are listed on the dashboard.
const DUE_SOON_DAYS: i64 = 14;

/// Cases a page of the dashboard lists, newest first; also how many cases with tasks due
/// are read at a time (all of them are read).
const DASHBOARD_CASES: u32 = 200;

/// A case of the board the caller may view, opened as far as the board shows it.
struct OpenLine {
    access: CaseAccess,
    case: CaseRow,
    pseudonym: String,
    key: DataKey,
    tasks: Vec<TaskRow>,
}

impl OpenLine {
    fn summary(&self) -> CaseSummary {
        CaseSummary {
            id: self.case.id,
            pseudonym: self.pseudonym.clone(),
            status: self.case.status.clone(),
            minor: self.case.minor,
            safety_risk: self.case.safety_risk,
            created_at: self.case.created_at,
        }
    }
}

impl<S: Store> Haven<S> {
    /// A page of my cases (the newest, or those older than `after`), and, on the newest
    /// page, my tasks due soon or overdue on any of my cases. One audit entry for the board.
    pub async fn dashboard(
        &self,
        auth: &Authenticated,
        after: Option<BoardCursor>,
    ) -> Result<Dashboard, CoreError> {
        let page = BoardQuery {
            after,
            ..BoardQuery::newest(DASHBOARD_CASES)
        };
        let (lines, next) = self.board_page(auth, &page).await?;
        let tasks = match after {
            None => self.tasks_due(auth).await?,
            Some(_) => Vec::new(),
        };
        self.audit_list(auth, "dashboard").await?;
        Ok(Dashboard {
            cases: lines.iter().map(OpenLine::summary).collect(),
            next,
            tasks,
        })
    }

    /// My tasks due soon or overdue on any of my cases, soonest first. Due and overdue count
    /// from the reader's own today, in their time zone.
    async fn tasks_due(&self, auth: &Authenticated) -> Result<Vec<DueTask>, CoreError> {
        let today = auth.staff.local_time.today(self.now());
        let mut tasks = Vec::new();
        // Only cases with a task due read here, a page at a time until the last.
        let mut due = BoardQuery {
            tasks_due_by: today.checked_add(Duration::days(DUE_SOON_DAYS)),
            ..BoardQuery::newest(DASHBOARD_CASES)
        };
        loop {
            let (lines, next) = self.board_page(auth, &due).await?;
            for line in lines {
                for task in open_tasks(&line.access, &line.key, line.tasks)? {
                    if task.done_at.is_none() && (task.due_on - today).whole_days() <= DUE_SOON_DAYS
                    {
                        tasks.push(DueTask {
                            case: line.case.id,
                            pseudonym: line.pseudonym.clone(),
                            title: task.title,
                            due_on: task.due_on,
                            overdue: task.due_on < today,
                        });
                    }
                }
            }
            match next {
                Some(cursor) => due.after = Some(cursor),
                None => break,
            }
        }
        tasks.sort_by_key(|t| t.due_on);
        Ok(tasks)
    }

    /// A page of my cases, newest first (`page.limit` of them at most), and where the next
    /// page starts. One audit entry for the page.
    pub async fn list_cases(
        &self,
        auth: &Authenticated,
        page: &BoardQuery,
    ) -> Result<CaseList, CoreError> {
        let (lines, next) = self.board_page(auth, page).await?;
        let cases = lines.iter().map(OpenLine::summary).collect();
        self.audit_list(auth, "case_list").await?;
        Ok(CaseList { cases, next })
    }

    /// The cases of a page the caller may view, opened, and where the next page starts: after
    /// the last case read, shown or not; `None` when the page was not full.
    async fn board_page(
        &self,
        auth: &Authenticated,
        page: &BoardQuery,
    ) -> Result<(Vec<OpenLine>, Option<BoardCursor>), CoreError> {
        let lines = self.store().member_board(auth.staff.id, page).await?;
        let next = match lines.last() {
            Some(last) if lines.len() >= page.limit as usize => Some(BoardCursor {
                created_at: last.case.created_at,
                case: last.case.id,
            }),
            _ => None,
        };
        Ok((self.open_lines(auth, lines).await?, next))
    }

    /// The lines the caller may view, opened: the policy decides on each (a denial is
    /// audited), then the keys of the allowed ones are read in one call. A case whose record
    /// or key is gone (erased since) is left out rather than failing the board.
    async fn open_lines(
        &self,
        auth: &Authenticated,
        lines: Vec<BoardCase>,
    ) -> Result<Vec<OpenLine>, CoreError> {
        let mut allowed = Vec::with_capacity(lines.len());
        for line in lines {
            let BoardCase {
                case,
                team,
                survivor,
                tasks,
            } = line;
            let Ok(access) = self
                .authorize_loaded(auth, case.id, Action::View, Some((case.clone(), team)))
                .await
            else {
                continue;
            };
            if let Some(survivor) = survivor {
                allowed.push((access, case, survivor, tasks));
            }
        }
        let rows: Vec<&SurvivorRow> = allowed.iter().map(|(_, _, s, _)| s).collect();
        let keys = self.keys_of_rows(&rows).await?;
        let mut open = Vec::with_capacity(allowed.len());
        for (access, case, survivor, tasks) in allowed {
            // Several cases of one survivor share its key.
            let Some(key) = keys.get(&survivor.key_id).cloned() else {
                continue;
            };
            open.push(OpenLine {
                access,
                pseudonym: open_pseudonym_row(&survivor, &key)?,
                case,
                key,
                tasks,
            });
        }
        Ok(open)
    }

    async fn audit_list(&self, auth: &Authenticated, reason: &str) -> Result<(), CoreError> {
        let mut event = self.event(auth.staff.actor(), AuditAction::CaseList, reason);
        event.org = Some(auth.staff.org);
        event.categories = vec![DataCategory::Case];
        self.append(&event).await?;
        Ok(())
    }
}
