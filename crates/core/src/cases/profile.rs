//! Editing a survivor's record from one of their cases: a caseworker learns a phone number,
//! a language or a date of birth after intake.

use crate::auth::Authenticated;
use crate::problem::Reason;
use crate::survivors::{check_dates, coarse, open_whole_row, seal_profile};
use crate::{CoreError, Haven};
use haven_domain::access::Action;
use haven_domain::audit::{AuditAction, AuditTarget};
use haven_domain::survivor::SurvivorProfile;
use haven_domain::{CaseId, DataCategory};
use haven_store::{Store, SurvivorEdit};

/// The categories a survivor's record is made of, in the order an edit reports them.
const PROFILE_WRITES: [DataCategory; 2] = [DataCategory::Identity, DataCategory::Contact];

impl<S: Store> Haven<S> {
    /// Edits the survivor record of case `id`. Fields of the categories the editor may write
    /// (identity, contact) are replaced by `profile`'s; every other field keeps its stored
    /// value. The record is sealed again under its data key and indexed again, the minor
    /// flag of the survivor's cases follows the new date of birth, and the edit lands with
    /// a timeline event and its audit entry in one transaction. Returns the categories
    /// written. An editor who may see the case but write neither category is refused
    /// (audited); one who may not see it gets not-found.
    pub async fn edit_survivor(
        &self,
        auth: &Authenticated,
        id: CaseId,
        profile: &SurvivorProfile,
    ) -> Result<Vec<DataCategory>, CoreError> {
        let access = self.authorize_case(auth, id, Action::View).await?;
        // The policy's own answer per category, as the page asks it to show the form.
        let mut writable = Vec::new();
        for c in PROFILE_WRITES {
            if self.permits(auth, id, Action::Edit(c)).await? {
                writable.push(c);
            }
        }
        if writable.is_empty() {
            let denied = self
                .deny_target(auth, AuditTarget::Case(*id.as_uuid()), Some(access.org()))
                .await;
            return Err(match denied {
                CoreError::NotFound => CoreError::Forbidden,
                other => other,
            });
        }
        let (row, key) = self.survivor_with_key(access.survivor()).await?;
        let today = self.now().date();
        let recorded = row.created_at.date();
        let profile = open_whole_row(&row, &key)?
            .estimate_dated(recorded)
            .edited(profile, &writable)
            .estimate_dated(today);
        check_dates(&profile, today)?;
        let inner = self.inner();
        let edit = SurvivorEdit {
            id: row.id,
            based_on: row.fields.pseudonym.clone(),
            fields: seal_profile(&key, row.org, row.id, &profile, inner.entropy.as_ref())?,
            coarse: coarse(&profile, today),
            index: inner.index.entries(&profile),
            minor: profile.is_minor_on(today, recorded),
            event: self.case_event(id, "profile", Some(auth.staff.id), "updated"),
        };
        let body = self.audit_body(
            auth.staff.actor(),
            Some(row.org),
            AuditAction::SurvivorUpdate,
            Some(AuditTarget::Survivor(*row.id.as_uuid())),
            &writable,
            "edit",
        )?;
        self.store()
            .update_survivor(&edit, &body)
            .await
            .map_err(CoreError::changed_meanwhile(Reason::RecordChanged))?
            .ok_or(CoreError::NotFound)?;
        Ok(writable)
    }
}
