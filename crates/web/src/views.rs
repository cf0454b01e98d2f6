//! Page templates (askama, compiled in, auto-escaped) and how they become responses.

use crate::i18n::{Lang, Tr};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "something went wrong").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct Message<'a> {
    pub t: Tr,
    pub title: &'a str,
    pub message: &'a str,
    /// Free text a refused form carried, handed back to copy: (label, text).
    pub unsaved: Vec<(String, &'a str)>,
    /// A demo installation marks every page.
    pub demo: bool,
}

/// An error page by its message keys: English here, localised on the way out by
/// [`crate::i18n::localise_error_pages`].
pub fn error_page(
    status: StatusCode,
    title: &'static str,
    message: &'static str,
    detail: Option<String>,
) -> Response {
    crate::i18n::ErrorPage {
        detail,
        ..crate::i18n::ErrorPage::new(status, title, message)
    }
    .render(Tr(Lang::En))
}

/// The line a form shows when someone types into it after their session has ended.
#[derive(Template)]
#[template(path = "session_ended.html")]
pub struct SessionEnded {
    pub t: Tr,
}

/// What the signed-in navigation shows, the same on every staff page.
pub struct Nav {
    /// The staff administration link.
    pub is_admin: bool,
    /// A demo installation (`haven demo`) marks every page as synthetic.
    pub demo: bool,
    /// Seconds until the page first asks for the session's clock
    /// ([`crate::pages::session_clock`]).
    pub clock_after: i64,
}

/// The session's clock in the signed-in navigation: what it says, and when it asks again
/// (never, once the session has ended).
#[derive(Template)]
#[template(path = "session_clock.html")]
pub struct SessionClockView {
    pub t: Tr,
    pub csrf: String,
    pub ask_after: Option<i64>,
    pub state: ClockState,
}

pub enum ClockState {
    /// Nothing to say yet.
    Quiet,
    /// The session ends soon unless something is sent: the line saying when.
    Idle(String),
    /// The session reaches its absolute limit soon, which nothing moves: the line saying
    /// when.
    Limit(String),
    /// The session has ended; the sign-in page that comes back here.
    Ended(String),
    /// "Stay signed in" was pressed and nothing more is needed: said where the button was,
    /// taking its keyboard focus, then gone.
    Stayed,
}

impl ClockState {
    /// Said for a moment only.
    pub fn fades(&self) -> bool {
        matches!(self, Self::Stayed)
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct Login {
    pub t: Tr,
    pub csrf: String,
    /// Why the last attempt was refused, if it was.
    pub refused: Option<String>,
    /// The page to go back to after signing in, if the session ended on one.
    pub next: Option<String>,
    /// Demo installations only.
    pub demo: Vec<haven_core::auth::DemoAccount>,
}

#[derive(Template)]
#[template(path = "enrol.html")]
pub struct Enrol {
    pub t: Tr,
    pub csrf: String,
    pub secret: String,
    pub sealed: String,
    pub qr_svg: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery.html")]
pub struct Recovery {
    pub t: Tr,
    pub codes: Vec<String>,
}

pub struct CaseLine {
    pub id: String,
    pub pseudonym: String,
    pub status: String,
    pub flags: String,
}

pub struct DueLine {
    pub due: String,
    pub title: String,
    pub case_id: String,
    pub pseudonym: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct Home {
    pub t: Tr,
    pub csrf: String,
    pub nav: Nav,
    pub welcome: String,
    pub signed_in: String,
    pub must_change_password: bool,
    pub can_intake: bool,
    pub cases: Vec<CaseLine>,
    /// Where the page of older cases starts (none after the oldest).
    pub next: Option<String>,
    /// This page is not the newest.
    pub older: bool,
    pub tasks: Vec<DueLine>,
}

pub struct HitLine {
    pub pseudonym: String,
    pub cases: Vec<String>,
    /// Which field matched, in the reader's language.
    pub matched: String,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct Search {
    pub t: Tr,
    pub csrf: String,
    pub nav: Nav,
    pub searched: bool,
    pub hits: Vec<HitLine>,
    /// Some matches may be missing (more candidates than one search opens).
    pub incomplete: bool,
}

/// What the intake form holds, as typed, to show it again with its values.
#[derive(Default)]
pub struct IntakeValues {
    pub pseudonym: String,
    pub legal_name: String,
    /// Other names, one per line.
    pub aliases: String,
    pub date_of_birth: String,
    pub estimated_age: String,
    pub gender: String,
    pub nationality: String,
    pub nationality_region: String,
    /// Languages spoken, separated by commas.
    pub languages: String,
    pub interpreter_needed: bool,
    pub phone: String,
    pub email: String,
    pub safe_contact: String,
    pub exploitation: String,
    /// The trafficking types ticked, as sent (checked when the case is made).
    pub trafficking_types: Vec<String>,
    pub safety_risk: bool,
    pub immigration_sensitive: bool,
    /// "None of these is this person" was ticked.
    pub confirm_new: bool,
}

/// A choice in a `<select>`: the value sent and the label shown.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
}

/// A trafficking type (Polaris typology) as a checkbox, named in the reader's language.
pub struct TypeBox {
    pub number: u8,
    pub name: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "intake.html")]
pub struct Intake {
    pub t: Tr,
    pub csrf: String,
    pub nav: Nav,
    pub form: IntakeValues,
    pub exploitations: Vec<Choice>,
    pub genders: Vec<Choice>,
    pub regions: Vec<Choice>,
    pub trafficking: Vec<TypeBox>,
    /// Intake writes the whole record (the shared fields template asks).
    pub identity: bool,
    pub contact: bool,
    pub possible: Vec<HitLine>,
    pub error: Option<String>,
}

pub struct NoteLine {
    /// The category, named in the reader's language.
    pub category: String,
    pub when: String,
    /// Who wrote it (empty for a reader of another organisation).
    pub author: String,
    pub body: String,
}

pub struct TaskLine {
    pub id: String,
    pub title: String,
    pub due: String,
    /// Still to do and due before the reader's today.
    pub overdue: bool,
}

/// A goal of the case plan: id, title, status code.
pub struct GoalLine {
    pub id: String,
    pub title: String,
    pub status: &'static str,
}

/// The case plan on the case page ([`crate::pages::case_plan`]): what is open, and apart
/// from it what is finished.
pub struct PlanLines {
    pub open_tasks: Vec<TaskLine>,
    pub done_tasks: Vec<TaskLine>,
    pub open_goals: Vec<GoalLine>,
    pub closed_goals: Vec<GoalLine>,
    /// What the folded lists are called, with how many they hold.
    pub done_tasks_label: String,
    pub closed_goals_label: String,
}

/// The case's classification as a form: the exploitation choices and the one chosen, the
/// trafficking types, and the flags.
pub struct ClassificationForm {
    pub exploitations: Vec<Choice>,
    pub exploitation: String,
    pub types: Vec<TypeBox>,
    pub safety_risk: bool,
    pub immigration_sensitive: bool,
}

/// Editing the survivor record of a case: the form holds the record as stored; fields of a
/// category the editor may not write are shown read-only.
#[derive(Template)]
#[template(path = "survivor_edit.html")]
pub struct SurvivorEditPage {
    pub t: Tr,
    pub csrf: String,
    pub nav: Nav,
    pub id: String,
    pub form: IntakeValues,
    pub genders: Vec<Choice>,
    pub regions: Vec<Choice>,
    pub identity: bool,
    pub contact: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "case.html")]
pub struct Case {
    pub t: Tr,
    pub csrf: String,
    pub nav: Nav,
    pub id: String,
    pub pseudonym: String,
    pub status: String,
    pub flags: String,
    pub details: Vec<(String, String)>,
    /// The reader may edit the survivor record (identity or contact).
    pub can_edit_record: bool,
    pub notes: Vec<NoteLine>,
    /// Where older notes are left out: how many of how many are shown.
    pub notes_more: Option<String>,
    pub writable: Vec<Choice>,
    pub can_manage: bool,
    pub can_tasks: bool,
    /// The classification form, for an editor of the case who sees all of it.
    pub classification: Option<ClassificationForm>,
    /// Goals and tasks, open first.
    pub plan: PlanLines,
    pub timeline: Vec<(String, String)>,
    /// Where older timeline entries are left out: how many of how many are shown.
    pub timeline_more: Option<String>,
    pub protected_status: bool,
    /// The team: (user id, name).
    pub team: Vec<(String, String)>,
    pub sharing: SharingPanel,
    pub error: Option<String>,
    /// What a refused form sent, shown again in that form.
    pub typed: crate::pages::Typed,
}

pub struct UserLine {
    pub name: String,
    pub email: String,
    pub roles: String,
    pub enrolled: bool,
    pub disabled: bool,
    /// The reader's own row: its actions are the account page's, not an admin's.
    pub is_self: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct AdminUsers {
    pub t: Tr,
    pub csrf: String,
    pub nav: Nav,
    pub users: Vec<UserLine>,
    pub roles: Vec<&'static str>,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub one_time_password: Option<String>,
    /// A refused new account's form, as typed.
    pub typed: crate::pages::Typed,
}

pub struct TokenLine {
    pub name: String,
    pub id: String,
    pub created: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct Account {
    pub t: Tr,
    pub csrf: String,
    pub nav: Nav,
    pub tokens: Vec<TokenLine>,
    /// The chosen language code, empty when following the browser.
    pub chosen: String,
    pub languages: Vec<(&'static str, &'static str)>,
    /// The chosen time zone's name, empty for UTC (no choice).
    pub zone: String,
    /// The zones offered, by area; a zone chosen earlier that is not among them (an old
    /// spelling) comes first, in a group of its own.
    pub zones: Vec<(String, Vec<String>)>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

pub struct ConsentLine {
    pub id: String,
    pub org: String,
    /// The categories' codes (the page names them).
    pub categories: Vec<&'static str>,
    pub expires: String,
    pub state: &'static str,
    pub active: bool,
    pub has_scan: bool,
}

pub struct ReferralLine {
    pub id: String,
    pub case_id: String,
    pub pseudonym: String,
    pub service: String,
    pub org: String,
    pub state: &'static str,
    /// Why it was declined, or how it ended: a code of `reason_vocabulary`.
    pub reason: String,
    pub reason_vocabulary: &'static str,
    pub respond_by: String,
    pub overdue: bool,
    /// The receiver may open the record (a release is attached).
    pub shared: bool,
    pub note: String,
}

pub struct TransferLine {
    pub id: String,
    pub pseudonym: String,
    pub org: String,
    pub state: String,
    pub receiving: bool,
}

pub struct MessageLine {
    pub when: String,
    pub author: String,
    pub body: String,
}

/// The sharing part of the case page: releases, referrals, messages.
#[derive(Default)]
pub struct SharingPanel {
    pub consents: Vec<ConsentLine>,
    pub can_consent: bool,
    pub can_revoke: bool,
    pub can_add_adversary: bool,
    pub orgs: Vec<(String, String)>,
    pub categories: Vec<&'static str>,
    /// The codes a release's form offers: how consent was given, who gave it, and how a
    /// release was revoked.
    pub methods: Vec<&'static str>,
    pub signers: Vec<&'static str>,
    pub channels: Vec<&'static str>,
    pub referrals: Vec<ReferralLine>,
    pub can_refer: bool,
    pub services: Vec<(String, String)>,
    pub messages: Vec<MessageLine>,
    /// Where older messages are left out: how many of how many are shown.
    pub messages_more: Option<String>,
    pub can_message: bool,
    pub can_report: bool,
    pub can_request_meeting: bool,
    /// The end date a new release is offered with (today plus the policy's default).
    pub default_expiry: String,
}

#[derive(Template)]
#[template(path = "referrals.html")]
pub struct Referrals {
    pub t: Tr,
    pub csrf: String,
    pub nav: Nav,
    pub incoming: Vec<ReferralLine>,
    pub transfers: Vec<TransferLine>,
    pub is_liaison: bool,
    pub services: Vec<(String, String)>,
    pub decline_reasons: Vec<&'static str>,
    pub outcomes: Vec<&'static str>,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// What a refused intake referral sent, shown again in its form.
    pub typed: crate::pages::Typed,
}

pub struct AccessLine {
    pub when: String,
    pub org: String,
    pub person: String,
    /// What was opened, and the categories seen: codes the page names.
    pub what: &'static str,
    pub categories: Vec<&'static str>,
    pub basis: String,
}

#[derive(Template)]
#[template(path = "access_report.html")]
pub struct AccessReportPage {
    pub t: Tr,
    pub csrf: String,
    pub nav: Nav,
    pub case_id: String,
    pub pseudonym: String,
    pub generated: String,
    pub lines: Vec<AccessLine>,
}
