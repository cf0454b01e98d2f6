//! Subject access: everything held about one survivor — the record, every case with its
//! notes (all categories), plan, timeline, referrals and messages, and the whole history of
//! their releases — for the survivor who asks. A supervisor of the owning organisation
//! produces it; it is audited as one export with every category.

use super::consents::open_consent;
use super::messages::open_message;
use crate::auth::Authenticated;
use crate::cases::{GoalView, NoteView, TaskView};
use crate::survivors::SurvivorRecord;
use crate::{CoreError, Haven};
use haven_domain::CaseId;
use haven_domain::DataCategory;
use haven_domain::access::Action;
use haven_domain::audit::{AuditAction, AuditTarget};
use haven_store::{CaseEvent, CaseRow, ReferralRow, Store};

use super::{ConsentView, MessageView};

#[derive(Debug, Clone)]
pub struct ExportedCase {
    pub case: CaseRow,
    pub notes: Vec<NoteView>,
    pub tasks: Vec<TaskView>,
    pub goals: Vec<GoalView>,
    pub timeline: Vec<CaseEvent>,
    pub referrals: Vec<ReferralRow>,
    pub messages: Vec<MessageView>,
}

#[derive(Debug, Clone)]
pub struct SubjectExport {
    pub record: SurvivorRecord,
    pub cases: Vec<ExportedCase>,
    pub consents: Vec<ConsentView>,
}

impl<S: Store> Haven<S> {
    pub async fn subject_export(
        &self,
        auth: &Authenticated,
        case: CaseId,
    ) -> Result<SubjectExport, CoreError> {
        let allowed = self
            .authorize_case(auth, case, Action::SubjectExport)
            .await?;
        let survivor = allowed.survivor();
        let (row, key) = self.survivor_with_key(survivor).await?;
        let full = self.operator_access("subject_export", survivor).await?;
        let profile = Self::open_survivor_row(&full, &row, &key)?;
        let now = self.now();
        let mut cases = Vec::new();
        for loaded in self.store().cases_of_survivor(survivor).await? {
            let id = loaded.0.id;
            let access = Self::export_access(&allowed, loaded.clone());
            let mut messages = Vec::new();
            for m in self.store().messages_of_case(id).await? {
                messages.push(open_message(m, loaded.0.org, &key)?);
            }
            cases.push(ExportedCase {
                case: loaded.0,
                notes: self.readable_notes(&access, &key).await?,
                tasks: self.readable_tasks(&access, &key).await?,
                goals: self.readable_goals(&access, &key).await?,
                timeline: self.store().case_events(id).await?,
                referrals: self.store().referrals_of_case(id).await?,
                messages,
            });
        }
        let mut consents = Vec::new();
        for c in self.store().consents_of_survivor(survivor).await? {
            consents.push(open_consent(c, &key, now)?);
        }
        let mut event = self.event(
            auth.staff.actor(),
            AuditAction::SubjectExport,
            Self::access_reason(&allowed),
        );
        event.org = Some(row.org);
        event.target = Some(AuditTarget::Survivor(*survivor.as_uuid()));
        event.categories = DataCategory::ALL.to_vec();
        self.append(&event).await?;
        Ok(SubjectExport {
            record: SurvivorRecord {
                id: survivor,
                org: row.org,
                created_at: row.created_at,
                profile,
            },
            cases,
            consents,
        })
    }
}
