//! The access matrix: every role × every action × every relationship, against expectations
//! written out by hand from `shared/POLICY.md` — not computed from the policy's own tables.

#![allow(clippy::panic, clippy::unwrap_used)]

use haven_domain::DataCategory;
use haven_domain::OrgId;
use haven_domain::access::{
    Access, Action, ConsentGrant, Decision, DenyReason, Principal, ResourceContext, Role, decide,
};
use std::collections::{BTreeMap, BTreeSet};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const RELATIONSHIPS: [&str; 6] = [
    "team",
    "same_org",
    "consent",
    "no_consent",
    "expired",
    "revoked",
];
const NOW: OffsetDateTime = datetime!(2026-11-28 12:00 UTC);

/// Categories each role sees when opening the record, by relationship. `-` is nothing (404).
const VIEW: &str = "
case_manager        team      case:rw identity:rw contact:rw location:rw immigration:rw medical:s legal:r narrative:rw safety:rw
case_manager        consent   case:r identity:r contact:r location:r medical:s
clinician           team      case:r identity:r contact:r medical:rw psychotherapy:rw narrative:r safety:rw
clinician           consent   case:r identity:r contact:r medical:r psychotherapy:r
legal_advocate      team      case:r identity:rw contact:r immigration:rw legal:rw narrative:rw safety:r
legal_advocate      consent   case:r identity:r contact:r
shelter_coordinator team      case:r identity:r contact:rw location:rw safety:rw
shelter_coordinator consent   case:r identity:r contact:r location:r
hotline_advocate    team      case:rw identity:rw contact:rw narrative:rw safety:rw
hotline_advocate    consent   case:r identity:r contact:r
outreach_worker     team      case:r safety:r
outreach_worker     consent   case:r
supervisor          team      case:r identity:r contact:r location:r immigration:r medical:r legal:r narrative:r safety:r
supervisor          same_org  case:r identity:r contact:r location:r immigration:r medical:r legal:r narrative:r safety:r
le_liaison          consent   case:r identity:r contact:r location:r
";

/// Who may take each other action. Every pair not listed is denied.
const ACTIONS: &str = "
edit_identity    case_manager@team legal_advocate@team hotline_advocate@team
edit_medical     clinician@team
create_intake    case_manager@team case_manager@same_org hotline_advocate@team hotline_advocate@same_org supervisor@team supervisor@same_org
close_or_reopen  case_manager@team supervisor@team supervisor@same_org
manage_team      case_manager@team supervisor@team supervisor@same_org
access_report    case_manager@team supervisor@team supervisor@same_org
record_consent   case_manager@team legal_advocate@team
revoke_consent   *@team
refer            case_manager@team
subject_export   supervisor@team supervisor@same_org
request_erasure  supervisor@team supervisor@same_org
confirm_erasure  admin@team admin@same_org
manage_users     admin@team admin@same_org
search_hit       *@team *@same_org case_manager@consent clinician@consent legal_advocate@consent shelter_coordinator@consent hotline_advocate@consent outreach_worker@consent le_liaison@consent
";

fn action(name: &str) -> Action {
    match name {
        "edit_identity" => Action::Edit(DataCategory::Identity),
        "edit_medical" => Action::Edit(DataCategory::Medical),
        "create_intake" => Action::CreateIntake,
        "close_or_reopen" => Action::CloseOrReopen,
        "manage_team" => Action::ManageTeam,
        "access_report" => Action::AccessReport,
        "record_consent" => Action::RecordConsent,
        "revoke_consent" => Action::RevokeConsent,
        "refer" => Action::Refer,
        "subject_export" => Action::SubjectExport,
        "request_erasure" => Action::RequestErasure,
        "confirm_erasure" => Action::ConfirmErasure,
        "manage_users" => Action::ManageUsers,
        "search_hit" => Action::SearchHit,
        other => panic!("unknown action {other}"),
    }
}

fn access(text: &str) -> Access {
    match text {
        "rw" => Access::ReadWrite,
        "r" => Access::Read,
        "s" => Access::Summary,
        other => panic!("unknown access {other}"),
    }
}

/// The principal and record for one role in one relationship.
fn scene(role: Role, relationship: &str) -> (Principal, ResourceContext) {
    let owning = OrgId::from_random_bytes([1; 16]);
    let other = OrgId::from_random_bytes([2; 16]);
    let user = Uuid::from_bytes([9; 16]);
    let own = matches!(relationship, "team" | "same_org");
    let principal = Principal {
        user,
        org: if own { owning } else { other },
        roles: BTreeSet::from([role]),
    };
    let consent = |expires_at, revoked_at| ConsentGrant {
        id: Uuid::from_bytes([7; 16]),
        recipient_org: other,
        categories: BTreeSet::from([
            DataCategory::Case,
            DataCategory::Identity,
            DataCategory::Contact,
            DataCategory::Location,
            DataCategory::Medical,
            DataCategory::Psychotherapy,
        ]),
        granted_at: NOW - Duration::days(30),
        expires_at,
        revoked_at,
    };
    let consents = match relationship {
        "consent" => vec![consent(NOW + Duration::days(30), None)],
        "expired" => vec![consent(NOW - Duration::seconds(1), None)],
        "revoked" => vec![consent(
            NOW + Duration::days(30),
            Some(NOW - Duration::seconds(1)),
        )],
        _ => Vec::new(),
    };
    let team = if relationship == "team" {
        BTreeSet::from([user])
    } else {
        BTreeSet::new()
    };
    (
        principal,
        ResourceContext {
            owning_org: owning,
            team,
            consents,
        },
    )
}

#[test]
fn every_role_sees_exactly_the_policy_categories_in_every_relationship() {
    let mut expected: BTreeMap<(String, String), BTreeMap<DataCategory, Access>> = BTreeMap::new();
    for line in VIEW.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.split_whitespace();
        let (role, rel) = (parts.next().unwrap(), parts.next().unwrap());
        let cats = parts
            .map(|p| {
                let (c, a) = p.split_once(':').unwrap();
                (c.parse::<DataCategory>().unwrap(), access(a))
            })
            .collect();
        expected.insert((role.into(), rel.into()), cats);
    }
    let mut checked = 0;
    for role in Role::ALL {
        for rel in RELATIONSHIPS {
            let (p, ctx) = scene(*role, rel);
            let got = decide(&p, Action::View, &ctx, NOW);
            match expected.get(&(role.as_str().to_owned(), rel.to_owned())) {
                Some(cats) => match got {
                    Decision::Allow { access, .. } => assert_eq!(&access, cats, "{role} {rel}"),
                    Decision::Deny(r) => panic!("{role} {rel}: expected {cats:?}, denied {r:?}"),
                },
                None => assert_eq!(
                    got,
                    Decision::Deny(DenyReason::NotVisible),
                    "{role} {rel} must be 404"
                ),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 60);
}

#[test]
fn every_role_may_take_exactly_the_policy_actions_in_every_relationship() {
    let mut checked = 0;
    for line in ACTIONS.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.split_whitespace();
        let name = parts.next().unwrap();
        let allowed: Vec<(&str, &str)> = parts.map(|p| p.split_once('@').unwrap()).collect();
        for role in Role::ALL {
            for rel in RELATIONSHIPS {
                let (p, ctx) = scene(*role, rel);
                let expect = allowed
                    .iter()
                    .any(|(r, l)| (*r == "*" || *r == role.as_str()) && *l == rel);
                let got = decide(&p, action(name), &ctx, NOW);
                assert_eq!(got.is_allowed(), expect, "{name}: {role} {rel} → {got:?}");
                if !expect && matches!(rel, "no_consent" | "expired" | "revoked") {
                    assert_eq!(
                        got,
                        Decision::Deny(DenyReason::NotVisible),
                        "{name}: {role} {rel} must be 404"
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 14 * 60);
}

#[test]
fn consent_stops_granting_at_its_expiry_and_at_revocation() {
    let (p, mut ctx) = scene(Role::Clinician, "consent");
    let expires = ctx.consents[0].expires_at;
    assert!(decide(&p, Action::View, &ctx, expires - Duration::seconds(1)).is_allowed());
    assert_eq!(
        decide(&p, Action::View, &ctx, expires),
        Decision::Deny(DenyReason::NotVisible)
    );
    assert_eq!(
        decide(&p, Action::View, &ctx, expires + Duration::seconds(1)),
        Decision::Deny(DenyReason::NotVisible)
    );
    ctx.consents[0].revoked_at = Some(NOW);
    assert_eq!(
        decide(&p, Action::View, &ctx, NOW),
        Decision::Deny(DenyReason::NotVisible)
    );
}

#[test]
fn a_consent_naming_another_organisation_grants_nothing() {
    let (p, mut ctx) = scene(Role::CaseManager, "consent");
    ctx.consents[0].recipient_org = OrgId::from_random_bytes([3; 16]);
    assert_eq!(
        decide(&p, Action::View, &ctx, NOW),
        Decision::Deny(DenyReason::NotVisible)
    );
}

#[test]
fn police_never_receive_medical_or_psychotherapy_even_when_named() {
    let (p, ctx) = scene(Role::LeLiaison, "consent");
    let Decision::Allow { access, .. } = decide(&p, Action::View, &ctx, NOW) else {
        panic!("allowed")
    };
    assert!(!access.contains_key(&DataCategory::Medical));
    assert!(!access.contains_key(&DataCategory::Psychotherapy));
}

/// Notes by category, for each role on the case team: which it reads (r) and writes (w).
const NOTES: &str = "
case_manager        general:rw safety:rw legal:r narrative:rw
clinician           general:r safety:rw medical:rw psychotherapy:rw narrative:r
legal_advocate      general:r safety:r legal:rw narrative:rw
shelter_coordinator general:r safety:rw
hotline_advocate    general:rw safety:rw narrative:rw
outreach_worker     general:r safety:r
supervisor          general:r safety:r medical:r legal:r narrative:r
admin
analyst
le_liaison
";

#[test]
fn every_role_reads_and_writes_exactly_the_policy_note_categories() {
    use haven_domain::access::may_read_notes;
    use haven_domain::case::NoteCategory;
    for line in NOTES.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.split_whitespace();
        let role: Role = parts.next().unwrap().parse().unwrap();
        let expected: BTreeMap<&str, &str> = parts.map(|p| p.split_once(':').unwrap()).collect();
        let (p, ctx) = scene(role, "team");
        let access = match decide(&p, Action::View, &ctx, NOW) {
            Decision::Allow { access, .. } => access,
            Decision::Deny(_) => BTreeMap::new(),
        };
        for category in NoteCategory::ALL {
            let want = expected.get(category.as_str()).copied().unwrap_or("");
            let reads = may_read_notes(&access, category.data_category());
            let writes = decide(&p, Action::Edit(category.data_category()), &ctx, NOW).is_allowed();
            assert_eq!(
                reads,
                want.contains('r'),
                "{role} reads {} notes?",
                category.as_str()
            );
            assert_eq!(
                writes,
                want.contains('w'),
                "{role} writes {} notes?",
                category.as_str()
            );
        }
    }
}
