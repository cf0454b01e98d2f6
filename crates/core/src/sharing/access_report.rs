//! The survivor's access report: for one survivor, who opened their record — which
//! organisation, which member of staff, when, what, and under which release — read from the
//! tamper-evident audit log, for the survivor who asks to see it. The log's entries about
//! them are found through its index of targets (`crate::audit_index`).

use crate::access::BASES;
use crate::auth::Authenticated;
use crate::{CoreError, Haven};
use haven_domain::access::Action;
use haven_domain::audit::{Actor, AuditAction, AuditEvent, AuditTarget, Decision};
use haven_domain::{CaseId, DataCategory, OrgId, UserId};
use haven_store::Store;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessReportLine {
    pub at: OffsetDateTime,
    /// The organisation of the person (or `None` for an operator's command).
    pub org: Option<OrgId>,
    pub org_name: String,
    pub user: Option<UserId>,
    pub user_name: String,
    /// What was opened: `case`, `record`, `notes`, `messages`, `referral`, `consents`, …
    pub what: &'static str,
    pub categories: Vec<DataCategory>,
    pub consent: Option<Uuid>,
    /// Why they could open it: one of [`BASES`], or [`UNRECORDED`].
    pub basis: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessReport {
    pub pseudonym: String,
    pub generated_at: OffsetDateTime,
    pub lines: Vec<AccessReportLine>,
}

/// The basis of an entry written before its kind recorded one.
pub const UNRECORDED: &str = "unrecorded";

/// What a line of the report can say was opened.
pub const OPENINGS: [&str; 9] = [
    "case",
    "record",
    "notes",
    "consents",
    "consent_scan",
    "messages",
    "referral",
    "access_report",
    "subject_export",
];

/// What an entry opened, one of [`OPENINGS`]; `None` for an entry that opened nothing.
fn what(action: AuditAction, reason: &str) -> Option<&'static str> {
    Some(match (action, reason) {
        (AuditAction::NoteList, _) => "notes",
        (AuditAction::ConsentList, _) => "consents",
        (AuditAction::ConsentScanView, _) => "consent_scan",
        // Entries written before these had actions of their own name them in their reason.
        (AuditAction::CaseView, "notes") => "notes",
        (AuditAction::CaseView, "consents") => "consents",
        (AuditAction::CaseView, "consent_scan") => "consent_scan",
        (AuditAction::CaseView, _) => "case",
        (AuditAction::SurvivorView, _) => "record",
        (AuditAction::MessageList, _) => "messages",
        (AuditAction::ReferralView, _) => "referral",
        (AuditAction::AccessReport, _) => "access_report",
        (AuditAction::SubjectExport, _) => "subject_export",
        _ => return None,
    })
}

/// The basis an entry's reason records, one of [`BASES`], or [`UNRECORDED`] for an entry
/// whose reason named what it opened instead.
fn basis_of(reason: &str) -> &'static str {
    BASES
        .iter()
        .find(|b| **b == reason)
        .copied()
        .unwrap_or(UNRECORDED)
}

impl<S: Store> Haven<S> {
    /// The report for the survivor of `case`. The case manager on the team or a supervisor
    /// may produce it; producing it is itself audited (and shows in the next report).
    pub async fn access_report(
        &self,
        auth: &Authenticated,
        case: CaseId,
    ) -> Result<AccessReport, CoreError> {
        let access = self
            .authorize_case(auth, case, Action::AccessReport)
            .await?;
        let survivor = access.survivor();
        let cases: BTreeSet<Uuid> = self
            .store()
            .cases_of_survivor(survivor)
            .await?
            .iter()
            .map(|(c, _)| *c.id.as_uuid())
            .collect();
        let mut referrals = BTreeSet::new();
        for c in &cases {
            for r in self
                .store()
                .referrals_of_case(CaseId::from_uuid(*c))
                .await?
            {
                referrals.insert(*r.id.as_uuid());
            }
        }
        let about = |t: &Option<AuditTarget>| match t {
            Some(AuditTarget::Survivor(id)) => id == survivor.as_uuid(),
            Some(AuditTarget::Case(id)) => cases.contains(id),
            Some(AuditTarget::Referral(id)) => referrals.contains(id),
            _ => false,
        };
        // The entries about the survivor, their cases and their referrals, found through the
        // index of targets rather than by reading the whole log; each is still decoded and
        // checked here, so the index can only ever have left one out (`audit verify`).
        let targets: Vec<Uuid> = std::iter::once(*survivor.as_uuid())
            .chain(cases.iter().copied())
            .chain(referrals.iter().copied())
            .collect();
        let events: Vec<AuditEvent> = self
            .audit_entries_about(&targets)
            .await?
            .iter()
            .filter_map(|record| AuditEvent::from_canonical_bytes(&record.body).ok())
            .filter(|e| {
                e.decision == Decision::Allow
                    && about(&e.target)
                    && what(e.action, &e.reason).is_some()
            })
            .collect();
        let mut users: BTreeMap<Uuid, (Option<OrgId>, String)> = BTreeMap::new();
        let mut orgs: BTreeMap<OrgId, String> = BTreeMap::new();
        let mut lines = Vec::new();
        for e in events {
            let (user, org, user_name) = match &e.actor {
                Actor::Staff { user, .. } => {
                    if !users.contains_key(user) {
                        let row = self.store().user(UserId::from_uuid(*user)).await?;
                        users.insert(
                            *user,
                            row.map(|u| (Some(u.org), u.display_name))
                                .unwrap_or((None, String::new())),
                        );
                    }
                    let (org, name) = users.get(user).cloned().unwrap_or((None, String::new()));
                    (Some(UserId::from_uuid(*user)), org, name)
                }
                Actor::System { command } => (None, None, format!("operator: {command}")),
                Actor::Anonymous => (None, None, String::new()),
            };
            let org_name = match org {
                Some(o) => match orgs.get(&o) {
                    Some(name) => name.clone(),
                    None => {
                        let name = self
                            .store()
                            .org(o)
                            .await?
                            .map(|r| r.name)
                            .unwrap_or_default();
                        orgs.insert(o, name.clone());
                        name
                    }
                },
                None => String::new(),
            };
            lines.push(AccessReportLine {
                at: e.at,
                org,
                org_name,
                user,
                user_name,
                what: what(e.action, &e.reason).unwrap_or("record"),
                categories: e.categories,
                consent: e.consent,
                basis: basis_of(&e.reason),
            });
        }
        let (row, key) = self.survivor_with_key(survivor).await?;
        let pseudonym = crate::survivors::open_pseudonym_row(&row, &key)?;
        let mut event = self.event(
            auth.staff.actor(),
            AuditAction::AccessReport,
            Self::access_reason(&access),
        );
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Survivor(*survivor.as_uuid()));
        event.categories = vec![DataCategory::Case];
        self.append(&event).await?;
        Ok(AccessReport {
            pseudonym,
            generated_at: self.now(),
            lines,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reading_action_names_one_of_the_openings() {
        for action in [
            AuditAction::CaseView,
            AuditAction::NoteList,
            AuditAction::ConsentList,
            AuditAction::ConsentScanView,
            AuditAction::SurvivorView,
            AuditAction::MessageList,
            AuditAction::ReferralView,
            AuditAction::AccessReport,
            AuditAction::SubjectExport,
        ] {
            for reason in ["case_team", "notes", "consents", "consent_scan"] {
                let opened = what(action, reason).expect("a reading action");
                assert!(OPENINGS.contains(&opened), "{opened}");
            }
        }
        assert_eq!(what(AuditAction::CaseView, "notes"), Some("notes"));
        assert_eq!(what(AuditAction::NoteCreate, "case_team"), None);
    }

    #[test]
    fn an_entry_names_its_basis_or_says_none_was_recorded() {
        assert_eq!(basis_of("consent"), "consent");
        assert_eq!(basis_of("referral"), "referral");
        assert_eq!(basis_of("notes"), UNRECORDED, "an older entry's reason");
    }
}
