//! The referrals page: referrals to my organisation with their answers (accept, decline,
//! start, complete), transfers of ownership proposed to or by it, and — for a
//! law-enforcement liaison — the intake referral form.

use super::Typed;
use super::cases::{csrf, nav};
use super::form::PageForm;
use super::sharing::{invalid, org_names, referral_line};
use crate::errors::PageError;
use crate::extract::{SignedIn, check_csrf};
use crate::i18n::Tr;
use crate::views::{self, Referrals, TransferLine};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use haven_core::auth::Authenticated;
use haven_core::problem::Reason;
use haven_core::sharing::IntakeReferral;
use haven_core::{CoreError, Haven};
use haven_domain::ReferralId;
use haven_domain::access::Role;
use haven_domain::referral::{DeclineReason, Move, Outcome};
use haven_store::Store;
use serde::Deserialize;

async fn referrals_page<S: Store>(
    t: Tr,
    haven: &Haven<S>,
    auth: &Authenticated,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
    typed: Typed,
) -> Result<Response, PageError> {
    let orgs = org_names(haven).await?;
    let incoming = haven
        .incoming_referrals(auth)
        .await?
        .iter()
        .map(|r| referral_line(r, &orgs, &auth.staff.local_time))
        .collect();
    let transfers = haven
        .transfers(auth)
        .await?
        .into_iter()
        .map(|x| TransferLine {
            id: x.id.to_string(),
            pseudonym: x.pseudonym,
            org: orgs
                .get(if x.receiving { &x.from_org } else { &x.to_org })
                .cloned()
                .unwrap_or_default(),
            state: x.state,
            receiving: x.receiving,
        })
        .collect();
    let is_liaison = auth.staff.roles.contains(&Role::LeLiaison);
    let services = if is_liaison {
        haven
            .directory_services()
            .await?
            .into_iter()
            .filter(|s| s.status == "active" && orgs.contains_key(&s.org))
            .map(|s| (s.id.to_string(), format!("{} — {}", s.org_name, s.name)))
            .collect()
    } else {
        Vec::new()
    };
    Ok(views::render(
        status,
        &Referrals {
            t,
            csrf: csrf(auth),
            nav: nav(haven, auth),
            incoming,
            transfers,
            is_liaison,
            services,
            decline_reasons: DeclineReason::ALL.iter().map(|d| d.as_str()).collect(),
            outcomes: Outcome::ALL.iter().map(|o| o.as_str()).collect(),
            notice,
            error,
            typed,
        },
    ))
}

/// The referrals page again, saying why `e` refused what was asked (422), with the form
/// as `typed`.
async fn refused<S: Store>(
    t: Tr,
    haven: &Haven<S>,
    auth: &Authenticated,
    e: &CoreError,
    typed: Typed,
) -> Result<Response, PageError> {
    let why = t.refusal(e);
    referrals_page(
        t,
        haven,
        auth,
        None,
        Some(why),
        StatusCode::UNPROCESSABLE_ENTITY,
        typed,
    )
    .await
}

pub(crate) async fn incoming<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
) -> Result<Response, PageError> {
    referrals_page(
        t,
        &haven,
        &auth,
        None,
        None,
        StatusCode::OK,
        Typed::default(),
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MoveForm {
    csrf: String,
    action: String,
    reason: Option<String>,
    outcome: Option<String>,
}

pub(crate) async fn move_referral<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(f): PageForm<MoveForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id: ReferralId = id.parse().map_err(|_| CoreError::NotFound)?;
    let result = match Move::parse(&f.action, f.reason.as_deref(), f.outcome.as_deref()) {
        Ok(m) => haven.move_referral(&auth, id, m).await,
        Err(e) => Err(invalid(e.field, &e)),
    };
    match result {
        Ok(view) if !view.receiving => match view.case {
            Some(case) => Ok(Redirect::to(&format!("/cases/{case}")).into_response()),
            None => Ok(Redirect::to("/referrals").into_response()),
        },
        Ok(_) => Ok(Redirect::to("/referrals").into_response()),
        Err(e @ (CoreError::InvalidInput { .. } | CoreError::Conflict(_))) => {
            refused(t, &haven, &auth, &e, Typed::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IntakeReferralForm {
    csrf: String,
    service_id: String,
    pseudonym: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn refer_intake<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    PageForm(f): PageForm<IntakeReferralForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let typed = Typed::form("intake")
        .field("service_id", &f.service_id)
        .text("pseudonym", "name-used", &f.pseudonym)
        .text("note", "intake-note", &f.note);
    let result = match f.service_id.parse() {
        Ok(service) => {
            haven
                .refer_intake(
                    &auth,
                    IntakeReferral {
                        service,
                        pseudonym: f.pseudonym,
                        note: f.note,
                    },
                )
                .await
        }
        Err(_) => Err(invalid("service", Reason::ChooseFromList)),
    };
    match result {
        Ok(_) => {
            let notice = Some(t.t("referral-sent"));
            referrals_page(
                t,
                &haven,
                &auth,
                notice,
                None,
                StatusCode::OK,
                Typed::default(),
            )
            .await
        }
        Err(e @ (CoreError::InvalidInput { .. } | CoreError::Invalid(_))) => {
            refused(t, &haven, &auth, &e, typed).await
        }
        Err(e) => Err(PageError::Unsaved(e, typed)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionForm {
    csrf: String,
    decision: String,
}

pub(crate) async fn decide_transfer<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(f): PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = id.parse().map_err(|_| CoreError::NotFound)?;
    match haven.decide_transfer(&auth, id, &f.decision).await {
        Ok(()) => Ok(Redirect::to("/referrals").into_response()),
        Err(e @ (CoreError::InvalidInput { .. } | CoreError::Conflict(_))) => {
            refused(t, &haven, &auth, &e, Typed::default()).await
        }
        Err(e) => Err(e.into()),
    }
}
