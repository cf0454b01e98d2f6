//! The case plan's tasks: a title (sealed, it may name people or places) and a due date.

use super::require_case;
use crate::access::CaseAccess;
use crate::auth::Authenticated;
use crate::problem::{Problem, Reason};
use crate::{CoreError, Haven};
use haven_crypto::envelope::DataKey;
use haven_crypto::field::FieldContext;
use haven_domain::access::Action;
use haven_domain::audit::{AuditAction, AuditTarget};
use haven_domain::{CaseId, DataCategory, OrgId, TaskId};
use haven_store::{Store, TaskRow};
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskView {
    pub id: TaskId,
    pub title: String,
    pub due_on: Date,
    pub done_at: Option<OffsetDateTime>,
}

pub(crate) fn context(org: OrgId, id: TaskId) -> FieldContext<'static> {
    FieldContext {
        org,
        table: "tasks",
        column: "title",
        record: *id.as_bytes(),
    }
}

impl<S: Store> Haven<S> {
    pub async fn add_task(
        &self,
        auth: &Authenticated,
        case: CaseId,
        title: &str,
        due_on: Date,
    ) -> Result<TaskId, CoreError> {
        let access = self
            .authorize_case(auth, case, Action::Edit(DataCategory::Case))
            .await?;
        self.write_task(&access, auth, title, due_on, "added").await
    }

    /// Writes a task on the case of `access`, with its timeline event (`detail`) and audit
    /// entry; the caller has authorised it.
    pub(crate) async fn write_task(
        &self,
        access: &CaseAccess,
        auth: &Authenticated,
        title: &str,
        due_on: Date,
        detail: &str,
    ) -> Result<TaskId, CoreError> {
        let case = require_case(access)?;
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 300 {
            return Err(CoreError::invalid(
                "title",
                Problem::new(Reason::TaskTitle).with("max", 300),
            ));
        }
        let entropy = self.inner().entropy.as_ref();
        let id = TaskId::from_random_bytes(haven_crypto::entropy::random_array(entropy));
        let key = self.survivor_key(access.survivor()).await?;
        let row = TaskRow {
            id,
            case,
            title: key.seal(&context(access.org(), id), title.as_bytes(), entropy)?,
            due_on,
            done_at: None,
            created_at: self.now(),
        };
        let mut event = self.event(auth.staff.actor(), AuditAction::TaskCreate, "task_add");
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Case(*case.as_uuid()));
        self.store()
            .insert_task(
                &row,
                access.org(),
                &self.case_event(case, "task", Some(auth.staff.id), detail),
                &self.encode(&event)?,
            )
            .await
            .map_err(CoreError::changed_meanwhile(Reason::CaseChanged))?;
        Ok(id)
    }

    pub async fn complete_task(
        &self,
        auth: &Authenticated,
        case: CaseId,
        task: TaskId,
    ) -> Result<(), CoreError> {
        let access = self
            .authorize_case(auth, case, Action::Edit(DataCategory::Case))
            .await?;
        let mut event = self.event(auth.staff.actor(), AuditAction::TaskDone, "task_done");
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Case(*case.as_uuid()));
        let done = self
            .store()
            .complete_task(
                case,
                access.org(),
                task,
                self.now(),
                &self.case_event(case, "task", Some(auth.staff.id), "done"),
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

    pub(crate) async fn readable_tasks(
        &self,
        access: &CaseAccess,
        key: &DataKey,
    ) -> Result<Vec<TaskView>, CoreError> {
        let case = require_case(access)?;
        if !access.can_read(DataCategory::Case) {
            return Ok(Vec::new());
        }
        open_tasks(access, key, self.store().tasks_of_case(case).await?)
    }
}

/// The tasks among `rows`, opened for a reader who may see the case's own fields.
pub(crate) fn open_tasks(
    access: &CaseAccess,
    key: &DataKey,
    rows: Vec<TaskRow>,
) -> Result<Vec<TaskView>, CoreError> {
    if !access.can_read(DataCategory::Case) {
        return Ok(Vec::new());
    }
    rows.into_iter()
        .map(|t| {
            let title = key.open(&context(access.org(), t.id), &t.title)?;
            Ok(TaskView {
                id: t.id,
                title: String::from_utf8_lossy(&title).into_owned(),
                due_on: t.due_on,
                done_at: t.done_at,
            })
        })
        .collect()
}
