//! The staff pages: sign-in, enrolment, home, staff administration, own account.

mod account;
mod admin;
mod case_changes;
mod case_plan;
mod cases;
mod classification;
mod form;
mod intake;
mod referrals;
mod session;
pub(crate) mod session_clock;
mod sharing;
mod survivor_edit;
mod typed;

pub use typed::Typed;

use axum::Router;
use axum::routing::{get, post};
use haven_core::Haven;
use haven_store::Store;

pub(crate) fn routes<S: Store>() -> Router<Haven<S>> {
    Router::new()
        .route("/", get(session::home::<S>))
        .route(
            "/login",
            get(session::login_form::<S>).post(session::login::<S>),
        )
        .route("/logout", post(session::logout::<S>))
        .route("/session/keep-alive", post(session::keep_alive))
        .route(
            "/session/clock",
            get(session_clock::show::<S>).post(session_clock::stay::<S>),
        )
        .route(
            "/enrol",
            get(session::enrol_form::<S>).post(session::enrol::<S>),
        )
        .route("/admin/users", get(admin::list::<S>).post(admin::add::<S>))
        .route("/admin/users/disable", post(admin::disable::<S>))
        .route("/admin/users/reset-mfa", post(admin::reset_mfa::<S>))
        .route(
            "/admin/users/reset-password",
            post(admin::reset_password::<S>),
        )
        .route("/account", get(account::show::<S>))
        .route("/account/tokens/revoke", post(account::revoke_token::<S>))
        .route("/account/password", post(account::change_password::<S>))
        .route("/account/language", post(account::set_language::<S>))
        .route("/account/time-zone", post(account::set_time_zone::<S>))
        .route(
            "/search",
            get(intake::search_form::<S>).post(intake::search::<S>),
        )
        .route(
            "/intake",
            get(intake::intake_form::<S>).post(intake::intake::<S>),
        )
        .route(
            "/cases/{id}/classification",
            post(classification::classify::<S>),
        )
        .route(
            "/cases/{id}/survivor",
            get(survivor_edit::edit_form::<S>).post(survivor_edit::edit::<S>),
        )
        .route("/cases/{id}", get(cases::show::<S>))
        .route("/cases/{id}/notes", post(case_changes::add_note::<S>))
        .route("/cases/{id}/team", post(case_changes::add_member::<S>))
        .route(
            "/cases/{id}/team/remove",
            post(case_changes::remove_member::<S>),
        )
        .route("/cases/{id}/status", post(case_changes::change_status::<S>))
        .route("/cases/{id}/tasks", post(case_changes::add_task::<S>))
        .route("/cases/{id}/goals", post(case_changes::add_goal::<S>))
        .route(
            "/cases/{id}/goals/{goal}/status",
            post(case_changes::set_goal_status::<S>),
        )
        .route(
            "/cases/{id}/tasks/{task}/done",
            post(case_changes::complete_task::<S>),
        )
        .route("/cases/{id}/consents", post(sharing::record_consent::<S>))
        .route(
            "/cases/{id}/consents/{consent}/revoke",
            post(sharing::revoke_consent::<S>),
        )
        .route("/cases/{id}/adversaries", post(sharing::add_adversary::<S>))
        .route("/cases/{id}/referrals", post(sharing::refer::<S>))
        .route("/cases/{id}/messages", post(sharing::send_message::<S>))
        .route(
            "/cases/{id}/access-report",
            get(sharing::access_report::<S>),
        )
        .route(
            "/cases/{id}/meeting-requests",
            post(sharing::request_meeting::<S>),
        )
        .route(
            "/cases/{id}/transfers",
            post(sharing::propose_transfer::<S>),
        )
        .route(
            "/transfers/{id}/decision",
            post(referrals::decide_transfer::<S>),
        )
        .route("/referrals", get(referrals::incoming::<S>))
        .route("/referrals/intake", post(referrals::refer_intake::<S>))
        .route("/referrals/{id}/moves", post(referrals::move_referral::<S>))
}
