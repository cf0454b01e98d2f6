//! The pages' languages: English and Spanish, in Fluent message files compiled into the
//! binary (`locales/`). A signed-in person's choice wins; otherwise the browser's
//! `Accept-Language`; otherwise English.

use axum::extract::FromRequestParts;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en-US",
        // No Unicode isolation marks around arguments: the pages are plain HTML.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's own name, for the chooser.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Lang::En => langid!("en-US"),
            Lang::Es => langid!("es"),
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The first language of an `Accept-Language` header, by weight, that Haven speaks.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut choices: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim().to_ascii_lowercase();
                let q = pieces
                    .find_map(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .and_then(|q| q.parse::<f32>().ok())
                    })
                    .unwrap_or(1.0);
                let primary = tag.split('-').next()?;
                Lang::from_code(primary).map(|l| (q, l))
            })
            .collect();
        choices.sort_by(|a, b| b.0.total_cmp(&a.0));
        choices.first().map(|(_, l)| *l)
    }
}

/// Translations for one response.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(&self.0.id(), key)
    }

    pub fn t_args(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES.lookup_with_args(&self.0.id(), key, &map)
    }

    /// The label of a coded value (`prefix-value` in the message files), or the code itself
    /// where no message names it.
    pub fn label(&self, prefix: &str, value: &str) -> String {
        LOCALES
            .try_lookup(&self.0.id(), &format!("{prefix}-{value}"))
            .unwrap_or_else(|| value.to_owned())
    }

    /// Several coded values' labels, separated by commas.
    pub fn labels(&self, prefix: &str, codes: &[&str]) -> String {
        codes
            .iter()
            .map(|c| self.label(prefix, c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn lang(&self) -> &'static str {
        self.0.code()
    }

    /// A refused request's message in this language: the core's reason where it names one
    /// (refused input), else the error's English text.
    pub fn refusal(&self, e: &haven_core::CoreError) -> String {
        e.problem()
            .map(|p| p.text(self.lang()))
            .unwrap_or_else(|| e.to_string())
    }

    /// The person's choice, else the browser's.
    pub fn pick(chosen: Option<&str>, browser: Locale) -> Tr {
        Tr(chosen.and_then(Lang::from_code).unwrap_or(browser.0))
    }
}

/// The language a signed-in person chose, recorded by the sign-in extractor for the
/// error-page localiser ([`localise_error_pages`]), which runs after the handler.
#[derive(Debug, Clone, Default)]
pub struct ChosenLang(std::sync::Arc<std::sync::OnceLock<Lang>>);

impl ChosenLang {
    pub fn set(&self, lang: Lang) {
        let _ = self.0.set(lang);
    }
}

/// An error page, by its message keys: rendered in English where it is made (the request's
/// language is not known there), and again in the request's language on the way out.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: axum::http::StatusCode,
    pub title: &'static str,
    pub message: &'static str,
    /// Text shown as is under the message (a validation message, a reference).
    pub detail: Option<String>,
    /// Why input was refused, shown under the message in the page's language (in place
    /// of `detail`).
    pub problem: Option<haven_core::problem::Problem>,
    /// What the refused form carried, handed back to copy (the form is not shown again).
    pub unsaved: crate::pages::Typed,
    /// A demo installation (`haven demo`) marks its error pages as it marks every page.
    pub demo: bool,
}

impl ErrorPage {
    pub fn new(status: axum::http::StatusCode, title: &'static str, message: &'static str) -> Self {
        Self {
            status,
            title,
            message,
            detail: None,
            problem: None,
            unsaved: Default::default(),
            demo: false,
        }
    }

    /// The page for input refused, or a change refused as a race (409), where no form can
    /// show it again: why, in the reader's language where the core names a reason.
    pub fn refusal(status: axum::http::StatusCode, e: &haven_core::CoreError) -> Self {
        let problem = e.problem();
        let (title, message) = if status == axum::http::StatusCode::CONFLICT {
            ("error-changed-meanwhile", "error-changed-meanwhile-body")
        } else {
            ("error-check-input", "error-check-input-body")
        };
        Self {
            detail: problem.is_none().then(|| e.to_string()),
            problem,
            ..Self::new(status, title, message)
        }
    }

    pub fn render(&self, t: Tr) -> axum::response::Response {
        let mut message = t.t(self.message);
        let detail = match &self.problem {
            Some(p) => Some(p.text(t.lang())),
            None => self.detail.clone(),
        };
        if let Some(d) = detail {
            message = format!("{message} {d}");
        }
        let title = t.t(self.title);
        let unsaved: Vec<(String, &str)> = self
            .unsaved
            .texts()
            .iter()
            .map(|(label, text)| (t.t(label), text.as_str()))
            .collect();
        let mut response = crate::views::render(
            self.status,
            &crate::views::Message {
                t,
                title: &title,
                message: &message,
                unsaved,
                demo: self.demo,
            },
        );
        response.extensions_mut().insert(self.clone());
        response
    }
}

/// Renders error pages in the signed-in person's language, else the browser's, and on a
/// demo installation (`demo`) with its DEMO tag.
pub async fn localise_error_pages(
    axum::extract::State(demo): axum::extract::State<bool>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let browser = req
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or(Lang::En);
    let chosen = ChosenLang::default();
    req.extensions_mut().insert(chosen.clone());
    let response = next.run(req).await;
    let lang = chosen.0.get().copied().unwrap_or(browser);
    match response.extensions().get::<ErrorPage>() {
        Some(page) if lang != Lang::En || demo => {
            let page = ErrorPage {
                demo,
                ..page.clone()
            };
            let mut localised = page.render(Tr(lang));
            for (name, value) in response.headers() {
                if name != axum::http::header::CONTENT_LENGTH
                    && name != axum::http::header::CONTENT_TYPE
                {
                    localised.headers_mut().insert(name.clone(), value.clone());
                }
            }
            localised
        }
        _ => response,
    }
}

/// The browser's preferred language, from `Accept-Language`.
#[derive(Debug, Clone, Copy)]
pub struct Locale(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for Locale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = parts
            .headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language)
            .unwrap_or(Lang::En);
        Ok(Locale(lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_heaviest_language_haven_speaks() {
        assert_eq!(
            Lang::from_accept_language("es-MX,es;q=0.9,en;q=0.8"),
            Some(Lang::Es)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.5, es;q=0.7"),
            Some(Lang::Es)
        );
        assert_eq!(Lang::from_accept_language("de"), None);
    }

    #[test]
    fn coded_values_are_labelled_and_the_polaris_names_are_the_vocabularys() {
        use haven_domain::case::TraffickingType;
        for k in TraffickingType::all() {
            let number = k.number().to_string();
            assert_eq!(Tr(Lang::En).label("polaris-type", &number), k.name());
            assert_ne!(Tr(Lang::Es).label("polaris-type", &number), number);
        }
        assert_eq!(Tr(Lang::Es).label("polaris-type", "5"), "Trabajo doméstico");
        assert_eq!(
            Tr(Lang::Es).label("case-status", "suspended"),
            "suspended",
            "a code without a message is shown as it is"
        );
    }

    /// Every code a page shows through [`Tr::label`] has a message (and so, by the test
    /// below, a Spanish one): a new variant without one would show its raw code.
    #[test]
    fn every_coded_value_a_page_shows_has_a_label() {
        use haven_domain::DataCategory;
        use haven_domain::access::Role;
        use haven_domain::case::{CaseStatus, ExploitationType, GoalStatus, NoteCategory};
        use haven_domain::consent::{ConsentMethod, RevocationChannel, Signer};
        use haven_domain::referral::{DeclineReason, Outcome, ReferralState};
        use haven_domain::survivor::{Gender, Region};
        fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
            all.iter().map(|v| code(*v)).collect()
        }
        let vocabularies = [
            ("case-status", codes(CaseStatus::ALL, CaseStatus::as_str)),
            (
                "exploitation",
                codes(ExploitationType::ALL, ExploitationType::as_str),
            ),
            ("goal-status", codes(GoalStatus::ALL, GoalStatus::as_str)),
            (
                "note-category",
                codes(NoteCategory::ALL, NoteCategory::as_str),
            ),
            (
                "data-category",
                codes(&DataCategory::ALL, DataCategory::as_str),
            ),
            (
                "consent-method",
                codes(ConsentMethod::ALL, ConsentMethod::as_str),
            ),
            ("signer", codes(Signer::ALL, Signer::as_str)),
            (
                "revocation",
                codes(RevocationChannel::ALL, RevocationChannel::as_str),
            ),
            (
                "referral-state",
                codes(ReferralState::ALL, ReferralState::as_str),
            ),
            (
                "decline-reason",
                codes(DeclineReason::ALL, DeclineReason::as_str),
            ),
            ("outcome", codes(Outcome::ALL, Outcome::as_str)),
            ("role", codes(Role::ALL, Role::as_str)),
            ("gender", codes(Gender::ALL, Gender::as_str)),
            ("region", codes(Region::ALL, Region::as_str)),
            // The access report: what was opened, and on what basis.
            ("opened", haven_core::sharing::OPENINGS.to_vec()),
            // Search results: which field matched.
            (
                "matched-field",
                haven_core::cases::matched_fields().collect(),
            ),
            (
                "basis",
                [
                    &haven_core::access::BASES[..],
                    &[haven_core::sharing::UNRECORDED],
                ]
                .concat(),
            ),
        ];
        for (prefix, codes) in vocabularies {
            for code in codes {
                assert!(
                    LOCALES
                        .try_lookup(&Lang::En.id(), &format!("{prefix}-{code}"))
                        .is_some(),
                    "no message {prefix}-{code}"
                );
            }
        }
    }

    #[test]
    fn every_english_message_has_a_spanish_one() {
        let en = include_str!("../locales/en-US/haven.ftl");
        let es = include_str!("../locales/es/haven.ftl");
        let keys = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| !l.starts_with('#') && l.contains(" = "))
                .filter_map(|l| l.split(" = ").next().map(str::to_owned))
                .collect()
        };
        assert_eq!(keys(en), keys(es));
        assert_eq!(Tr(Lang::Es).t("sign-out"), "Cerrar sesión");
        assert_eq!(
            Tr(Lang::En).t_args("welcome", &[("name", "Ana".into())]),
            "Welcome, Ana"
        );
    }
}
