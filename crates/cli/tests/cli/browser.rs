//! A real browser against a real `haven serve`: headless Chromium driven through
//! chromedriver (Debian's packages; `.ci/run` installs them). Enrol a second factor, sign
//! in, sign out, and the old session cookie no longer works.
//!
//! Skipped when chromedriver is missing, unless `HAVEN_REQUIRE_BROWSER=1` (CI sets it).

use crate::chromium::{
    browser_available, fill_sign_in, next_totp_step, sign_in, sign_out, start_browser, unix_now,
    wait_for, wait_for_text,
};
use crate::serve::{get_with_cookie, serve};
use crate::support::*;
use fantoccini::Locator;

/// Adds an organisation with `haven org add` and returns its id.
pub(crate) fn org_add(install: &Install, name: &str, kind: &str) -> String {
    let out = run(&[
        "org",
        "add",
        "--data-dir",
        install.arg(),
        "--name",
        name,
        "--kind",
        kind,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrol_sign_in_sign_out_and_the_old_cookie_is_dead() -> TestResult {
    if !browser_available() {
        return Ok(());
    }
    let install = Install::new();
    org_add(&install, "Harbour Light NGO", "ngo");
    let password = add_user(
        &install,
        "Harbour Light NGO",
        "cm@example.org",
        "case_manager",
    );

    let (_server, addr) = serve(&install)?;

    let (c, _driver, _profile) = start_browser().await?;
    let base = format!("http://{addr}");

    let outcome: TestResult = async {
        // First sign-in: password only, straight to enrolment.
        c.goto(&format!("{base}/login")).await?;
        c.find(Locator::Id("email"))
            .await?
            .send_keys("cm@example.org")
            .await?;
        c.find(Locator::Id("password"))
            .await?
            .send_keys(&password)
            .await?;
        c.find(Locator::Css("form[action='/login'] button"))
            .await?
            .click()
            .await?;
        let secret = base32_decode(&wait_for(&c, Locator::Id("secret")).await?.text().await?);
        assert!(c.current_url().await?.path().ends_with("/enrol"));
        let code = haven_crypto::totp::code(&secret, unix_now()).ok_or("code")?;
        c.find(Locator::Id("code")).await?.send_keys(&code).await?;
        c.find(Locator::Css("form[action='/enrol'] button"))
            .await?
            .click()
            .await?;
        wait_for(&c, Locator::Id("recovery-codes")).await?;
        c.find(Locator::LinkText("Continue")).await?.click().await?;
        assert!(
            wait_for(&c, Locator::Id("whoami"))
                .await?
                .text()
                .await?
                .contains("Harbour Light NGO")
        );
        c.find(Locator::Css("form[action='/logout'] button"))
            .await?
            .click()
            .await?;
        wait_for(&c, Locator::Css("form[action='/login']")).await?;

        // Sign in with the authenticator: a code of the next time step (the enrolment used this one).
        next_totp_step().await;
        let code = haven_crypto::totp::code(&secret, unix_now()).ok_or("code")?;
        c.find(Locator::Id("email"))
            .await?
            .send_keys("cm@example.org")
            .await?;
        c.find(Locator::Id("password"))
            .await?
            .send_keys(&password)
            .await?;
        c.find(Locator::Id("code")).await?.send_keys(&code).await?;
        c.find(Locator::Css("form[action='/login'] button"))
            .await?
            .click()
            .await?;
        assert!(
            wait_for(&c, Locator::Id("whoami"))
                .await?
                .text()
                .await?
                .contains("case manager")
        );
        let cookie = c.get_named_cookie("__Host-haven_session").await?;
        let old = cookie.value().to_owned();
        assert!(cookie.http_only().unwrap_or(false) && cookie.secure().unwrap_or(false));
        let (status, _, _) = get_with_cookie(&addr, "/", &format!("__Host-haven_session={old}"))?;
        assert_eq!(status, 200, "the cookie works while signed in");

        c.find(Locator::Css("form[action='/logout'] button"))
            .await?
            .click()
            .await?;
        wait_for(&c, Locator::Css("form[action='/login']")).await?;
        let (status, headers, _) =
            get_with_cookie(&addr, "/", &format!("__Host-haven_session={old}"))?;
        assert_eq!(status, 303, "the old cookie no longer works");
        assert!(
            headers
                .iter()
                .any(|(k, v)| k == "location" && v == "/login")
        );
        Ok(())
    }
    .await;
    let _ = c.close().await;
    outcome
}

/// Enrols `email` in-process and returns its TOTP secret.
pub(crate) async fn enrol(
    install: &Install,
    email: &str,
    password: &str,
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let haven = install.open().await;
    let session = haven.login(email, password, "").await?;
    let auth = haven.authenticate_session(&session.token).await?;
    let e = haven.begin_totp(&auth)?;
    let secret = base32_decode(&e.secret_base32);
    haven
        .confirm_totp(
            &auth,
            &e.sealed,
            &haven_crypto::totp::code(&secret, unix_now()).ok_or("code")?,
        )
        .await?;
    haven.store().close().await;
    Ok(secret)
}

/// Adds and enrols each of `people` (organisation, email, role); returns each one's email,
/// password and TOTP secret once their sign-in codes are fresh (enrolment used this time
/// step's).
pub(crate) async fn enrolled<'a>(
    install: &Install,
    people: &[(&str, &'a str, &str)],
) -> Result<Vec<(&'a str, String, Vec<u8>)>, Box<dyn std::error::Error>> {
    let mut accounts = Vec::new();
    for &(org, email, role) in people {
        let password = add_user(install, org, email, role);
        let secret = enrol(install, email, &password).await?;
        accounts.push((email, password, secret));
    }
    next_totp_step().await;
    Ok(accounts)
}

pub(crate) fn add_user(install: &Install, org: &str, email: &str, role: &str) -> String {
    let out = run(&[
        "user",
        "add",
        "--data-dir",
        install.arg(),
        "--org",
        org,
        "--email",
        email,
        "--role",
        role,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_search_and_a_psychotherapy_note_only_the_team_clinician_reads() -> TestResult {
    if !browser_available() {
        return Ok(());
    }
    let install = Install::new();
    for (name, kind) in [
        ("Harbour Light NGO", "ngo"),
        ("Northside Clinic", "clinic"),
        ("Metro Police", "law_enforcement"),
    ] {
        org_add(&install, name, kind);
    }
    let people = [
        ("Harbour Light NGO", "cm@harbour.example", "case_manager"),
        ("Harbour Light NGO", "clin@harbour.example", "clinician"),
        ("Northside Clinic", "cm@northside.example", "case_manager"),
        ("Metro Police", "liaison@police.example", "le_liaison"),
    ];
    let accounts = enrolled(&install, &people).await?;

    let (_server, addr) = serve(&install)?;
    let (c, _driver, _profile) = start_browser().await?;
    let base = format!("http://{addr}");

    let outcome: TestResult = async {
        let [
            (cm, cm_pw, cm_secret),
            (clin, clin_pw, clin_secret),
            (other, other_pw, other_secret),
            (le, le_pw, le_secret),
        ] = &accounts[..]
        else {
            return Err("four accounts".into());
        };
        // The case manager takes in a survivor with a legal name.
        sign_in(&c, &base, cm, cm_pw, cm_secret).await?;
        c.find(Locator::LinkText("New intake"))
            .await?
            .click()
            .await?;
        wait_for(&c, Locator::Id("pseudonym"))
            .await?
            .send_keys("Ana")
            .await?;
        c.find(Locator::Id("legal_name"))
            .await?
            .send_keys("María López")
            .await?;
        c.find(Locator::Css("form[action='/intake'] button"))
            .await?
            .click()
            .await?;
        assert_eq!(
            wait_for(&c, Locator::Id("case-title"))
                .await?
                .text()
                .await?,
            "Ana"
        );
        let case_url = c.current_url().await?.to_string();
        assert!(
            !case_url.contains("Ana") && !case_url.to_lowercase().contains("lopez"),
            "no personal data in the URL"
        );
        c.find(Locator::Id("member")).await?.send_keys(clin).await?;
        c.find(Locator::Css("form[action$='/team'] button"))
            .await?
            .click()
            .await?;
        // The form swaps the case block; leaving before its answer could cancel it.
        wait_for_text(&c, "team", clin).await?;

        // She tells the case manager which languages she speaks: the record is edited on its
        // own page (a link out of the boosted case block) and the case page shows it.
        c.goto(&case_url).await?;
        wait_for(&c, Locator::Id("edit-record"))
            .await?
            .click()
            .await?;
        wait_for(&c, Locator::Id("languages"))
            .await?
            .send_keys("Spanish, Quechua")
            .await?;
        c.find(Locator::Css("form[action$='/survivor'] button"))
            .await?
            .click()
            .await?;
        wait_for_text(&c, "details", "Spanish, Quechua").await?;
        // A safety risk comes to light: the classification form, boosted, swaps the case block.
        c.find(Locator::Css("#classification input[name='safety_risk']"))
            .await?
            .click()
            .await?;
        c.find(Locator::Css("#classification button"))
            .await?
            .click()
            .await?;
        wait_for_text(&c, "case-main", "safety risk").await?;
        // A status change the lifecycle refuses comes back, through the swap, as it was
        // typed: the status chosen and the reason written are still in the form.
        c.execute(
            "document.getElementById('new-status').value = 'open';",
            vec![],
        )
        .await?;
        c.find(Locator::Id("reason"))
            .await?
            .send_keys("Back from hospital")
            .await?;
        c.find(Locator::Css("form[action$='/status'] button"))
            .await?
            .click()
            .await?;
        wait_for_text(&c, "case-main", "cannot move from open to open").await?;
        let reason = c.find(Locator::Id("reason")).await?.prop("value").await?;
        let chosen = c.find(Locator::Id("new-status")).await?.prop("value").await?;
        assert_eq!(
            (reason.as_deref(), chosen.as_deref()),
            (Some("Back from hospital"), Some("open")),
            "the refused form as typed"
        );
        // Typing a note tells the server someone is there (at most once a minute), so a note
        // written for longer than the idle timeout does not lose its session.
        c.execute(
            "window.keptAlive = 0; document.body.addEventListener('htmx:afterRequest', \
             function (e) { if (e.detail.pathInfo.requestPath === '/session/keep-alive' \
             && e.detail.successful) { window.keptAlive += 1; } });",
            vec![],
        )
        .await?;
        c.find(Locator::Id("note-body"))
            .await?
            .send_keys("She asked ")
            .await?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while c.execute("return window.keptAlive;", vec![]).await? != serde_json::json!(1) {
            assert!(
                std::time::Instant::now() < deadline,
                "typing sent no keep-alive"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // A refused form (here a stale CSRF token) shows its refusal in place of the page,
        // not nothing.
        c.execute(
            "document.querySelector(\"form[action$='/notes'] input[name='csrf']\").value = 'stale';",
            vec![],
        )
        .await?;
        c.find(Locator::Id("note-body"))
            .await?
            .send_keys("Sent with an old form")
            .await?;
        c.find(Locator::Css("form[action$='/notes'] button"))
            .await?
            .click()
            .await?;
        wait_for_text(&c, "main", "Form expired").await?;

        // … and finds her again by a misspelt name.
        c.goto(&format!("{base}/search")).await?;
        wait_for(&c, Locator::Id("q"))
            .await?
            .send_keys("Maria Lopes")
            .await?;
        c.find(Locator::Css("form[action='/search'] button"))
            .await?
            .click()
            .await?;
        wait_for(&c, Locator::Id("results")).await?;
        c.find(Locator::LinkText("Ana")).await?.click().await?;
        assert_eq!(
            wait_for(&c, Locator::Id("case-title"))
                .await?
                .text()
                .await?,
            "Ana"
        );
        assert!(
            !c.current_url().await?.to_string().contains("Lopes"),
            "the query stays out of the URL"
        );
        sign_out(&c).await?;

        // The clinician on the team writes a psychotherapy note and reads it.
        sign_in(&c, &base, clin, clin_pw, clin_secret).await?;
        c.goto(&case_url).await?;
        wait_for(&c, Locator::Id("note-body"))
            .await?
            .send_keys("Session one: sleep is poor.")
            .await?;
        c.find(Locator::Css("#note-category option[value='psychotherapy']"))
            .await?
            .click()
            .await?;
        c.find(Locator::Css("form[action$='/notes'] button"))
            .await?
            .click()
            .await?;
        let notes = wait_for_text(&c, "notes", "Session one: sleep is poor.").await?;
        assert!(notes.contains("psychotherapy"), "{notes}");

        // Her session ends (the cookie is gone, as after a timeout) while the case is open.
        // Typing says so beside the form, and what she typed stays there to be copied…
        c.delete_cookie("__Host-haven_session").await?;
        c.find(Locator::Id("note-body"))
            .await?
            .send_keys("Written after the session ended")
            .await?;
        let ended = wait_for(&c, Locator::Css(".session-ended[role='alert']"))
            .await?
            .text()
            .await?;
        assert!(ended.contains("Your session has ended"), "{ended}");
        let kept = c.find(Locator::Id("note-body")).await?.prop("value").await?;
        assert_eq!(kept.as_deref(), Some("Written after the session ended"));
        // Coming back to the window asks the session's clock, which says the session has
        // ended, with a sign-in that comes back to the case.
        c.execute("window.dispatchEvent(new Event('focus'));", vec![])
            .await?;
        let again = wait_for(&c, Locator::Css(".session-clock a[href^='/login?next=']"))
            .await?
            .attr("href")
            .await?
            .unwrap_or_default();
        let case_path = case_url.trim_start_matches(&base);
        assert!(
            again.contains(&case_path.replace('/', "%2F")),
            "{again} names {case_path}"
        );
        // … and sending the note anyway loads the sign-in page whole, without the signed-in
        // navigation.
        c.find(Locator::Css("form[action$='/notes'] button"))
            .await?
            .click()
            .await?;
        wait_for(&c, Locator::Css("form[action='/login']")).await?;
        let page = c.source().await?;
        assert!(
            !page.contains("action=\"/logout\"") && !page.contains("Session one"),
            "nothing of the signed-in page stays around the sign-in form"
        );
        // Opening the case again (a bookmark, another tab) asks her to sign in, and signing
        // in takes her back to the case rather than to her home page.
        c.goto(&case_url).await?;
        wait_for(&c, Locator::Css("form[action='/login'] input[name='next']")).await?;
        next_totp_step().await;
        let code = haven_crypto::totp::code(clin_secret, unix_now()).ok_or("code")?;
        fill_sign_in(&c, clin, clin_pw, &code).await?;
        let notes = wait_for_text(&c, "notes", "Session one: sleep is poor.").await?;
        assert!(notes.contains("psychotherapy"), "{notes}");
        assert_eq!(c.current_url().await?.as_str(), case_url, "back on the case");
        sign_out(&c).await?;

        // Another organisation's case manager and a police liaison: the not-found page.
        for (email, pw, secret) in [(other, other_pw, other_secret), (le, le_pw, le_secret)] {
            sign_in(&c, &base, email, pw, secret).await?;
            c.goto(&case_url).await?;
            let heading = wait_for(&c, Locator::Css("h1")).await?.text().await?;
            assert_eq!(heading, "Not found", "{email}");
            assert!(!c.source().await?.contains("Session one"), "{email}");
            c.goto(&format!("{base}/")).await?;
            wait_for(&c, Locator::Id("whoami")).await?;
            sign_out(&c).await?;
        }

        // The case manager does not see the clinical note.
        next_totp_step().await;
        sign_in(&c, &base, cm, cm_pw, cm_secret).await?;
        c.goto(&case_url).await?;
        wait_for(&c, Locator::Id("case-title")).await?;
        assert!(!c.source().await?.contains("Session one"));

        // After signing out, nothing of the record remains in the page or the browser's storage.
        sign_out(&c).await?;
        let source = c.source().await?;
        assert!(
            !source.contains("María") && !source.contains("Ana"),
            "the sign-in page shows nothing of the case"
        );
        let storage = c
            .execute(
                "return [localStorage.length, JSON.stringify(sessionStorage), document.cookie];",
                vec![],
            )
            .await?;
        assert_eq!(
            storage[0], 0,
            "nothing in local storage (htmx's history cache is off)"
        );
        let session_storage = storage[1].as_str().unwrap_or_default();
        for trace in ["María", "Ana", "/cases/", "Session one"] {
            assert!(
                !session_storage.contains(trace),
                "session storage holds {trace}: {session_storage}"
            );
        }
        assert_eq!(storage[2], "", "no script-readable cookie");
        Ok(())
    }
    .await;
    let _ = c.close().await;
    outcome
}
