//! The pages' languages: English or Spanish by the browser or the person's choice, for
//! pages, error pages and the reasons a form was refused.

use crate::support::*;
use axum::http::StatusCode;
use haven_domain::access::Role;

on_both_stores!(
    pages_speak_spanish_by_browser_or_by_choice,
    refused_input_is_explained_in_the_readers_language,
    a_case_in_spanish_names_its_codes_in_spanish,
    the_staff_page_reports_what_was_done_in_the_admins_language,
);

/// The signed-in person chooses a language on their account page.
async fn choose<S: Store>(app: &App<S>, session: &str, csrf: &str, language: &str) {
    let chosen = app
        .post_form(
            "/account/language",
            Some(session),
            &[("csrf", csrf), ("language", language)],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
}

async fn pages_speak_spanish_by_browser_or_by_choice<S: Store>(app: App<S>) {
    let req = axum::http::Request::get("/login")
        .header("accept-language", "es-MX,es;q=0.9,en;q=0.5")
        .body(axum::body::Body::empty())
        .unwrap();
    let page = app.send(req).await;
    assert!(
        page.body.contains("<html lang=\"es\">") && page.body.contains("Iniciar sesión"),
        "Spanish by Accept-Language"
    );
    assert!(
        app.get("/login", None).await.body.contains("Sign in"),
        "English otherwise"
    );
    let req = axum::http::Request::get("/no-such-page")
        .header("accept-language", "es-ES,es;q=0.9")
        .body(axum::body::Body::empty())
        .unwrap();
    let page = app.send(req).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.body.contains("No encontrado"),
        "error pages follow the browser too"
    );
    assert!(
        app.get("/no-such-page", None)
            .await
            .body
            .contains("Not found"),
        "English otherwise"
    );

    let PageUser {
        session: s, csrf, ..
    } = app
        .page_user(app.org_a, "es@example.org", &[Role::CaseManager])
        .await;
    choose(&app, &s, &csrf, "es").await;
    let home = app.get("/", Some(&s)).await;
    assert!(
        home.body.contains("Mis casos") && home.body.contains("Cerrar sesión"),
        "the person's choice wins"
    );
    // Error pages too: the not-found page in the chosen language, status and headers kept.
    let missing = app
        .get("/cases/00000000-0000-4000-8000-000000000000", Some(&s))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("No encontrado"), "{}", missing.body);
    assert!(missing.headers.contains_key("content-security-policy"));
    assert_eq!(
        app.post_form(
            "/account/language",
            Some(&s),
            &[("csrf", &csrf), ("language", "fr")]
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.post_form(
        "/account/language",
        Some(&s),
        &[("csrf", &csrf), ("language", "")],
    )
    .await;
    assert!(
        app.get("/", Some(&s)).await.body.contains("My cases"),
        "back to following the browser"
    );
}

/// A refused form is explained in the reader's language: the core's reason, rendered from
/// its Fluent message, with the field named as that language names it.
async fn refused_input_is_explained_in_the_readers_language<S: Store>(app: App<S>) {
    let PageUser {
        session: s, csrf, ..
    } = app
        .page_user(app.org_a, "idioma@example.org", &[Role::CaseManager])
        .await;
    let intake = |pairs: Vec<(&'static str, String)>| {
        let (app, s, csrf) = (&app, s.clone(), csrf.clone());
        async move {
            let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
            form.extend(pairs.iter().map(|(k, v)| (*k, v.as_str())));
            app.post_form("/intake", Some(&s), &form).await
        }
    };
    let future_birth = || {
        vec![
            ("pseudonym", "Luz".to_owned()),
            ("date_of_birth", "2999-01-01".to_owned()),
        ]
    };
    let r = intake(future_birth()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("a date of birth cannot be in the future"));

    choose(&app, &s, &csrf, "es").await;
    let r = intake(future_birth()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("la fecha de nacimiento no puede ser futura"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("cannot be in the future"));
    let r = intake(vec![
        ("pseudonym", "Luz".to_owned()),
        ("legal_name", "x".repeat(501)),
    ])
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("el nombre legal tiene más de 500 caracteres"),
        "a field error names the field in Spanish: {}",
        r.body
    );
    let r = app
        .post_form(
            "/account/password",
            Some(&s),
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", "corta"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("la contraseña debe tener al menos 12 caracteres"),
        "password rules too: {}",
        r.body
    );
}

/// A case read in Spanish names its coded values in Spanish too: the exploitation and
/// trafficking types on the forms, the status and flags on the case and the dashboard, and
/// the notes' categories. The values sent stay the codes.
async fn a_case_in_spanish_names_its_codes_in_spanish<S: Store>(app: App<S>) {
    let PageUser {
        session: s, csrf, ..
    } = app
        .page_user(app.org_a, "caso@example.org", &[Role::CaseManager])
        .await;
    choose(&app, &s, &csrf, "es").await;

    let form = app.get("/intake", Some(&s)).await.body;
    assert!(
        form.contains("> 5. Trabajo doméstico</label>")
            && form.contains("<option value=\"labour\">Laboral</option>"),
        "{form}"
    );
    assert!(!form.contains("Domestic work"), "no English type names");

    let r = app
        .post_form(
            "/intake",
            Some(&s),
            &[
                ("csrf", &csrf),
                ("pseudonym", "Luz"),
                ("exploitation", "labour"),
                ("trafficking_type", "5"),
                ("safety_risk", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let case_url = r.location().unwrap_or_default().to_owned();
    // A note, a task and the classification saved again, for the notes and the timeline.
    let changes: [(&str, &[(&str, &str)]); 3] = [
        (
            "notes",
            &[
                ("category", "safety"),
                ("body", "Cambiar de ruta al trabajo"),
            ],
        ),
        (
            "tasks",
            &[("title", "Llamar al albergue"), ("due_on", "2030-01-15")],
        ),
        (
            "classification",
            &[
                ("exploitation", "labour"),
                ("trafficking_type", "5"),
                ("safety_risk", "on"),
            ],
        ),
    ];
    for (part, fields) in changes {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let added = app
            .post_form(&format!("{case_url}/{part}"), Some(&s), &form)
            .await;
        assert_eq!(
            added.status,
            StatusCode::SEE_OTHER,
            "{part}: {}",
            added.body
        );
    }

    let page = app.get(&case_url, Some(&s)).await.body;
    for spanish in [
        "<strong id=\"case-status\">abierto</strong>",
        "riesgo para la seguridad",
        "<span class=\"tag\">seguridad</span>",
        "<option value=\"safety\">seguridad</option>",
        "<option value=\"labour\" selected>Laboral</option>",
        "<option value=\"closed\">cerrado</option>",
        "value=\"5\" checked> 5. Trabajo doméstico",
        "<dd>Laboral</dd>",
        "5. Trabajo doméstico</dd>",
        "<option value=\"signed_form\">formulario firmado</option>",
        "<option value=\"minor_and_guardian\">la persona menor y su tutor</option>",
        "> identidad</label>",
        "<option value=\"recruiter\">reclutador</option>",
        "nota: seguridad</li>",
        "abierto: ingreso</li>",
        "clasificación: relato, seguridad, migración</li>",
        "tarea: añadida</li>",
    ] {
        assert!(page.contains(spanish), "{spanish} missing: {page}");
    }
    let report = app
        .get(&format!("{case_url}/access-report"), Some(&s))
        .await
        .body;
    assert!(
        report.contains("<td>caso</td><td>caso, identidad")
            && report.contains("<td>en el equipo del caso</td>"),
        "what was opened, its categories and on what basis, in Spanish: {report}"
    );
    let home = app.get("/", Some(&s)).await.body;
    assert!(
        home.contains("<td>abierto</td><td>riesgo para la seguridad</td>")
            && home.contains("<nav aria-label=\"Principal\">"),
        "{home}"
    );
}

async fn the_staff_page_reports_what_was_done_in_the_admins_language<S: Store>(app: App<S>) {
    let PageUser {
        session: s, csrf, ..
    } = app
        .page_user(app.org_a, "admin.es@example.org", &[Role::Admin])
        .await;
    choose(&app, &s, &csrf, "es").await;
    let added = app
        .post_form(
            "/admin/users",
            Some(&s),
            &[
                ("csrf", &csrf),
                ("display_name", "Lucía"),
                ("email", "lucia@example.org"),
                ("role", "case_manager"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert!(added.body.contains("Cuenta añadida."), "{}", added.body);
    for (path, spanish) in [
        (
            "/admin/users/reset-password",
            "Nueva contraseña de un solo uso",
        ),
        ("/admin/users/reset-mfa", "Segundo factor eliminado"),
        ("/admin/users/disable", "Cuenta desactivada"),
    ] {
        let done = app
            .post_form(
                path,
                Some(&s),
                &[("csrf", &csrf), ("email", "lucia@example.org")],
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{path}: {}", done.body);
        assert!(
            done.body.contains(spanish) && !done.body.contains("sessions and tokens"),
            "{path}: {}",
            done.body
        );
    }
}
