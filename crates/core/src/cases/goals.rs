//! The goals of a case plan (safety, housing, health, legal status, income…), each open,
//! achieved or dropped, beside the plan's tasks. Titles are sealed under the survivor's key;
//! reading needs the `case` category, writing needs write access to it.

use super::require_case;
use crate::access::CaseAccess;
use crate::auth::Authenticated;
use crate::problem::{Problem, Reason};
use crate::{CoreError, Haven};
use haven_crypto::envelope::DataKey;
use haven_crypto::field::FieldContext;
use haven_domain::access::Action;
use haven_domain::audit::{AuditAction, AuditTarget};
use haven_domain::case::GoalStatus;
use haven_domain::{CaseId, DataCategory, GoalId, OrgId};
use haven_store::{GoalRow, Store};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalView {
    pub id: GoalId,
    pub title: String,
    pub status: GoalStatus,
    pub created_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
}

pub(crate) fn context(org: OrgId, id: GoalId) -> FieldContext<'static> {
    FieldContext {
        org,
        table: "case_goals",
        column: "title",
        record: *id.as_bytes(),
    }
}

impl<S: Store> Haven<S> {
    pub async fn add_goal(
        &self,
        auth: &Authenticated,
        case: CaseId,
        title: &str,
    ) -> Result<GoalId, CoreError> {
        let access = self
            .authorize_case(auth, case, Action::Edit(DataCategory::Case))
            .await?;
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 300 {
            return Err(CoreError::invalid(
                "title",
                Problem::new(Reason::GoalTitle).with("max", 300),
            ));
        }
        let entropy = self.inner().entropy.as_ref();
        let id = GoalId::from_random_bytes(haven_crypto::entropy::random_array(entropy));
        let key = self.survivor_key(access.survivor()).await?;
        let row = GoalRow {
            id,
            case,
            title: key.seal(&context(access.org(), id), title.as_bytes(), entropy)?,
            status: GoalStatus::Open.as_str().into(),
            created_at: self.now(),
            closed_at: None,
        };
        let mut event = self.event(auth.staff.actor(), AuditAction::GoalCreate, "goal_add");
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Case(*case.as_uuid()));
        self.store()
            .insert_goal(
                &row,
                access.org(),
                &self.case_event(case, "goal", Some(auth.staff.id), "added"),
                &self.encode(&event)?,
            )
            .await
            .map_err(CoreError::changed_meanwhile(Reason::CaseChanged))?;
        Ok(id)
    }

    /// Marks a goal achieved or dropped, or opens it again.
    pub async fn set_goal_status(
        &self,
        auth: &Authenticated,
        case: CaseId,
        goal: GoalId,
        status: GoalStatus,
    ) -> Result<(), CoreError> {
        let access = self
            .authorize_case(auth, case, Action::Edit(DataCategory::Case))
            .await?;
        let row = self
            .store()
            .goals_of_case(case)
            .await?
            .into_iter()
            .find(|g| g.id == goal)
            .ok_or(CoreError::NotFound)?;
        let changed = GoalRow {
            status: status.as_str().into(),
            closed_at: (status != GoalStatus::Open).then(|| self.now()),
            ..row
        };
        let mut event = self.event(auth.staff.actor(), AuditAction::GoalStatus, status.as_str());
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Case(*case.as_uuid()));
        let done = self
            .store()
            .set_goal_status(
                &changed,
                access.org(),
                &self.case_event(case, "goal", Some(auth.staff.id), status.as_str()),
                &self.encode(&event)?,
            )
            .await
            .map_err(CoreError::changed_meanwhile(Reason::CaseChanged))?;
        if done {
            Ok(())
        } else {
            Err(CoreError::NotFound)
        }
    }

    /// The plan's goals, for a reader of the `case` category.
    pub(crate) async fn readable_goals(
        &self,
        access: &CaseAccess,
        key: &DataKey,
    ) -> Result<Vec<GoalView>, CoreError> {
        let case = require_case(access)?;
        if !access.can_read(DataCategory::Case) {
            return Ok(Vec::new());
        }
        open_goals(access, key, self.store().goals_of_case(case).await?)
    }
}

/// The goals among `rows`, opened for a reader who may see the case's own fields.
pub(crate) fn open_goals(
    access: &CaseAccess,
    key: &DataKey,
    rows: Vec<GoalRow>,
) -> Result<Vec<GoalView>, CoreError> {
    if !access.can_read(DataCategory::Case) {
        return Ok(Vec::new());
    }
    rows.into_iter()
        .map(|g| {
            let title = key.open(&context(access.org(), g.id), &g.title)?;
            Ok(GoalView {
                id: g.id,
                title: String::from_utf8_lossy(&title).into_owned(),
                status: g.status.parse::<GoalStatus>().map_err(|_| {
                    haven_store::StoreError::Corrupt("a stored goal status is unknown")
                })?,
                created_at: g.created_at,
                closed_at: g.closed_at,
            })
        })
        .collect()
}
