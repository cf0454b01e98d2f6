//! Case work in the browser, without JavaScript: the dashboard's data, intake (which searches
//! first and shows likely existing records), search (the query travels in the form body,
//! never the URL), and the case page with its notes, team, status, plan and timeline.

use crate::errors::PageError;
use crate::extract::{SignedIn, check_csrf};
use crate::views::{
    self, Case, CaseLine, DueLine, HitLine, Intake, IntakeValues, NoteLine, Search, TaskLine,
};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use haven_core::auth::Authenticated;
use haven_core::cases::{Dashboard, NewCase, SearchHit};
use haven_core::{CoreError, Haven};
use haven_domain::access::{Action, Role};
use haven_domain::case::{CaseStatus, ExploitationType, NoteCategory};
use haven_domain::survivor::{PersonalText, SurvivorField, SurvivorProfile};
use haven_domain::{CaseId, DataCategory, TaskId};
use haven_store::Store;
use serde::Deserialize;
use std::collections::BTreeSet;

fn csrf(auth: &Authenticated) -> String {
    auth.csrf_token().unwrap_or_default().to_owned()
}

fn is_admin(auth: &Authenticated) -> bool {
    auth.staff.roles.contains(&Role::Admin)
}

fn case_id(raw: &str) -> Result<CaseId, PageError> {
    raw.parse()
        .map_err(|_| PageError::Core(CoreError::NotFound))
}

pub(crate) fn dashboard_lines(board: Dashboard) -> (Vec<CaseLine>, Vec<DueLine>) {
    let cases = board
        .cases
        .into_iter()
        .map(|c| {
            let mut flags = Vec::new();
            if c.minor {
                flags.push("minor");
            }
            if c.safety_risk {
                flags.push("safety risk");
            }
            CaseLine {
                id: c.id.to_string(),
                pseudonym: c.pseudonym,
                status: c.status,
                flags: flags.join(", "),
            }
        })
        .collect();
    let tasks = board
        .tasks
        .into_iter()
        .map(|t| DueLine {
            due: t.due_on.to_string(),
            title: t.title,
            case_id: t.case.to_string(),
            pseudonym: t.pseudonym,
            overdue: t.overdue,
        })
        .collect();
    (cases, tasks)
}

fn hit_lines(hits: Vec<SearchHit>) -> Vec<HitLine> {
    hits.into_iter()
        .map(|h| HitLine {
            pseudonym: h.pseudonym,
            cases: h.cases.iter().map(ToString::to_string).collect(),
            matched: h.matched,
        })
        .collect()
}

pub(crate) async fn search_form(SignedIn(auth): SignedIn) -> Response {
    views::render(
        StatusCode::OK,
        &Search {
            csrf: csrf(&auth),
            is_admin: is_admin(&auth),
            searched: false,
            hits: Vec::new(),
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
    SignedIn(auth): SignedIn,
    Form(form): Form<SearchForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let hits = haven.search(&auth, &form.q).await?;
    Ok(views::render(
        StatusCode::OK,
        &Search {
            csrf: csrf(&auth),
            is_admin: is_admin(&auth),
            searched: true,
            hits: hit_lines(hits),
        },
    ))
}

fn intake_page(
    auth: &Authenticated,
    form: IntakeValues,
    possible: Vec<HitLine>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    views::render(
        status,
        &Intake {
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
    SignedIn(auth): SignedIn,
) -> Result<Response, PageError> {
    if !haven.may_intake(&auth) {
        return Err(CoreError::Forbidden.into());
    }
    Ok(intake_page(
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
            .map_err(|_| CoreError::InvalidInput {
                field: "date_of_birth",
                message: "give a date as YYYY-MM-DD".into(),
            })?,
        );
    }
    if !v.estimated_age.trim().is_empty() {
        p.details.estimated_age =
            Some(
                v.estimated_age
                    .trim()
                    .parse()
                    .map_err(|_| CoreError::InvalidInput {
                        field: "estimated_age",
                        message: "give an age in years".into(),
                    })?,
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
    SignedIn(auth): SignedIn,
    Form(form): Form<IntakeForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let values = form.values;
    let (profile, case) = match profile_of(&values) {
        Ok(x) => x,
        Err(e) => {
            return Ok(intake_page(
                &auth,
                values,
                Vec::new(),
                Some(e.to_string()),
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
            for hit in haven.search(&auth, q).await? {
                if seen.insert(hit.survivor) {
                    possible.push(hit);
                }
            }
        }
        if !possible.is_empty() {
            return Ok(intake_page(
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
            &auth,
            values,
            Vec::new(),
            Some(e.to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn case_page<S: Store>(
    haven: &Haven<S>,
    auth: &Authenticated,
    id: CaseId,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let access = haven.authorize_case(auth, id, Action::View).await?;
    let v = haven.read_case(&access).await?;
    let p = &v.profile;
    let mut details = Vec::new();
    if v.categories.contains(&DataCategory::Identity) {
        if let Some(n) = &p.legal_name {
            details.push(("Legal name", n.as_str().to_owned()));
        }
        if let Some(d) = p.date_of_birth {
            details.push(("Date of birth", d.to_string()));
        }
        if let Some(a) = p.details.estimated_age {
            details.push(("Estimated age", a.to_string()));
        }
    }
    if v.categories.contains(&DataCategory::Contact) {
        if let Some(ph) = &p.phone {
            details.push(("Phone", ph.as_str().to_owned()));
        }
        if let Some(s) = &p.safe_contact {
            details.push(("Safe contact", s.as_str().to_owned()));
        }
    }
    let mut flags = Vec::new();
    for (on, name) in [
        (v.minor, "minor"),
        (v.safety_risk, "safety risk"),
        (v.immigration_sensitive, "immigration-sensitive"),
    ] {
        if on {
            flags.push(name);
        }
    }
    let can_manage = haven.permits(auth, id, Action::ManageTeam).await?;
    let can_tasks = haven
        .permits(auth, id, Action::Edit(DataCategory::Case))
        .await?;
    Ok(views::render(
        status,
        &Case {
            csrf: csrf(auth),
            is_admin: is_admin(auth),
            id: id.to_string(),
            pseudonym: p.pseudonym.as_str().to_owned(),
            status: v.status.clone(),
            flags: flags.join(", "),
            details,
            notes: v
                .notes
                .iter()
                .map(|n| NoteLine {
                    category: n.category.as_str(),
                    when: n.created_at.date().to_string(),
                    body: n.body.clone(),
                })
                .collect(),
            writable: v.writable_notes.iter().map(|c| c.as_str()).collect(),
            can_manage,
            can_tasks,
            tasks: v
                .tasks
                .iter()
                .map(|t| TaskLine {
                    id: t.id.to_string(),
                    title: t.title.clone(),
                    due: t.due_on.to_string(),
                    done: t.done_at.is_some(),
                })
                .collect(),
            timeline: v
                .timeline
                .iter()
                .map(|e| (e.at.date().to_string(), format!("{}: {}", e.kind, e.detail)))
                .collect(),
            error,
        },
    ))
}

pub(crate) async fn show<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    case_page(&haven, &auth, case_id(&id)?, None, StatusCode::OK).await
}

/// After a change: back to the case page (post/redirect/get), or the page with the error.
async fn after<S: Store>(
    haven: &Haven<S>,
    auth: &Authenticated,
    id: CaseId,
    result: Result<(), CoreError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e @ (CoreError::InvalidInput { .. } | CoreError::Invalid(_))) => {
            case_page(
                haven,
                auth,
                id,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoteForm {
    csrf: String,
    category: String,
    body: String,
}

pub(crate) async fn add_note<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<NoteForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let category: NoteCategory = f.category.parse().map_err(|_| CoreError::InvalidInput {
        field: "category",
        message: "choose a category from the list".into(),
    })?;
    let result = haven
        .add_note(&auth, id, category, &f.body)
        .await
        .map(|_| ());
    after(&haven, &auth, id, result).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TeamForm {
    csrf: String,
    email: String,
}

pub(crate) async fn add_member<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<TeamForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let result = haven.add_team_member_by_email(&auth, id, &f.email).await;
    after(&haven, &auth, id, result).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusForm {
    csrf: String,
    status: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn change_status<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let to: CaseStatus = f.status.parse().map_err(|_| CoreError::InvalidInput {
        field: "status",
        message: "choose a status from the list".into(),
    })?;
    let reason = Some(f.reason.as_str()).filter(|r| !r.trim().is_empty());
    let result = haven.change_status(&auth, id, to, reason).await;
    after(&haven, &auth, id, result).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TaskForm {
    csrf: String,
    title: String,
    due_on: String,
}

pub(crate) async fn add_task<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<TaskForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let result = match time::Date::parse(
        f.due_on.trim(),
        &time::format_description::well_known::Iso8601::DATE,
    ) {
        Ok(due) => haven.add_task(&auth, id, &f.title, due).await.map(|_| ()),
        Err(_) => Err(CoreError::InvalidInput {
            field: "due_on",
            message: "give a due date".into(),
        }),
    };
    after(&haven, &auth, id, result).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn complete_task<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth): SignedIn,
    Path((id, task)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let task: TaskId = task.parse().map_err(|_| CoreError::NotFound)?;
    let result = haven.complete_task(&auth, id, task).await;
    after(&haven, &auth, id, result).await
}
