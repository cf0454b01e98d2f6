//! Sharing on the case page: releases of information and suspected abusers, referrals and
//! transfers sent from the case, case messages, a liaison's meeting request, and the
//! printable access report. The referrals page is `referrals.rs`.

use super::Typed;
use super::cases::{after, case_id, csrf, nav, newest_of};
use super::form::PageForm;
use crate::errors::PageError;
use crate::extract::{SignedIn, check_csrf};
use crate::i18n::Tr;
use crate::shown_time;
use crate::views::{
    self, AccessLine, AccessReportPage, ConsentLine, MessageLine, ReferralLine, SharingPanel,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use haven_core::auth::Authenticated;
use haven_core::cases::History;
use haven_core::local_time::LocalTime;
use haven_core::problem::{Problem, Reason};
use haven_core::sharing::{ConsentInput, ReferralView};
use haven_core::{CoreError, Haven};
use haven_domain::access::{Action, Role};
use haven_domain::consent::{ConsentMethod, RevocationChannel, Signer};
use haven_domain::referral::ReferralState;
use haven_domain::{CaseId, ConsentId, DataCategory, OrgId};
use haven_store::Store;
use serde::Deserialize;
use std::collections::BTreeMap;

pub(super) fn invalid(field: &'static str, problem: impl Into<Problem>) -> CoreError {
    CoreError::invalid(field, problem)
}

pub(super) async fn org_names<S: Store>(
    haven: &Haven<S>,
) -> Result<BTreeMap<OrgId, String>, CoreError> {
    haven.organisation_names().await
}

pub(super) fn referral_line(
    r: &ReferralView,
    orgs: &BTreeMap<OrgId, String>,
    zone: &LocalTime,
) -> ReferralLine {
    let other = if r.receiving { r.from_org } else { r.to_org };
    ReferralLine {
        id: r.id.to_string(),
        case_id: r.case.map(|c| c.to_string()).unwrap_or_default(),
        pseudonym: r.pseudonym.clone(),
        service: r.service_name.clone(),
        org: orgs.get(&other).cloned().unwrap_or_default(),
        state: r.state.as_str(),
        reason: r.reason.clone().unwrap_or_default(),
        reason_vocabulary: if r.state == ReferralState::Declined {
            "decline-reason"
        } else {
            "outcome"
        },
        respond_by: shown_time::date(zone, r.respond_by),
        overdue: r.overdue,
        shared: r.consent.is_some() && r.case.is_some(),
        note: r.intake_note.clone().unwrap_or_default(),
    }
}

/// The sharing part of the case page, as far as the reader may see and do, with the
/// messages `history` reaches.
pub(crate) async fn panel<S: Store>(
    t: Tr,
    haven: &Haven<S>,
    auth: &Authenticated,
    id: CaseId,
    history: History,
) -> Result<SharingPanel, CoreError> {
    let mut p = SharingPanel {
        can_consent: haven.permits(auth, id, Action::RecordConsent).await?,
        can_revoke: haven.permits(auth, id, Action::RevokeConsent).await?,
        can_refer: haven.permits(auth, id, Action::Refer).await?,
        can_report: haven.permits(auth, id, Action::AccessReport).await?,
        can_add_adversary: haven
            .permits(auth, id, Action::Edit(DataCategory::Safety))
            .await?,
        categories: DataCategory::ALL.iter().map(|c| c.as_str()).collect(),
        methods: ConsentMethod::ALL.iter().map(|m| m.as_str()).collect(),
        signers: Signer::ALL.iter().map(|s| s.as_str()).collect(),
        channels: RevocationChannel::ALL.iter().map(|c| c.as_str()).collect(),
        can_request_meeting: auth.staff.roles.contains(&Role::LeLiaison),
        default_expiry: shown_time::date(
            &auth.staff.local_time,
            haven.now() + time::Duration::days(i64::from(haven.consent_rules().default_days)),
        ),
        ..SharingPanel::default()
    };
    let orgs = org_names(haven).await?;
    if p.can_revoke {
        p.consents = haven
            .consents(auth, id)
            .await?
            .into_iter()
            .map(|c| ConsentLine {
                id: c.id.to_string(),
                org: orgs.get(&c.recipient_org).cloned().unwrap_or_default(),
                categories: c.categories.iter().map(|c| c.as_str()).collect(),
                expires: shown_time::date(&auth.staff.local_time, c.expires_at),
                state: if c.revoked_at.is_some() {
                    "revoked"
                } else if c.active {
                    "active"
                } else {
                    "ended"
                },
                active: c.active,
                has_scan: c.has_scan,
            })
            .collect();
    }
    if p.can_consent || p.can_refer {
        p.orgs = orgs
            .iter()
            .filter(|(o, _)| **o != auth.staff.org)
            .map(|(o, n)| (o.to_string(), n.clone()))
            .collect();
    }
    if p.can_refer {
        p.services = haven
            .directory_services()
            .await?
            .into_iter()
            .filter(|s| {
                s.org != auth.staff.org && s.status == "active" && orgs.contains_key(&s.org)
            })
            .map(|s| (s.id.to_string(), format!("{} — {}", s.org_name, s.name)))
            .collect();
    }
    p.referrals = haven
        .case_referrals(auth, id)
        .await?
        .iter()
        .map(|r| referral_line(r, &orgs, &auth.staff.local_time))
        .collect();
    match haven.message_history(auth, id, history).await {
        Ok((list, total)) => {
            p.can_message = true;
            p.messages_more = newest_of(t, "history-newest-messages", list.len(), total);
            p.messages = list
                .into_iter()
                .map(|m| MessageLine {
                    when: shown_time::minute(&auth.staff.local_time, m.created_at),
                    author: orgs.get(&m.author_org).cloned().unwrap_or_default(),
                    body: m.body,
                })
                .collect();
        }
        Err(CoreError::NotFound) => {}
        Err(e) => return Err(e),
    }
    Ok(p)
}

pub(crate) async fn record_consent<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    mut form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    // Text fields as pairs (categories repeat); the signed form's scan as bytes.
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut scan: Option<Vec<u8>> = None;
    let unreadable = || invalid("form", Reason::FormUnreadable);
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "scan" {
            let bytes = field.bytes().await.map_err(|_| unreadable())?;
            if !bytes.is_empty() {
                scan = Some(bytes.to_vec());
            }
        } else {
            fields.push((name, field.text().await.map_err(|_| unreadable())?));
        }
    }
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    check_csrf(&auth, &get("csrf"))?;
    let id = case_id(&id)?;
    let result = match consent_input(&fields, &get) {
        Ok(input) => haven
            .record_consent(&auth, id, ConsentInput { scan, ..input })
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    let mut typed = Typed::form("consents");
    for (name, value) in &fields {
        typed = match name.as_str() {
            "purpose" => typed.text("purpose", "purpose", value),
            "evidence" => typed.text("evidence", "evidence", value),
            "guardian" => typed.text("guardian", "guardian", value),
            "recipient_org" => typed.field("recipient_org", value),
            "category" => typed.field("category", value),
            "method" => typed.field("method", value),
            "signer" => typed.field("signer", value),
            "expires_on" => typed.field("expires_on", value),
            _ => typed,
        };
    }
    after(t, &haven, &auth, id, result, typed).await
}

fn consent_input(
    fields: &[(String, String)],
    get: &dyn Fn(&str) -> String,
) -> Result<ConsentInput, CoreError> {
    let categories = fields
        .iter()
        .filter(|(k, _)| k == "category")
        .map(|(_, v)| {
            v.parse()
                .map_err(|_| invalid("categories", Reason::ChooseFromList))
        })
        .collect::<Result<_, _>>()?;
    let expires_at = match get("expires_on").trim() {
        "" => None,
        raw => Some(
            time::Date::parse(raw, &time::format_description::well_known::Iso8601::DATE)
                .map_err(|_| invalid("expires_at", Reason::ConsentNoEndDate))?
                .with_hms(0, 0, 0)
                .map_err(|_| invalid("expires_at", Reason::ConsentNoEndDate))?
                .assume_utc(),
        ),
    };
    let guardian = Some(get("guardian")).filter(|g| !g.trim().is_empty());
    Ok(ConsentInput {
        recipient_org: get("recipient_org")
            .parse()
            .map_err(|_| invalid("recipient_org", Reason::ChooseFromList))?,
        categories,
        purpose: get("purpose"),
        method: get("method")
            .parse()
            .map_err(|_| invalid("method", Reason::ChooseFromList))?,
        evidence: get("evidence"),
        signer: get("signer").parse().unwrap_or(Signer::Survivor),
        guardian,
        granted_at: None,
        expires_at,
        scan: None,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RevokeForm {
    csrf: String,
    channel: String,
}

pub(crate) async fn revoke_consent<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path((id, consent)): Path<(String, String)>,
    PageForm(f): PageForm<RevokeForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let consent: ConsentId = consent.parse().map_err(|_| CoreError::NotFound)?;
    let channel: RevocationChannel = f
        .channel
        .parse()
        .map_err(|_| invalid("channel", Reason::ChooseFromList))?;
    let result = haven.revoke_consent(&auth, id, consent, channel).await;
    after(t, &haven, &auth, id, result, Typed::default()).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdversaryForm {
    csrf: String,
    name: String,
    relationship: String,
}

pub(crate) async fn add_adversary<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(f): PageForm<AdversaryForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let result = haven
        .add_adversary(&auth, id, &f.name, &f.relationship)
        .await
        .map(|_| ());
    let typed = Typed::form("adversaries")
        .text("name", "name", &f.name)
        .field("relationship", &f.relationship);
    after(t, &haven, &auth, id, result, typed).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReferForm {
    csrf: String,
    service_id: String,
    #[serde(default)]
    consent_id: String,
}

pub(crate) async fn refer<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(f): PageForm<ReferForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let result = async {
        let service = f
            .service_id
            .parse()
            .map_err(|_| invalid("service", Reason::ChooseFromList))?;
        let consent = match f.consent_id.trim() {
            "" => None,
            raw => Some(
                raw.parse()
                    .map_err(|_| invalid("consent", Reason::ChooseFromList))?,
            ),
        };
        haven.refer(&auth, id, service, consent).await.map(|_| ())
    }
    .await;
    let typed = Typed::form("referrals")
        .field("service_id", &f.service_id)
        .field("consent_id", &f.consent_id);
    after(t, &haven, &auth, id, result, typed).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MessageForm {
    csrf: String,
    body: String,
}

pub(crate) async fn send_message<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(f): PageForm<MessageForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let result = haven.send_message(&auth, id, &f.body).await.map(|_| ());
    let typed = Typed::form("messages").text("body", "message", &f.body);
    after(t, &haven, &auth, id, result, typed).await
}

pub(crate) async fn access_report<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = case_id(&id)?;
    let report = haven.access_report(&auth, id).await?;
    let lines = report
        .lines
        .iter()
        .map(|l| AccessLine {
            when: l
                .at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            org: l.org_name.clone(),
            person: l.user_name.clone(),
            what: l.what,
            categories: l.categories.iter().map(|c| c.as_str()).collect(),
            basis: match l.consent {
                Some(c) => format!("{} {c}", t.label("basis", l.basis)),
                None => t.label("basis", l.basis),
            },
        })
        .collect();
    Ok(views::render(
        StatusCode::OK,
        &AccessReportPage {
            csrf: csrf(&auth),
            nav: nav(&haven, &auth),
            case_id: id.to_string(),
            pseudonym: report.pseudonym,
            generated: shown_time::minute(&auth.staff.local_time, report.generated_at),
            lines,
            t,
        },
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MeetingForm {
    csrf: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn request_meeting<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(f): PageForm<MeetingForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let result = haven.request_meeting(&auth, id, &f.note).await.map(|_| ());
    let typed = Typed::form("meeting-requests").text("note", "meeting-note", &f.note);
    after(t, &haven, &auth, id, result, typed).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransferForm {
    csrf: String,
    to_org: String,
}

pub(crate) async fn propose_transfer<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(f): PageForm<TransferForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let result = match f.to_org.parse() {
        Ok(to) => haven.propose_transfer(&auth, id, to).await.map(|_| ()),
        Err(_) => Err(invalid("to_org", Reason::ChooseFromList)),
    };
    let typed = Typed::form("transfers").field("to_org", &f.to_org);
    after(t, &haven, &auth, id, result, typed).await
}
