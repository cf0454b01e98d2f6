//! Cases: intake, the status lifecycle, notes by sensitivity, the case plan's tasks, the
//! timeline, the dashboard and search. Every read goes through a [`CaseAccess`] and is
//! audited once; every write is authorised by the policy and lands with its timeline event
//! and audit entry in one transaction.

mod board;
mod coming_of_age;
mod goals;
mod notes;
mod profile;
mod search;
mod tasks;
mod view;

pub use board::{CaseList, CaseSummary, Dashboard, DueTask};
pub use coming_of_age::MinorReview;
pub use goals::GoalView;
pub(crate) use goals::context as goal_context;
pub use notes::NoteView;
pub(crate) use notes::context as note_context;
pub use search::{SearchHit, SearchResults, matched_fields};
pub use tasks::TaskView;
pub(crate) use tasks::context as task_context;
pub use view::{CaseView, History};

use crate::access::CaseAccess;
use crate::auth::Authenticated;
use crate::problem::Reason;
use crate::{CoreError, Haven};
use haven_domain::access::{Access, Action, ResourceContext, decide};
use haven_domain::audit::{Actor, AuditAction, AuditTarget};
use haven_domain::case::{CaseStatus, ExploitationType, NoteCategory, TraffickingType};
use haven_domain::survivor::SurvivorProfile;
use haven_domain::{CaseId, DataCategory, OrgId, SurvivorId, UserId};
use haven_store::{CaseChange, CaseEvent, CaseRow, IntakeRecord, Store};

/// What intake records about the case itself (no personal data).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCase {
    pub exploitation: Option<ExploitationType>,
    pub trafficking_types: Vec<TraffickingType>,
    pub safety_risk: bool,
    pub immigration_sensitive: bool,
}

impl<S: Store> Haven<S> {
    pub(crate) fn case_event(
        &self,
        case: CaseId,
        kind: &str,
        actor: Option<UserId>,
        detail: &str,
    ) -> CaseEvent {
        CaseEvent {
            case,
            at: self.now(),
            kind: kind.into(),
            actor,
            detail: detail.into(),
        }
    }

    /// Intake by a member of staff: a survivor and a case owned by their organisation, with
    /// them on the team. Case managers, hotline advocates and supervisors may.
    pub async fn intake(
        &self,
        auth: &Authenticated,
        profile: &SurvivorProfile,
        case: &NewCase,
    ) -> Result<(SurvivorId, CaseId), CoreError> {
        let staff = &auth.staff;
        if !auth.mfa_verified() {
            return Err(CoreError::Unauthenticated);
        }
        let ctx = ResourceContext {
            owning_org: staff.org,
            team: Default::default(),
            consents: Vec::new(),
        };
        if !decide(&staff.principal(), Action::CreateIntake, &ctx, self.now()).is_allowed() {
            return Err(CoreError::Forbidden);
        }
        // The survivor and the case land in one transaction: a lost connection leaves
        // neither, never a survivor without a case.
        let (survivor, survivor_audit) = self
            .prepare_survivor(staff.actor(), staff.org, profile)
            .await?;
        let today = self.now().date();
        let minor = profile.is_minor_on(today, today);
        let (case, event, case_audit) = self.prepare_case(
            staff.actor(),
            Some(staff.id),
            survivor.id,
            staff.org,
            case,
            minor,
        )?;
        let ids = (survivor.id, case.id);
        let record = IntakeRecord {
            survivor,
            survivor_audit,
            case,
            team: vec![staff.id],
            event,
            case_audit,
        };
        self.store()
            .insert_intakes(std::slice::from_ref(&record))
            .await?;
        Ok(ids)
    }

    /// Opens a case for an existing survivor the caller may see, owned by the caller's
    /// organisation, with the caller on its team.
    pub async fn create_case_for(
        &self,
        auth: &Authenticated,
        survivor: SurvivorId,
        case: &NewCase,
    ) -> Result<CaseId, CoreError> {
        let access = self
            .authorize_survivor(auth, survivor, Action::View)
            .await?;
        let staff = &auth.staff;
        let ctx = ResourceContext {
            owning_org: staff.org,
            team: Default::default(),
            consents: Vec::new(),
        };
        if !decide(&staff.principal(), Action::CreateIntake, &ctx, self.now()).is_allowed() {
            return Err(CoreError::Forbidden);
        }
        let record = self.read_survivor(&access).await?;
        let minor = record
            .profile
            .is_minor_on(self.now().date(), record.created_at.date());
        let (row, event, body) = self.prepare_case(
            staff.actor(),
            Some(staff.id),
            survivor,
            staff.org,
            case,
            minor,
        )?;
        // Opened only while the record is with the organisation it was read from: a case
        // opened for a record that has just been transferred would stay behind with its
        // old owner.
        self.store()
            .insert_case(&row, access.org(), &[staff.id], &event, &body)
            .await
            .map_err(CoreError::changed_meanwhile(Reason::RecordChanged))?;
        Ok(row.id)
    }

    fn prepare_case(
        &self,
        actor: Actor,
        by: Option<UserId>,
        survivor: SurvivorId,
        org: OrgId,
        new: &NewCase,
        minor: bool,
    ) -> Result<(CaseRow, CaseEvent, Vec<u8>), CoreError> {
        let id = CaseId::from_random_bytes(haven_crypto::entropy::random_array(
            self.inner().entropy.as_ref(),
        ));
        let (exploitation, trafficking_types) = classification(new);
        let row = CaseRow {
            exploitation,
            trafficking_types,
            minor,
            safety_risk: new.safety_risk,
            immigration_sensitive: new.immigration_sensitive,
            ..CaseRow::opened(id, survivor, org, self.now())
        };
        let mut event = self.event(actor, AuditAction::CaseCreate, "case_open");
        event.org = Some(org);
        event.target = Some(AuditTarget::Case(*id.as_uuid()));
        let opened = self.case_event(id, "opened", by, if minor { "minor" } else { "intake" });
        Ok((row, opened, self.encode(&event)?))
    }

    /// Bulk intake by an operator (demo data, migrations from another system): survivors and
    /// their first cases written in one transaction per call, all or nothing.
    pub async fn intake_batch(
        &self,
        actor: Actor,
        items: &[(OrgId, SurvivorProfile, NewCase, Vec<UserId>)],
    ) -> Result<Vec<(SurvivorId, CaseId)>, CoreError> {
        let today = self.now().date();
        let mut batch = Vec::with_capacity(items.len());
        for (org, profile, new, team) in items {
            let (survivor, survivor_audit) =
                self.prepare_survivor(actor.clone(), *org, profile).await?;
            let minor = profile.is_minor_on(today, today);
            let (case, event, case_audit) =
                self.prepare_case(actor.clone(), None, survivor.id, *org, new, minor)?;
            batch.push(IntakeRecord {
                survivor,
                survivor_audit,
                case,
                team: team.clone(),
                event,
                case_audit,
            });
        }
        self.store().insert_intakes(&batch).await?;
        Ok(batch.iter().map(|r| (r.survivor.id, r.case.id)).collect())
    }

    /// Moves a case along its lifecycle. Reopening needs a reason, which is kept as a
    /// general note (it may hold personal data, so it is encrypted like one).
    pub async fn change_status(
        &self,
        auth: &Authenticated,
        id: CaseId,
        to: CaseStatus,
        reason: Option<&str>,
    ) -> Result<(), CoreError> {
        let access = self.authorize_case(auth, id, Action::CloseOrReopen).await?;
        let (row, _) = self.store().case(id).await?.ok_or(CoreError::NotFound)?;
        let from: CaseStatus = row
            .status
            .parse()
            .map_err(|_| CoreError::Store(haven_store::StoreError::Corrupt("case status")))?;
        let next = from
            .transition(to, reason)
            .map_err(|e| CoreError::invalid("status", &e))?;
        // A reopening's reason is kept as a note, written with the step or not at all.
        let reason_note = match (from, reason) {
            (CaseStatus::Closed, Some(r)) => {
                let note = format!("Reopened: {}", r.trim());
                let text = notes::note_text(&note, "reason")?;
                let sealed = self
                    .seal_note(&access, auth, NoteCategory::General, text)
                    .await?;
                Some(Box::new(sealed))
            }
            _ => None,
        };
        let mut event = self.event(auth.staff.actor(), AuditAction::CaseStatus, next.as_str());
        event.org = Some(row.org);
        event.target = Some(AuditTarget::Case(*id.as_uuid()));
        let moved = self.case_event(id, "status", Some(auth.staff.id), next.as_str());
        let change = CaseChange::Status {
            from: from.as_str().into(),
            to: next.as_str().into(),
            reason: reason_note,
        };
        // Moved from where this person saw it, with its reason, or not at all.
        self.store()
            .update_case(id, access.org(), &change, &moved, &self.encode(&event)?)
            .await
            .map_err(CoreError::changed_meanwhile(Reason::CaseChanged))?;
        Ok(())
    }

    /// Adds a colleague of the owning organisation to the team (case managers on the team,
    /// supervisors).
    pub async fn add_team_member(
        &self,
        auth: &Authenticated,
        id: CaseId,
        member: UserId,
    ) -> Result<(), CoreError> {
        let access = self.authorize_case(auth, id, Action::ManageTeam).await?;
        let user = self
            .store()
            .user(member)
            .await?
            .ok_or(CoreError::NotFound)?;
        if user.org != access.org() || user.disabled_at.is_some() {
            return Err(CoreError::invalid("user_id", Reason::TeamNotColleague));
        }
        let mut event = self.event(auth.staff.actor(), AuditAction::TeamChange, "team_add");
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Case(*id.as_uuid()));
        let joined = self.case_event(id, "team", Some(auth.staff.id), "added");
        self.store()
            .add_team_member(id, access.org(), member, &joined, &self.encode(&event)?)
            .await
            .map_err(CoreError::changed_meanwhile(Reason::CaseChanged))?;
        Ok(())
    }

    /// Takes a member off a case team (the case manager on the team, or a supervisor). The
    /// team always keeps a case manager: removing the last one is refused.
    pub async fn remove_team_member(
        &self,
        auth: &Authenticated,
        id: CaseId,
        member: UserId,
    ) -> Result<(), CoreError> {
        let access = self.authorize_case(auth, id, Action::ManageTeam).await?;
        let team = access
            .loaded_case()
            .map(|(_, team)| team.clone())
            .unwrap_or_default();
        if !team.contains(&member) {
            return Err(CoreError::invalid("user_id", Reason::NotOnTeam));
        }
        let mut managers_left = 0;
        for other in team.iter().filter(|u| **u != member) {
            if let Some(row) = self.store().user(*other).await?
                && row.disabled_at.is_none()
                && row
                    .roles
                    .iter()
                    .any(|r| r == haven_domain::access::Role::CaseManager.as_str())
            {
                managers_left += 1;
            }
        }
        if managers_left == 0 {
            return Err(CoreError::invalid("user_id", Reason::TeamNeedsCaseManager));
        }
        let mut event = self.event(auth.staff.actor(), AuditAction::TeamChange, "team_remove");
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Case(*id.as_uuid()));
        let left = self.case_event(id, "team", Some(auth.staff.id), "removed");
        if self
            .store()
            .remove_team_member(id, access.org(), member, &left, &self.encode(&event)?)
            .await
            .map_err(CoreError::changed_meanwhile(Reason::CaseChanged))?
        {
            Ok(())
        } else {
            Err(CoreError::Conflict(Reason::TeamChanged.into()))
        }
    }

    /// Adds a colleague by email (the pages' form).
    pub async fn add_team_member_by_email(
        &self,
        auth: &Authenticated,
        id: CaseId,
        email: &str,
    ) -> Result<(), CoreError> {
        self.authorize_case(auth, id, Action::ManageTeam).await?;
        let invalid = || CoreError::invalid("email", Reason::NoSuchColleague);
        let email = haven_domain::staff::Email::parse(email).map_err(|_| invalid())?;
        let user = self
            .store()
            .user_by_email(email.as_str())
            .await?
            .ok_or_else(invalid)?;
        self.add_team_member(auth, id, user.id)
            .await
            .map_err(|e| match e {
                CoreError::InvalidInput { .. } => invalid(),
                other => other,
            })
    }

    /// Classifies the case again as what is learnt changes it: exploitation type, trafficking
    /// types, safety risk and immigration-sensitive flags (the minor flag follows the date
    /// of birth). Those who may edit the case (case managers on the team, supervisors) may.
    /// Each part changes only if the editor's role reaches its category — the types need
    /// write access to the narrative, a flag needs sight of its category (safety,
    /// immigration) — and is kept as stored otherwise, so nobody clears what they cannot
    /// see. The change lands with a timeline event and its audit entry. Returns the
    /// categories written.
    pub async fn classify_case(
        &self,
        auth: &Authenticated,
        id: CaseId,
        new: &NewCase,
    ) -> Result<Vec<DataCategory>, CoreError> {
        let access = self
            .authorize_case(auth, id, Action::Edit(DataCategory::Case))
            .await?;
        let (row, _) = access.loaded_case().ok_or(CoreError::NotFound)?;
        let narrative =
            access.access_map().get(&DataCategory::Narrative) == Some(&Access::ReadWrite);
        let safety = access.can_read(DataCategory::Safety);
        let immigration = access.can_read(DataCategory::Immigration) && !access.protected_view();
        let change = CaseChange::Classification {
            exploitation: narrative.then(|| classification(new)),
            safety_risk: safety.then_some(new.safety_risk),
            immigration_sensitive: immigration.then_some(new.immigration_sensitive),
        };
        let written: Vec<DataCategory> = [
            (narrative, DataCategory::Narrative),
            (safety, DataCategory::Safety),
            (immigration, DataCategory::Immigration),
        ]
        .into_iter()
        .filter_map(|(writes, category)| writes.then_some(category))
        .collect();
        let mut event = self.event(
            auth.staff.actor(),
            AuditAction::CaseStatus,
            "classification",
        );
        event.org = Some(row.org);
        event.target = Some(AuditTarget::Case(*id.as_uuid()));
        event.categories = written.clone();
        let detail: Vec<&str> = written.iter().map(|c| c.as_str()).collect();
        self.store()
            .update_case(
                id,
                access.org(),
                &change,
                &self.case_event(id, "classification", Some(auth.staff.id), &detail.join(",")),
                &self.encode(&event)?,
            )
            .await
            .map_err(CoreError::changed_meanwhile(Reason::CaseChanged))?;
        Ok(written)
    }
}

/// A case's exploitation type and trafficking-type numbers as stored: `unknown` when not
/// given, numbers sorted without repeats.
fn classification(new: &NewCase) -> (String, Vec<u8>) {
    let mut types: Vec<u8> = new.trafficking_types.iter().map(|t| t.number()).collect();
    types.sort_unstable();
    types.dedup();
    let exploitation = new.exploitation.unwrap_or_default();
    (exploitation.as_str().into(), types)
}

pub(crate) fn require_case(access: &CaseAccess) -> Result<CaseId, CoreError> {
    access.case().ok_or(CoreError::NotFound)
}
