//! The staff pages: sign-in, enrolment, home, staff administration, own account.

mod account;
mod admin;
mod session;

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
        .route(
            "/enrol",
            get(session::enrol_form::<S>).post(session::enrol::<S>),
        )
        .route("/admin/users", get(admin::list::<S>).post(admin::add::<S>))
        .route("/admin/users/disable", post(admin::disable::<S>))
        .route("/admin/users/reset-mfa", post(admin::reset_mfa::<S>))
        .route("/account", get(account::show::<S>))
        .route("/account/tokens/revoke", post(account::revoke_token::<S>))
        .route("/account/password", post(account::change_password::<S>))
}
