//! Sharing over the API: releases of information, suspected abusers, referrals (sent,
//! incoming, moves, intake referrals from law enforcement), case messages and the access
//! report.

use super::cases::{case_id, history_of};
use super::json::JsonBody;
use crate::errors::ApiError;
use crate::extract::ApiCaller;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use haven_core::problem::{Problem, Reason};
use haven_core::sharing::{ConsentInput, ConsentView, IntakeReferral, ReferralView};
use haven_core::{CoreError, Haven};
use haven_domain::consent::{ConsentMethod, RevocationChannel, Signer};
use haven_domain::referral::Move;
use haven_domain::{ConsentId, DataCategory, ReferralId, ServiceId};
use haven_store::Store;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use time::OffsetDateTime;

fn invalid(field: &'static str, problem: impl Into<Problem>) -> ApiError {
    CoreError::invalid(field, problem).into()
}

fn parse<T: std::str::FromStr>(
    field: &'static str,
    raw: &str,
    problem: impl Into<Problem>,
) -> Result<T, ApiError> {
    raw.parse().map_err(|_| invalid(field, problem))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewConsent {
    recipient_org: String,
    categories: Vec<String>,
    purpose: String,
    method: String,
    evidence: String,
    #[serde(default)]
    signer: Option<String>,
    guardian: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    granted_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    expires_at: Option<OffsetDateTime>,
    /// The scan of the signed form (PDF, PNG or JPEG), base64.
    scan_base64: Option<String>,
}

pub(crate) fn categories(raw: &[String]) -> Result<BTreeSet<DataCategory>, ApiError> {
    raw.iter()
        .map(|c| {
            parse(
                "categories",
                c,
                Problem::one_of(DataCategory::ALL.iter().map(|c| c.as_str())),
            )
        })
        .collect()
}

impl NewConsent {
    fn into_input(self) -> Result<ConsentInput, ApiError> {
        Ok(ConsentInput {
            recipient_org: parse("recipient_org", &self.recipient_org, Reason::NotAnId)?,
            categories: categories(&self.categories)?,
            purpose: self.purpose,
            method: parse(
                "method",
                &self.method,
                Problem::one_of(ConsentMethod::ALL.iter().map(|m| m.as_str())),
            )?,
            evidence: self.evidence,
            signer: match self.signer {
                Some(s) => parse(
                    "signer",
                    &s,
                    Problem::one_of(Signer::ALL.iter().map(|g| g.as_str())),
                )?,
                None => Signer::Survivor,
            },
            guardian: self.guardian,
            granted_at: self.granted_at,
            expires_at: self.expires_at,
            scan: self
                .scan_base64
                .map(|b| {
                    use base64::Engine;
                    base64::engine::general_purpose::STANDARD
                        .decode(b.trim())
                        .map_err(|_| invalid("scan_base64", Reason::NotBase64))
                })
                .transpose()?,
        })
    }
}

pub(crate) async fn record_consent<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewConsent>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let input = body.into_input()?;
    let consent = haven.record_consent(&auth, case_id(&id)?, input).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": consent }))))
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub(crate) fn consent_json(c: &ConsentView) -> Value {
    json!({
        "id": c.id, "recipient_org": c.recipient_org, "categories": c.categories, "purpose": c.purpose,
        "method": c.method, "evidence": c.evidence, "signer": c.signer, "guardian": c.guardian,
        "granted_at": rfc3339(c.granted_at), "expires_at": rfc3339(c.expires_at),
        "revoked_at": c.revoked_at.map(rfc3339), "revoked_by": c.revoked_by,
        "revocation_channel": c.revocation_channel, "active": c.active, "has_scan": c.has_scan,
    })
}

pub(crate) async fn consents<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let list = haven.consents(&auth, case_id(&id)?).await?;
    Ok(Json(
        json!({ "consents": list.iter().map(consent_json).collect::<Vec<_>>() }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Revoke {
    channel: String,
}

pub(crate) async fn revoke_consent<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path((id, consent)): Path<(String, String)>,
    JsonBody(body): JsonBody<Revoke>,
) -> Result<StatusCode, ApiError> {
    let consent: ConsentId = consent.parse().map_err(|_| CoreError::NotFound)?;
    let channel: RevocationChannel = parse(
        "channel",
        &body.channel,
        Problem::one_of(RevocationChannel::ALL.iter().map(|c| c.as_str())),
    )?;
    haven
        .revoke_consent(&auth, case_id(&id)?, consent, channel)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAdversary {
    name: String,
    relationship: String,
}

pub(crate) async fn add_adversary<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewAdversary>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let adversary = haven
        .add_adversary(&auth, case_id(&id)?, &body.name, &body.relationship)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": adversary }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewReferral {
    service_id: String,
    consent_id: Option<String>,
}

pub(crate) async fn refer<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewReferral>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let service: ServiceId = parse("service_id", &body.service_id, Reason::NotAnId)?;
    let consent = body
        .consent_id
        .map(|c| parse::<ConsentId>("consent_id", &c, Reason::NotAnId))
        .transpose()?;
    let referral = haven.refer(&auth, case_id(&id)?, service, consent).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": referral }))))
}

pub(crate) fn referral_json(r: &ReferralView) -> Value {
    json!({
        "id": r.id, "case_id": r.case, "pseudonym": r.pseudonym, "from_org": r.from_org, "to_org": r.to_org,
        "service_id": r.service, "service_name": r.service_name, "service_kind": r.service_kind.as_str(),
        "consent_id": r.consent, "state": r.state.as_str(), "reason": r.reason,
        "created_at": rfc3339(r.created_at), "respond_by": rfc3339(r.respond_by),
        "updated_at": rfc3339(r.updated_at), "overdue": r.overdue, "receiving": r.receiving,
        "intake_note": r.intake_note,
    })
}

pub(crate) async fn case_referrals<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let list = haven.case_referrals(&auth, case_id(&id)?).await?;
    Ok(Json(
        json!({ "referrals": list.iter().map(referral_json).collect::<Vec<_>>() }),
    ))
}

pub(crate) async fn incoming<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
) -> Result<Json<Value>, ApiError> {
    let list = haven.incoming_referrals(&auth).await?;
    Ok(Json(
        json!({ "referrals": list.iter().map(referral_json).collect::<Vec<_>>() }),
    ))
}

fn referral_id(raw: &str) -> Result<ReferralId, ApiError> {
    raw.parse().map_err(|_| CoreError::NotFound.into())
}

pub(crate) async fn show_referral<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let r = haven.referral(&auth, referral_id(&id)?).await?;
    Ok(Json(referral_json(&r)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReferralMove {
    action: String,
    reason: Option<String>,
    outcome: Option<String>,
}

pub(crate) async fn move_referral<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReferralMove>,
) -> Result<Json<Value>, ApiError> {
    let id = referral_id(&id)?;
    let step = Move::parse(
        &body.action,
        body.reason.as_deref(),
        body.outcome.as_deref(),
    )
    .map_err(|e| invalid(e.field, &e))?;
    let r = haven.move_referral(&auth, id, step).await?;
    Ok(Json(referral_json(&r)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewIntakeReferral {
    service_id: String,
    pseudonym: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn refer_intake<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    JsonBody(body): JsonBody<NewIntakeReferral>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let service = parse("service_id", &body.service_id, Reason::NotAnId)?;
    let id = haven
        .refer_intake(
            &auth,
            IntakeReferral {
                service,
                pseudonym: body.pseudonym,
                note: body.note,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewMessage {
    body: String,
}

pub(crate) async fn send_message<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewMessage>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let message = haven.send_message(&auth, case_id(&id)?, &body.body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": message }))))
}

pub(crate) async fn messages<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let history = history_of(query.as_deref())?;
    let (list, total) = haven.message_history(&auth, case_id(&id)?, history).await?;
    Ok(Json(json!({ "messages": list.iter().map(|m| json!({
        "id": m.id, "author": m.author, "author_org": m.author_org,
        "created_at": rfc3339(m.created_at), "body": m.body })).collect::<Vec<_>>(),
        "total": total })))
}

pub(crate) async fn access_report<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let report = haven.access_report(&auth, case_id(&id)?).await?;
    Ok(Json(json!({
        "pseudonym": report.pseudonym,
        "generated_at": rfc3339(report.generated_at),
        "accesses": report.lines.iter().map(|l| json!({
            "at": rfc3339(l.at), "org": l.org, "org_name": l.org_name, "user": l.user,
            "user_name": l.user_name, "what": l.what, "categories": l.categories,
            "consent_id": l.consent, "basis": l.basis })).collect::<Vec<_>>(),
    })))
}

pub(crate) async fn subject_export<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let export = haven.subject_export(&auth, case_id(&id)?).await?;
    let cases: Vec<Value> = export
        .cases
        .iter()
        .map(|c| {
            json!({
                "id": c.case.id, "org": c.case.org, "status": c.case.status, "exploitation": c.case.exploitation,
                "trafficking_types": c.case.trafficking_types, "created_at": rfc3339(c.case.created_at),
                "flags": { "minor": c.case.minor, "safety_risk": c.case.safety_risk,
                    "immigration_sensitive": c.case.immigration_sensitive },
                "notes": c.notes.iter().map(|n| json!({ "id": n.id, "category": n.category.as_str(),
                    "created_at": rfc3339(n.created_at), "body": n.body })).collect::<Vec<_>>(),
                "tasks": c.tasks.iter().map(|t| json!({ "title": t.title, "due_on": t.due_on.to_string(),
                    "done": t.done_at.is_some() })).collect::<Vec<_>>(),
                "goals": c.goals.iter().map(|g| json!({ "title": g.title, "status": g.status.as_str() })).collect::<Vec<_>>(),
                "timeline": c.timeline.iter().map(|e| json!({ "at": rfc3339(e.at), "kind": e.kind,
                    "detail": e.detail })).collect::<Vec<_>>(),
                "referrals": c.referrals.iter().map(|r| json!({ "id": r.id, "to_org": r.to_org,
                    "service_id": r.service, "state": r.state, "reason": r.reason,
                    "created_at": rfc3339(r.created_at) })).collect::<Vec<_>>(),
                "messages": c.messages.iter().map(|m| json!({ "author_org": m.author_org,
                    "created_at": rfc3339(m.created_at), "body": m.body })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({
        "survivor": { "id": export.record.id, "org": export.record.org,
            "created_at": rfc3339(export.record.created_at),
            "profile": super::survivors::profile_json(&export.record.profile, |_| true) },
        "cases": cases,
        "consents": export.consents.iter().map(consent_json).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MeetingRequest {
    #[serde(default)]
    note: String,
}

pub(crate) async fn request_meeting<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<MeetingRequest>,
) -> Result<StatusCode, ApiError> {
    haven
        .request_meeting(&auth, case_id(&id)?, &body.note)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewTransfer {
    to_org: String,
}

pub(crate) async fn propose_transfer<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewTransfer>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let to = parse("to_org", &body.to_org, Reason::NotAnId)?;
    let transfer = haven.propose_transfer(&auth, case_id(&id)?, to).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": transfer }))))
}

pub(crate) async fn transfers<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
) -> Result<Json<Value>, ApiError> {
    let list = haven.transfers(&auth).await?;
    Ok(Json(json!({ "transfers": list.iter().map(|t| json!({
        "id": t.id, "case_id": t.case, "pseudonym": t.pseudonym, "from_org": t.from_org,
        "to_org": t.to_org, "state": t.state, "created_at": rfc3339(t.created_at),
        "receiving": t.receiving })).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransferDecision {
    decision: String,
}

pub(crate) async fn decide_transfer<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TransferDecision>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse().map_err(|_| CoreError::NotFound)?;
    haven.decide_transfer(&auth, id, &body.decision).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn consent_scan<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path((id, consent)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let consent: ConsentId = consent.parse().map_err(|_| CoreError::NotFound)?;
    let (kind, bytes) = haven.consent_scan(&auth, case_id(&id)?, consent).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, kind),
            (axum::http::header::CONTENT_DISPOSITION, "attachment"),
        ],
        bytes,
    )
        .into_response())
}
