//! Reading a case: one audited view of everything the capability grants.

use super::goals::open_goals;
use super::notes::open_notes;
use super::tasks::open_tasks;
use super::{GoalView, NoteView, TaskView, require_case};
use crate::access::CaseAccess;
use crate::auth::Authenticated;
use crate::{CoreError, Haven};
use haven_domain::access::{Action, may_read_notes};
use haven_domain::audit::{AuditAction, AuditTarget};
use haven_domain::case::NoteCategory;
use haven_domain::survivor::SurvivorProfile;
use haven_domain::{CaseId, DataCategory, OrgId, SurvivorId, UserId};
use haven_store::{
    CaseContents, CaseEvent, HistoryCounts, HistoryWindow, LoadedCase, NOTE_EVENT, Store,
};
use time::OffsetDateTime;

/// A case as one reader may see it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub id: CaseId,
    pub survivor: SurvivorId,
    pub org: OrgId,
    pub status: String,
    pub exploitation: String,
    pub trafficking_types: Vec<u8>,
    pub minor: bool,
    pub safety_risk: bool,
    pub immigration_sensitive: bool,
    /// For a law-enforcement liaison: the record carries an immigration-sensitive /
    /// non-detention flag — "protected status, contact the case manager", with no detail.
    pub protected_status: bool,
    pub created_at: OffsetDateTime,
    pub team: Vec<UserId>,
    /// The parts of the survivor record the reader may see (others are empty).
    pub profile: SurvivorProfile,
    pub categories: Vec<DataCategory>,
    /// Note categories the reader may write.
    pub writable_notes: Vec<NoteCategory>,
    /// The notes the reader may read, oldest first, as far as the view's [`History`] reaches.
    pub notes: Vec<NoteView>,
    /// How many notes the reader may read in all.
    pub notes_total: usize,
    pub goals: Vec<GoalView>,
    pub tasks: Vec<TaskView>,
    /// The timeline entries the reader may read, oldest first, as far as the view's
    /// [`History`] reaches.
    pub timeline: Vec<CaseEvent>,
    /// How many timeline entries the reader may read in all.
    pub timeline_total: usize,
}

/// How much of a case's history (its notes, its timeline, its messages) a view opens. A case
/// worked for years has hundreds of notes; its page opens the newest, and the rest when asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    /// All of it.
    All,
    /// The newest `n` of each that the reader may read.
    Newest(usize),
}

impl History {
    /// The part of `items` (oldest first) this reaches, and how many there were.
    pub(crate) fn keep<T>(self, mut items: Vec<T>) -> (Vec<T>, usize) {
        let total = items.len();
        if let History::Newest(n) = self {
            items.drain(..total.saturating_sub(n));
        }
        (items, total)
    }

    /// How much of the history the store reads for this: the newest `n` of each kind holds
    /// the newest `n` of whatever kinds the reader turns out to be allowed.
    pub(crate) fn window(self) -> HistoryWindow {
        match self {
            History::All => HistoryWindow::All,
            History::Newest(n) => {
                HistoryWindow::NewestOfEachKind(u32::try_from(n).unwrap_or(u32::MAX))
            }
        }
    }
}

impl<S: Store> Haven<S> {
    /// The whole case for one reader, audited as one view with the categories it showed.
    /// The case, its team and everything it shows are read together, then the policy
    /// decides on them; nothing is opened or returned unless it allows.
    pub async fn view_case(&self, auth: &Authenticated, id: CaseId) -> Result<CaseView, CoreError> {
        self.view_case_history(auth, id, History::All).await
    }

    /// The case for one reader as [`Self::view_case`], with as much of its history as
    /// `history` reaches: notes and timeline entries beyond it are counted, not opened.
    pub async fn view_case_history(
        &self,
        auth: &Authenticated,
        id: CaseId,
        history: History,
    ) -> Result<CaseView, CoreError> {
        let (access, contents) = self.authorize_view(auth, id, history.window()).await?;
        self.read_case(&access, contents, history).await
    }

    /// A case and everything a view of it shows, read in one snapshot, and the policy's
    /// answer for viewing it: the policy decides on the team the contents were read with, so
    /// someone just taken off the team never sees what was written after they left.
    async fn authorize_view(
        &self,
        auth: &Authenticated,
        id: CaseId,
        window: HistoryWindow,
    ) -> Result<(CaseAccess, CaseContents), CoreError> {
        let (loaded, contents) = match self.store().case_view(id, window).await? {
            Some(LoadedCase {
                case,
                team,
                contents,
            }) => (Some((case, team)), contents),
            None => (None, None),
        };
        let access = self
            .authorize_loaded(auth, id, Action::View, loaded)
            .await?;
        Ok((access, contents.ok_or(CoreError::NotFound)?))
    }

    /// The view `access` allows of a case's `contents`, as far as `history` reaches, audited.
    async fn read_case(
        &self,
        access: &CaseAccess,
        contents: CaseContents,
        history: History,
    ) -> Result<CaseView, CoreError> {
        let id = require_case(access)?;
        let (row, team) = access.loaded_case().cloned().ok_or(CoreError::NotFound)?;
        let key = self.key_of(&contents.survivor).await?;
        let record = Self::open_survivor_row(access, &contents.survivor, &key)?;
        let (notes, readable_notes) = open_notes(access, &key, contents.notes, history)?;
        let notes_total = notes_total(access, contents.counts.as_ref(), readable_notes)?;
        let tasks = open_tasks(access, &key, contents.tasks)?;
        let goals = open_goals(access, &key, contents.goals)?;
        let readable = |kind: &str, detail: &str| {
            kind != "note"
                || detail
                    .parse::<NoteCategory>()
                    .is_ok_and(|c| may_read_notes(access.access_map(), c.data_category()))
        };
        // Another organisation reading under a release sees the case's own fields only as
        // far as the release's categories reach.
        let shared = access.consent().is_some();
        let sees = |c: DataCategory| !shared || access.can_read(c);
        let (timeline, timeline_total) = if sees(DataCategory::Case) {
            let (shown, readable_entries) = history.keep(
                contents
                    .events
                    .into_iter()
                    .filter(|e| readable(&e.kind, &e.detail))
                    .collect(),
            );
            let total = match &contents.counts {
                Some(counts) => count(
                    counts
                        .events
                        .iter()
                        .filter(|(kind, _)| match kind.strip_prefix(NOTE_EVENT) {
                            Some(category) => readable("note", category),
                            None => true,
                        })
                        .map(|(_, n)| *n)
                        .sum(),
                ),
                None => readable_entries,
            };
            (shown, total)
        } else {
            (Vec::new(), 0)
        };
        let mut event = self.event(
            access.actor().clone(),
            AuditAction::CaseView,
            Self::access_reason(access),
        );
        event.org = Some(row.org);
        event.target = Some(AuditTarget::Case(*id.as_uuid()));
        event.categories = access.categories();
        event.consent = access.consent();
        self.append(&event).await?;
        Ok(CaseView {
            id,
            survivor: row.survivor,
            org: row.org,
            status: if sees(DataCategory::Case) {
                row.status
            } else {
                String::new()
            },
            exploitation: if sees(DataCategory::Narrative) {
                row.exploitation
            } else {
                String::new()
            },
            trafficking_types: if sees(DataCategory::Narrative) {
                row.trafficking_types
            } else {
                Vec::new()
            },
            minor: row.minor && sees(DataCategory::Case),
            safety_risk: row.safety_risk && sees(DataCategory::Safety),
            immigration_sensitive: row.immigration_sensitive
                && sees(DataCategory::Immigration)
                && !access.protected_view(),
            protected_status: row.immigration_sensitive && access.protected_view(),
            created_at: row.created_at,
            team: if sees(DataCategory::Case) {
                team
            } else {
                Vec::new()
            },
            profile: record,
            categories: access.categories(),
            writable_notes: NoteCategory::ALL
                .iter()
                .copied()
                .filter(|c| {
                    access.access_map().get(&c.data_category())
                        == Some(&haven_domain::access::Access::ReadWrite)
                })
                .collect(),
            notes,
            notes_total,
            goals,
            tasks,
            timeline,
            timeline_total,
        })
    }

    /// The notes of a case the caller may read (an audited view).
    pub async fn list_notes(
        &self,
        auth: &Authenticated,
        case: CaseId,
    ) -> Result<Vec<NoteView>, CoreError> {
        Ok(self.note_history(auth, case, History::All).await?.0)
    }

    /// The notes of a case the caller may read, oldest first, as far as `history` reaches,
    /// and how many they may read in all (an audited view of those opened).
    pub async fn note_history(
        &self,
        auth: &Authenticated,
        case: CaseId,
        history: History,
    ) -> Result<(Vec<NoteView>, usize), CoreError> {
        let (access, contents) = self.authorize_view(auth, case, history.window()).await?;
        let key = self.key_of(&contents.survivor).await?;
        let (notes, readable) = open_notes(&access, &key, contents.notes, history)?;
        let total = notes_total(&access, contents.counts.as_ref(), readable)?;
        let mut event = self.event(
            access.actor().clone(),
            AuditAction::NoteList,
            Self::access_reason(&access),
        );
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Case(*case.as_uuid()));
        event.categories = notes
            .iter()
            .map(|n| n.category.data_category())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        self.append(&event).await?;
        Ok((notes, total))
    }
}

/// How many of a case's notes the reader may read: `readable`, those among the rows read,
/// when the store read the whole history; else from its counts by category.
fn notes_total(
    access: &CaseAccess,
    counts: Option<&HistoryCounts>,
    readable: usize,
) -> Result<usize, CoreError> {
    let Some(counts) = counts else {
        return Ok(readable);
    };
    let mut total = 0;
    for (category, n) in &counts.notes {
        let category = category
            .parse::<NoteCategory>()
            .map_err(|_| haven_store::StoreError::Corrupt("a stored note category is unknown"))?;
        if may_read_notes(access.access_map(), category.data_category()) {
            total += n;
        }
    }
    Ok(count(total))
}

fn count(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::History;

    #[test]
    fn a_history_keeps_the_newest_and_counts_them_all() {
        let oldest_first = || vec![1, 2, 3];
        assert_eq!(History::All.keep(oldest_first()), (vec![1, 2, 3], 3));
        assert_eq!(History::Newest(2).keep(oldest_first()), (vec![2, 3], 3));
        assert_eq!(History::Newest(5).keep(oldest_first()), (vec![1, 2, 3], 3));
        assert_eq!(History::Newest(0).keep(oldest_first()), (vec![], 3));
    }
}
