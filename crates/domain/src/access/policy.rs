//! The policy function: `(principal, action, resource context, now) → decision`. Pure and
//! total; deny by default. The tables encode `shared/POLICY.md`:
//!
//! - need to know: in the owning organisation, only the case team (and supervisors, for
//!   oversight, never psychotherapy) see survivor data;
//! - another organisation sees `consent.categories ∩ role.categories`, read only, and only
//!   while the consent is active (`granted_at ≤ now < expires_at`, not revoked);
//! - a law-enforcement liaison sees the consented categories except `medical` and
//!   `psychotherapy`, which this system never releases to police;
//! - admins and analysts see no survivor data through this path.
//!
//! Not yet covered (denied): break-glass access, and hotline intake rights lapsing when a
//! case is handed to a case manager (both arrive with the cases issue).

use super::Role;
use crate::{DataCategory, OrgId};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use uuid::Uuid;

/// How a category may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// A summary only (a case manager's view of medical information).
    Summary,
    Read,
    ReadWrite,
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: Uuid,
    pub org: OrgId,
    pub roles: BTreeSet<Role>,
}

/// A release of information as the policy needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentGrant {
    pub id: Uuid,
    pub recipient_org: OrgId,
    pub categories: BTreeSet<DataCategory>,
    pub granted_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

impl ConsentGrant {
    /// Active from its grant until (not including) its expiry or revocation.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.granted_at <= now && now < self.expires_at && self.revoked_at.is_none_or(|r| now < r)
    }
}

/// The record the action is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceContext {
    pub owning_org: OrgId,
    /// Users on the case team.
    pub team: BTreeSet<Uuid>,
    pub consents: Vec<ConsentGrant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Open the record: the categories the decision permits.
    View,
    /// Change data of one category.
    Edit(DataCategory),
    /// See in search results that the record exists (pseudonym, case manager).
    SearchHit,
    CreateIntake,
    CloseOrReopen,
    ManageTeam,
    RecordConsent,
    RevokeConsent,
    Refer,
    AccessReport,
    SubjectExport,
    RequestErasure,
    ConfirmErasure,
    ManageUsers,
}

/// Why access was given, recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    CaseTeam,
    Oversight,
    SameOrganisation,
    Consent(Uuid),
    Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// No relationship to the record at all: answer as if it did not exist.
    NotVisible,
    /// The record is visible to the actor but this action is not theirs.
    NotPermitted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow {
        access: BTreeMap<DataCategory, Access>,
        basis: Basis,
    },
    Deny(DenyReason),
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }
}

use Access::{Read as R, ReadWrite as RW, Summary as S};
use DataCategory as C;

/// The case-team table of `POLICY.md`, in its column order.
const COLUMNS: [DataCategory; 10] = [
    C::Case,
    C::Identity,
    C::Contact,
    C::Location,
    C::Immigration,
    C::Medical,
    C::Psychotherapy,
    C::Legal,
    C::Narrative,
    C::Safety,
];

fn team_row(role: Role) -> [Option<Access>; 10] {
    let n = None;
    match role {
        Role::CaseManager => [
            Some(RW),
            Some(RW),
            Some(RW),
            Some(RW),
            Some(RW),
            Some(S),
            n,
            Some(R),
            Some(RW),
            Some(RW),
        ],
        Role::Clinician => [
            Some(R),
            Some(R),
            Some(R),
            n,
            n,
            Some(RW),
            Some(RW),
            n,
            Some(R),
            Some(RW),
        ],
        Role::LegalAdvocate => [
            Some(R),
            Some(RW),
            Some(R),
            n,
            Some(RW),
            n,
            n,
            Some(RW),
            Some(RW),
            Some(R),
        ],
        Role::ShelterCoordinator => [
            Some(R),
            Some(R),
            Some(RW),
            Some(RW),
            n,
            n,
            n,
            n,
            n,
            Some(RW),
        ],
        Role::HotlineAdvocate => [
            Some(RW),
            Some(RW),
            Some(RW),
            n,
            n,
            n,
            n,
            n,
            Some(RW),
            Some(RW),
        ],
        Role::OutreachWorker => [Some(R), n, n, n, n, n, n, n, n, Some(R)],
        Role::Admin | Role::Supervisor | Role::LeLiaison | Role::Analyst => [n; 10],
    }
}

fn merge(into: &mut BTreeMap<DataCategory, Access>, category: DataCategory, access: Access) {
    let slot = into.entry(category).or_insert(access);
    *slot = (*slot).max(access);
}

/// What the principal may see of the record, and on what basis; `None` if nothing.
fn view(
    p: &Principal,
    ctx: &ResourceContext,
    now: OffsetDateTime,
) -> Option<(BTreeMap<DataCategory, Access>, Basis)> {
    let mut access = BTreeMap::new();
    if p.org == ctx.owning_org {
        if ctx.team.contains(&p.user) {
            for role in &p.roles {
                for (category, a) in COLUMNS.iter().zip(team_row(*role)) {
                    if let Some(a) = a {
                        merge(&mut access, *category, a);
                    }
                }
            }
        }
        let basis = if access.is_empty() {
            Basis::Oversight
        } else {
            Basis::CaseTeam
        };
        if p.roles.contains(&Role::Supervisor) {
            for category in COLUMNS.iter().filter(|c| **c != C::Psychotherapy) {
                merge(&mut access, *category, R);
            }
        }
        return (!access.is_empty()).then_some((access, basis));
    }
    let active: Vec<&ConsentGrant> = ctx
        .consents
        .iter()
        .filter(|c| c.recipient_org == p.org && c.is_active(now))
        .collect();
    let first = active.first()?;
    let granted: BTreeSet<DataCategory> = active
        .iter()
        .flat_map(|c| c.categories.iter().copied())
        .collect();
    if p.roles.contains(&Role::LeLiaison) {
        for category in granted
            .iter()
            .filter(|c| !matches!(c, C::Medical | C::Psychotherapy))
        {
            merge(&mut access, *category, R);
        }
    }
    for role in &p.roles {
        for (category, a) in COLUMNS.iter().zip(team_row(*role)) {
            if let (Some(a), true) = (a, granted.contains(category)) {
                merge(&mut access, *category, a.min(R));
            }
        }
    }
    (!access.is_empty()).then_some((access, Basis::Consent(first.id)))
}

/// The decision for one request. Time is a parameter: consent is checked at `now`.
pub fn decide(
    p: &Principal,
    action: Action,
    ctx: &ResourceContext,
    now: OffsetDateTime,
) -> Decision {
    let seen = view(p, ctx, now);
    let own = p.org == ctx.owning_org;
    let on_team = own && ctx.team.contains(&p.user);
    let has = |r: Role| p.roles.contains(&r);
    let role_allows = match action {
        Action::View => {
            return match seen {
                Some((access, basis)) => Decision::Allow { access, basis },
                None => Decision::Deny(DenyReason::NotVisible),
            };
        }
        Action::SearchHit => {
            return match seen {
                Some((_, basis)) => Decision::Allow {
                    access: BTreeMap::new(),
                    basis,
                },
                None if own => Decision::Allow {
                    access: BTreeMap::new(),
                    basis: Basis::SameOrganisation,
                },
                None => Decision::Deny(DenyReason::NotVisible),
            };
        }
        Action::Edit(category) => {
            own && seen
                .as_ref()
                .is_some_and(|(a, _)| a.get(&category) == Some(&RW))
        }
        Action::CreateIntake => {
            own && (has(Role::CaseManager) || has(Role::HotlineAdvocate) || has(Role::Supervisor))
        }
        Action::CloseOrReopen | Action::ManageTeam | Action::AccessReport => {
            own && ((on_team && has(Role::CaseManager)) || has(Role::Supervisor))
        }
        Action::RecordConsent => on_team && (has(Role::CaseManager) || has(Role::LegalAdvocate)),
        Action::RevokeConsent => on_team,
        Action::Refer => on_team && has(Role::CaseManager),
        Action::SubjectExport | Action::RequestErasure => own && has(Role::Supervisor),
        Action::ConfirmErasure | Action::ManageUsers => own && has(Role::Admin),
    };
    if role_allows {
        let basis = match (on_team, action) {
            (true, _) => Basis::CaseTeam,
            (false, Action::CreateIntake | Action::ConfirmErasure | Action::ManageUsers) => {
                Basis::Role
            }
            _ => Basis::Oversight,
        };
        return Decision::Allow {
            access: seen.map(|(a, _)| a).unwrap_or_default(),
            basis,
        };
    }
    // Only someone who may see the record learns that the action is not theirs; for anyone
    // else it does not exist.
    Decision::Deny(if seen.is_some() {
        DenyReason::NotPermitted
    } else {
        DenyReason::NotVisible
    })
}

/// Whether granted access lets one read free-text notes of a data category: a summary-only
/// grant (a case manager's view of medical information) does not extend to clinical notes.
pub fn may_read_notes(access: &BTreeMap<DataCategory, Access>, category: DataCategory) -> bool {
    matches!(
        access.get(&category),
        Some(Access::Read | Access::ReadWrite)
    )
}
