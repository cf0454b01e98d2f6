//! Finding people and taking them in: search (the query travels in the form body, never the
//! URL) and intake, which searches first and shows likely existing records before creating one.

use super::cases::{csrf, is_admin};
use crate::errors::PageError;
use crate::extract::{SignedIn, check_csrf};
use crate::i18n::Tr;
use crate::views::{self, HitLine, Intake, IntakeValues, Search};
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use haven_core::auth::Authenticated;
use haven_core::cases::{NewCase, SearchHit};
use haven_core::problem::Reason;
use haven_core::{CoreError, Haven};
use haven_domain::case::ExploitationType;
use haven_domain::survivor::{PersonalText, SurvivorField, SurvivorProfile};
use haven_store::Store;
use serde::Deserialize;
use std::collections::BTreeSet;

fn hit_lines(hits: Vec<SearchHit>) -> Vec<HitLine> {
    hits.into_iter()
        .map(|h| HitLine {
            pseudonym: h.pseudonym,
            cases: h.cases.iter().map(ToString::to_string).collect(),
            matched: h.matched,
        })
        .collect()
}

pub(crate) async fn search_form(SignedIn(auth, t): SignedIn) -> Response {
    views::render(
        StatusCode::OK,
        &Search {
            t,
            csrf: csrf(&auth),
            is_admin: is_admin(&auth),
            searched: false,
            hits: Vec::new(),
            incomplete: false,
        },
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchForm {
    csrf: String,
    q: String,
}

pub(crate) async fn search<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Form(form): Form<SearchForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let found = haven.search(&auth, &form.q).await?;
    Ok(views::render(
        StatusCode::OK,
        &Search {
            t,
            csrf: csrf(&auth),
            is_admin: is_admin(&auth),
            searched: true,
            hits: hit_lines(found.hits),
            incomplete: found.incomplete,
        },
    ))
}

fn intake_page(
    t: Tr,
    auth: &Authenticated,
    form: IntakeValues,
    possible: Vec<HitLine>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    views::render(
        status,
        &Intake {
            t,
            csrf: csrf(auth),
            is_admin: is_admin(auth),
            form,
            exploitations: ExploitationType::ALL.iter().map(|e| e.as_str()).collect(),
            possible,
            error,
        },
    )
}

pub(crate) async fn intake_form<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
) -> Result<Response, PageError> {
    if !haven.may_intake(&auth) {
        return Err(CoreError::Forbidden.into());
    }
    Ok(intake_page(
        t,
        &auth,
        IntakeValues {
            exploitation: "other".into(),
            ..Default::default()
        },
        Vec::new(),
        None,
        StatusCode::OK,
    ))
}

#[derive(Deserialize)]
pub(crate) struct IntakeForm {
    csrf: String,
    #[serde(default)]
    confirm_new: String,
    #[serde(flatten)]
    values: IntakeValues,
}

fn optional(field: SurvivorField, v: &str) -> Result<Option<PersonalText>, CoreError> {
    if v.trim().is_empty() {
        Ok(None)
    } else {
        Ok(Some(PersonalText::parse(field, v)?))
    }
}

fn profile_of(v: &IntakeValues) -> Result<(SurvivorProfile, NewCase), CoreError> {
    let mut p = SurvivorProfile::pseudonymous(&v.pseudonym)?;
    p.legal_name = optional(SurvivorField::LegalName, &v.legal_name)?;
    p.phone = optional(SurvivorField::Phone, &v.phone)?;
    p.safe_contact = optional(SurvivorField::SafeContact, &v.safe_contact)?;
    if !v.date_of_birth.trim().is_empty() {
        p.date_of_birth = Some(
            time::Date::parse(
                v.date_of_birth.trim(),
                &time::format_description::well_known::Iso8601::DATE,
            )
            .map_err(|_| CoreError::invalid("date_of_birth", Reason::DateFormat))?,
        );
    }
    if !v.estimated_age.trim().is_empty() {
        p.details.estimated_age = Some(
            v.estimated_age
                .trim()
                .parse()
                .map_err(|_| CoreError::invalid("estimated_age", Reason::AgeInYears))?,
        );
    }
    let exploitation = v.exploitation.parse().ok();
    Ok((
        p,
        NewCase {
            exploitation,
            trafficking_types: Vec::new(),
            safety_risk: v.safety_risk,
            immigration_sensitive: v.immigration_sensitive,
        },
    ))
}

pub(crate) async fn intake<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Form(form): Form<IntakeForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let values = form.values;
    let (profile, case) = match profile_of(&values) {
        Ok(x) => x,
        Err(e) => {
            return Ok(intake_page(
                t,
                &auth,
                values,
                Vec::new(),
                Some(t.refusal(&e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    // Search first: offer records that look like this person before creating another.
    if form.confirm_new != "on" {
        let mut seen = BTreeSet::new();
        let mut possible = Vec::new();
        for q in [
            values.legal_name.trim(),
            values.pseudonym.trim(),
            values.phone.trim(),
            values.date_of_birth.trim(),
        ] {
            if q.chars().count() < 2 {
                continue;
            }
            for hit in haven.search(&auth, q).await?.hits {
                if seen.insert(hit.survivor) {
                    possible.push(hit);
                }
            }
        }
        if !possible.is_empty() {
            return Ok(intake_page(
                t,
                &auth,
                values,
                hit_lines(possible),
                None,
                StatusCode::OK,
            ));
        }
    }
    match haven.intake(&auth, &profile, &case).await {
        Ok((_, case)) => Ok(Redirect::to(&format!("/cases/{case}")).into_response()),
        Err(e @ (CoreError::InvalidInput { .. } | CoreError::Invalid(_))) => Ok(intake_page(
            t,
            &auth,
            values,
            Vec::new(),
            Some(t.refusal(&e)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(e.into()),
    }
}
