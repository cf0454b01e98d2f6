//! Authorisation by capability. A function that reads survivor data takes a [`CaseAccess`],
//! and only the policy check here (or the explicit, audited operator path) can make one.
//! Whatever the policy denies answers `NotFound`, identical to a record that does not exist;
//! the denial itself is audited.

use crate::auth::Authenticated;
use crate::{CoreError, Haven};
use haven_domain::access::{Access, Action, Basis, Decision, DenyReason, ResourceContext, decide};
use haven_domain::audit::{Actor, AuditAction, AuditTarget, Decision as Logged};
use haven_domain::{CaseId, DataCategory, OrgId, SurvivorId, UserId};
use haven_store::Store;
use haven_store::{CaseRow, SurvivorRow};
use std::collections::{BTreeMap, BTreeSet};

/// Permission to read one survivor's record, limited to the categories the policy allowed.
#[derive(Debug, Clone)]
pub struct CaseAccess {
    survivor: SurvivorId,
    /// The case the check was made for, when it was made for one.
    case: Option<CaseId>,
    /// The case row and team the decision was made on, so a view need not read them again.
    loaded: Option<(CaseRow, Vec<UserId>)>,
    /// The survivor's row, read before the team and releases the decision was made on, so
    /// a view shows nothing written after them (an edit made as a release is revoked, say).
    record: Option<SurvivorRow>,
    org: OrgId,
    access: BTreeMap<DataCategory, Access>,
    basis: Basis,
    actor: Actor,
    /// A law-enforcement liaison of another organisation: flags that would reveal
    /// immigration status show only as "protected status".
    protected_view: bool,
}

impl CaseAccess {
    pub fn survivor(&self) -> SurvivorId {
        self.survivor
    }
    pub fn case(&self) -> Option<CaseId> {
        self.case
    }
    pub(crate) fn loaded_case(&self) -> Option<&(CaseRow, Vec<UserId>)> {
        self.loaded.as_ref()
    }
    pub(crate) fn loaded_record(&self) -> Option<&SurvivorRow> {
        self.record.as_ref()
    }
    pub fn access_map(&self) -> &BTreeMap<DataCategory, Access> {
        &self.access
    }
    pub fn org(&self) -> OrgId {
        self.org
    }
    pub fn basis(&self) -> Basis {
        self.basis
    }
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    pub fn can_read(&self, category: DataCategory) -> bool {
        self.access.contains_key(&category)
    }
    pub fn categories(&self) -> Vec<DataCategory> {
        self.access.keys().copied().collect()
    }
    pub fn protected_view(&self) -> bool {
        self.protected_view
    }
    pub fn consent(&self) -> Option<uuid::Uuid> {
        match self.basis {
            Basis::Consent(id) => Some(id),
            _ => None,
        }
    }
}

fn protected_view(auth: &Authenticated, owner: OrgId) -> bool {
    auth.staff.org != owner
        && auth
            .staff
            .roles
            .contains(&haven_domain::access::Role::LeLiaison)
}

/// The reasons an allowed read records: why the reader could open what they opened. The
/// access report shows each as the basis of an opening.
pub const BASES: [&str; 6] = [
    "case_team",
    "oversight",
    "same_organisation",
    "consent",
    "role",
    REFERRAL_BASIS,
];

/// The basis of a read by a party to an open referral: its messages, the referral itself.
pub(crate) const REFERRAL_BASIS: &str = "referral";

pub(crate) fn basis_reason(b: Basis) -> &'static str {
    match b {
        Basis::CaseTeam => "case_team",
        Basis::Oversight => "oversight",
        Basis::SameOrganisation => "same_organisation",
        Basis::Consent(_) => "consent",
        Basis::Role => "role",
    }
}

impl<S: Store> Haven<S> {
    /// The policy check for `action` on a survivor's record. A signed-in person without a
    /// second factor is not authenticated for this.
    pub async fn authorize_survivor(
        &self,
        auth: &Authenticated,
        id: SurvivorId,
        action: Action,
    ) -> Result<CaseAccess, CoreError> {
        if !auth.mfa_verified() {
            return Err(CoreError::Unauthenticated);
        }
        let staff = &auth.staff;
        let Some(row) = self.store().survivor(id).await? else {
            return Err(self.deny(auth, id, None).await);
        };
        let team: BTreeSet<uuid::Uuid> = self
            .store()
            .cases_of_survivor(id)
            .await?
            .into_iter()
            .filter(|(case, _)| case.org == row.org)
            .flat_map(|(_, team)| team.into_iter().map(|u| *u.as_uuid()))
            .collect();
        let ctx = ResourceContext {
            owning_org: row.org,
            team,
            consents: self.grants_for(id, row.org, staff.org).await?,
        };
        match decide(&staff.principal(), action, &ctx, self.now()) {
            Decision::Allow { access, basis } => Ok(CaseAccess {
                survivor: id,
                case: None,
                loaded: None,
                org: row.org,
                access,
                basis,
                actor: staff.actor(),
                protected_view: protected_view(auth, row.org),
                record: Some(row),
            }),
            Decision::Deny(DenyReason::NotPermitted) => {
                Err(match self.deny(auth, id, Some(row.org)).await {
                    CoreError::NotFound => CoreError::Forbidden,
                    other => other,
                })
            }
            Decision::Deny(DenyReason::NotVisible) => Err(self.deny(auth, id, Some(row.org)).await),
        }
    }

    /// The policy check for `action` on one case: its organisation and its own team.
    pub async fn authorize_case(
        &self,
        auth: &Authenticated,
        id: CaseId,
        action: Action,
    ) -> Result<CaseAccess, CoreError> {
        let loaded = self.store().case(id).await?;
        self.authorize_loaded(auth, id, action, loaded).await
    }

    /// The policy check for `action` on a case already read (`None`: there is no such case).
    pub(crate) async fn authorize_loaded(
        &self,
        auth: &Authenticated,
        id: CaseId,
        action: Action,
        loaded: Option<(CaseRow, Vec<UserId>)>,
    ) -> Result<CaseAccess, CoreError> {
        if !auth.mfa_verified() {
            return Err(CoreError::Unauthenticated);
        }
        let Some((case, team)) = loaded else {
            return Err(self
                .deny_target(auth, AuditTarget::Case(*id.as_uuid()), None)
                .await);
        };
        let ctx = ResourceContext {
            owning_org: case.org,
            team: team.iter().map(|u| *u.as_uuid()).collect(),
            consents: self
                .grants_for(case.survivor, case.org, auth.staff.org)
                .await?,
        };
        match decide(&auth.staff.principal(), action, &ctx, self.now()) {
            Decision::Allow { access, basis } => Ok(CaseAccess {
                survivor: case.survivor,
                case: Some(id),
                org: case.org,
                access,
                basis,
                actor: auth.staff.actor(),
                protected_view: protected_view(auth, case.org),
                loaded: Some((case, team)),
                record: None,
            }),
            Decision::Deny(reason) => {
                let err = self
                    .deny_target(auth, AuditTarget::Case(*id.as_uuid()), Some(case.org))
                    .await;
                Err(match (reason, err) {
                    (DenyReason::NotPermitted, CoreError::NotFound) => CoreError::Forbidden,
                    (_, e) => e,
                })
            }
        }
    }

    /// Whether `action` on a case would be allowed — for showing or hiding a form; the action
    /// itself is authorised (and a denial audited) when it is taken.
    pub async fn permits(
        &self,
        auth: &Authenticated,
        id: CaseId,
        action: Action,
    ) -> Result<bool, CoreError> {
        let Some((case, team)) = self.store().case(id).await? else {
            return Ok(false);
        };
        let ctx = ResourceContext {
            owning_org: case.org,
            team: team.iter().map(|u| *u.as_uuid()).collect(),
            consents: self
                .grants_for(case.survivor, case.org, auth.staff.org)
                .await?,
        };
        Ok(auth.mfa_verified()
            && decide(&auth.staff.principal(), action, &ctx, self.now()).is_allowed())
    }

    /// Whether the signed-in person may take in survivors for their organisation.
    pub fn may_intake(&self, auth: &Authenticated) -> bool {
        let ctx = ResourceContext {
            owning_org: auth.staff.org,
            team: BTreeSet::new(),
            consents: Vec::new(),
        };
        auth.mfa_verified()
            && decide(
                &auth.staff.principal(),
                Action::CreateIntake,
                &ctx,
                self.now(),
            )
            .is_allowed()
    }

    /// Audits a denial and returns the error the caller should answer with.
    async fn deny(&self, auth: &Authenticated, id: SurvivorId, org: Option<OrgId>) -> CoreError {
        self.deny_target(auth, AuditTarget::Survivor(*id.as_uuid()), org)
            .await
    }

    pub(crate) async fn deny_target(
        &self,
        auth: &Authenticated,
        target: AuditTarget,
        org: Option<OrgId>,
    ) -> CoreError {
        let mut event = self.event(auth.staff.actor(), AuditAction::AccessDenied, "policy_deny");
        event.decision = Logged::Deny;
        event.org = org;
        event.target = Some(target);
        match self.append(&event).await {
            Ok(_) => CoreError::NotFound,
            Err(e) => e,
        }
    }

    /// Full access for an operator's command (erasure, subject export, maintenance). Audited
    /// as the command, with every category.
    pub async fn operator_access(
        &self,
        command: &str,
        id: SurvivorId,
    ) -> Result<CaseAccess, CoreError> {
        let row = self
            .store()
            .survivor(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok(CaseAccess {
            survivor: id,
            case: None,
            loaded: None,
            org: row.org,
            record: Some(row),
            access: DataCategory::ALL
                .iter()
                .map(|c| (*c, Access::ReadWrite))
                .collect(),
            basis: Basis::Role,
            actor: Actor::System {
                command: command.to_owned(),
            },
            protected_view: false,
        })
    }

    /// Every category of one case of the survivor, for a subject-access export that an
    /// authorised [`Action::SubjectExport`] decision has already allowed.
    pub(crate) fn export_access(allowed: &CaseAccess, case: (CaseRow, Vec<UserId>)) -> CaseAccess {
        CaseAccess {
            survivor: allowed.survivor,
            case: Some(case.0.id),
            org: case.0.org,
            access: DataCategory::ALL
                .iter()
                .map(|c| (*c, Access::Read))
                .collect(),
            basis: allowed.basis,
            actor: allowed.actor.clone(),
            protected_view: false,
            loaded: Some(case),
            record: None,
        }
    }

    pub(crate) fn access_reason(access: &CaseAccess) -> &'static str {
        basis_reason(access.basis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_basis_the_policy_gives_is_one_the_report_names() {
        for basis in [
            Basis::CaseTeam,
            Basis::Oversight,
            Basis::SameOrganisation,
            Basis::Consent(uuid::Uuid::nil()),
            Basis::Role,
        ] {
            assert!(BASES.contains(&basis_reason(basis)), "{basis:?}");
        }
    }
}
