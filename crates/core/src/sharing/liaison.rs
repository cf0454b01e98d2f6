//! What a law-enforcement liaison may do besides reading what a release allows: ask the case
//! manager for a meeting. The request becomes a task on the case, due within two days, on
//! the team's dashboard; the liaison learns nothing more by sending it. Cooperation with
//! police is never a condition of any service: nothing else in Haven looks at it.

use crate::auth::Authenticated;
use crate::problem::{Problem, Reason};
use crate::{CoreError, Haven};
use haven_domain::CaseId;
use haven_domain::TaskId;
use haven_domain::access::{Action, Role};
use haven_store::Store;
use time::Duration;

/// How soon the case manager is asked to answer a meeting request. [U] organisation default.
const ANSWER_WITHIN: Duration = Duration::days(2);

impl<S: Store> Haven<S> {
    /// A liaison with an active release naming their agency asks the case team for a
    /// meeting; anyone else gets not found (or forbidden, if they may see the case).
    pub async fn request_meeting(
        &self,
        auth: &Authenticated,
        case: CaseId,
        note: &str,
    ) -> Result<TaskId, CoreError> {
        let access = self.authorize_case(auth, case, Action::View).await?;
        if !auth.staff.roles.contains(&Role::LeLiaison) || access.org() == auth.staff.org {
            return Err(CoreError::Forbidden);
        }
        let agency = self
            .store()
            .org(auth.staff.org)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let note = note.trim();
        if note.chars().count() > 200 {
            return Err(CoreError::invalid(
                "note",
                Problem::new(Reason::TextTooLong).with("max", 200),
            ));
        }
        let title = if note.is_empty() {
            format!("Meeting requested by {agency}")
        } else {
            format!("Meeting requested by {agency}: {note}")
        };
        let due = (self.now() + ANSWER_WITHIN).date();
        self.write_task(&access, auth, &title, due, "meeting_request")
            .await
    }
}
