//! Editing a survivor's record from their case page, without JavaScript: the form shows the
//! record as stored, and saving replaces what the editor's role may write.

use super::cases::{case_id, csrf, nav};
use super::form::PageForm;
use super::intake::{choices, intake_values, profile_from, typed_record, values_of};
use crate::errors::{PageError, client_status};
use crate::extract::{SignedIn, check_csrf};
use crate::i18n::Tr;
use crate::views::{self, IntakeValues, SurvivorEditPage};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use haven_core::auth::Authenticated;
use haven_core::cases::History;
use haven_core::{CoreError, Haven};
use haven_domain::access::Action;
use haven_domain::{CaseId, DataCategory};
use haven_store::Store;

/// Whether the caller may write the record's identity and contact fields.
async fn writable<S: Store>(
    haven: &Haven<S>,
    auth: &Authenticated,
    id: CaseId,
) -> Result<(bool, bool), CoreError> {
    Ok((
        haven
            .permits(auth, id, Action::Edit(DataCategory::Identity))
            .await?,
        haven
            .permits(auth, id, Action::Edit(DataCategory::Contact))
            .await?,
    ))
}

fn page<S: Store>(
    haven: &Haven<S>,
    (t, auth): (Tr, &Authenticated),
    id: CaseId,
    (identity, contact): (bool, bool),
    form: IntakeValues,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let (genders, regions) = choices(t);
    views::render(
        status,
        &SurvivorEditPage {
            t,
            csrf: csrf(auth),
            nav: nav(haven, auth),
            id: id.to_string(),
            form,
            genders,
            regions,
            identity,
            contact,
            error,
        },
    )
}

/// `GET /cases/{id}/survivor`: the record as stored (an audited view), in the form.
pub(crate) async fn edit_form<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = case_id(&id)?;
    // The form needs the record alone: none of the case's notes is opened for it.
    let view = haven
        .view_case_history(&auth, id, History::Newest(0))
        .await?;
    let may = writable(&haven, &auth, id).await?;
    if may == (false, false) {
        return Err(CoreError::Forbidden.into());
    }
    Ok(page(
        &haven,
        (t, &auth),
        id,
        may,
        values_of(&view.profile),
        None,
        StatusCode::OK,
    ))
}

/// `POST /cases/{id}/survivor`: saves the record and goes back to the case; refused input
/// shows the form again as typed.
pub(crate) async fn edit<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (csrf_sent, values) = intake_values(pairs);
    check_csrf(&auth, &csrf_sent)?;
    let id = case_id(&id)?;
    // Where the form cannot be shown again (the case is gone from view, a fault), the error
    // page hands back what was typed.
    let typed = typed_record("survivor", &values);
    let saved = match profile_from(&values) {
        Ok(profile) => haven.edit_survivor(&auth, id, &profile).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        // Refused input, or a record someone else saved meanwhile: the form again, as typed.
        Err(
            e @ (CoreError::InvalidInput { .. } | CoreError::Invalid(_) | CoreError::Conflict(_)),
        ) => {
            let status = client_status(&e).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let message = t.refusal(&e);
            let may = writable(&haven, &auth, id)
                .await
                .map_err(|e| PageError::Unsaved(e, typed))?;
            Ok(page(
                &haven,
                (t, &auth),
                id,
                may,
                values,
                Some(message),
                status,
            ))
        }
        Err(e) => Err(PageError::Unsaved(e, typed)),
    }
}
