//! The closed loop across two organisations in a real browser: the NGO's case manager
//! records a release for the clinic (identity and medical) and refers the survivor to the
//! clinic's medical service, imported with `haven import hsds`; a clinic clinician accepts,
//! starts and completes the referral with an outcome; the NGO sees the loop closed. The
//! clinic never sees the psychotherapy note, the contact details or the safe-contact text.

use crate::browser::{enrolled, org_add};
use crate::chromium::{
    browser_available, next_totp_step, sign_in, sign_out, start_browser, wait_for, wait_for_text,
};
use crate::serve::serve;
use crate::support::*;
use fantoccini::Locator;

const SAFE_CONTACT: &str = "Only the blue phone, never after six";
const THERAPY: &str = "Session one: nightmares about the farm";

fn import_directory(install: &Install, clinic: &str) {
    let file = install.path().join("directory.json");
    let doc = serde_json::json!([{
        "id": clinic, "name": "Northside Clinic", "description": "Community clinic",
        "services": [{ "id": "5b0e4c1a-2f1d-4c55-9a0e-6f0d7f1b2c3d", "name": "Medical care", "status": "active",
            "attributes": [{ "id": "8d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a", "taxonomy_term_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                "taxonomy_term": { "id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "code": "haven-service-kind:medical",
                    "name": "medical", "description": "Medical care" } }] }]
    }]);
    std::fs::write(&file, doc.to_string()).expect("directory file");
    let out = run(&[
        "import",
        "hsds",
        "--data-dir",
        install.arg(),
        file.to_str().unwrap_or_default(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 services"), "{}", stdout(&out));
}

async fn click(c: &fantoccini::Client, css: &str) -> TestResult {
    c.find(Locator::Css(css)).await?.click().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referral_under_a_release_closes_the_loop_across_two_organisations() -> TestResult {
    if !browser_available() {
        return Ok(());
    }
    let install = Install::new();
    org_add(&install, "Harbour Light NGO", "ngo");
    let clinic = org_add(&install, "Northside Clinic", "clinic");
    import_directory(&install, &clinic);
    let people = [
        ("Harbour Light NGO", "cm@harbour.example", "case_manager"),
        (
            "Harbour Light NGO",
            "therapist@harbour.example",
            "clinician",
        ),
        ("Northside Clinic", "doctor@northside.example", "clinician"),
    ];
    let accounts = enrolled(&install, &people).await?;
    let (_server, addr) = serve(&install)?;
    let (c, _driver, _profile) = start_browser().await?;
    let base = format!("http://{addr}");

    let outcome: TestResult = async {
        let [
            (cm, cm_pw, cm_secret),
            (ther, ther_pw, ther_secret),
            (doc, doc_pw, doc_secret),
        ] = &accounts[..]
        else {
            return Err("three accounts".into());
        };
        // The NGO's case manager: intake, the therapist on the team, a release, a referral.
        sign_in(&c, &base, cm, cm_pw, cm_secret).await?;
        c.goto(&format!("{base}/intake")).await?;
        wait_for(&c, Locator::Id("pseudonym"))
            .await?
            .send_keys("Joy")
            .await?;
        c.find(Locator::Id("legal_name"))
            .await?
            .send_keys("Joy Mensah")
            .await?;
        c.find(Locator::Id("safe_contact"))
            .await?
            .send_keys(SAFE_CONTACT)
            .await?;
        click(&c, "form[action='/intake'] button").await?;
        wait_for(&c, Locator::Id("case-title")).await?;
        let case_url = c.current_url().await?.to_string();
        c.find(Locator::Id("member")).await?.send_keys(ther).await?;
        click(&c, "form[action$='/team'] button").await?;
        // The team form swaps the case in place; once it has, load it afresh for the next form.
        wait_for_text(&c, "team", ther).await?;
        c.goto(&case_url).await?;
        wait_for(&c, Locator::Id("consent-form")).await?;
        for category in ["identity", "medical"] {
            click(&c, &format!("#consent-form input[value='{category}']")).await?;
        }
        c.find(Locator::Id("purpose"))
            .await?
            .send_keys("Medical follow-up")
            .await?;
        c.find(Locator::Id("evidence"))
            .await?
            .send_keys("Signed form 2026-114")
            .await?;
        c.execute(
            "document.getElementById('expires').value = '2027-06-30';",
            vec![],
        )
        .await?;
        click(&c, "#consent-form button").await?;
        let consents = wait_for_text(&c, "consents", "Northside Clinic").await?;
        assert!(consents.contains("identity, medical"), "{consents}");
        // The release is offered for the referral; send it.
        click(&c, "#referral-consent option:nth-child(2)").await?;
        click(&c, "#referral-form button").await?;
        wait_for_text(&c, "referrals", "sent").await?;
        // In a phone's window the page does not scroll sideways: the releases table, the
        // widest thing on it, scrolls inside its own region (WCAG 1.4.10).
        let (width, height) = c.get_window_size().await?;
        c.set_window_size(400, 900).await?;
        c.goto(&case_url).await?;
        wait_for(&c, Locator::Id("consents")).await?;
        let widths = c
            .execute(
                "const r = document.querySelector('.table-scroll'); \
                 return [document.documentElement.scrollWidth, document.documentElement.clientWidth, \
                         r.scrollWidth > r.clientWidth, r.getAttribute('tabindex')];",
                vec![],
            )
            .await?;
        assert_eq!(widths[0], widths[1], "the page fits: {widths}");
        assert_eq!(widths[2], serde_json::json!(true), "the table scrolls: {widths}");
        assert_eq!(widths[3], serde_json::json!("0"), "by keyboard too");
        c.set_window_size(u32::try_from(width)?, u32::try_from(height)?)
            .await?;
        sign_out(&c).await?;

        // The NGO's therapist writes a psychotherapy note.
        sign_in(&c, &base, ther, ther_pw, ther_secret).await?;
        c.goto(&case_url).await?;
        wait_for(&c, Locator::Id("note-body"))
            .await?
            .send_keys(THERAPY)
            .await?;
        click(&c, "#note-category option[value='psychotherapy']").await?;
        click(&c, "form[action$='/notes'] button").await?;
        wait_for_text(&c, "notes", THERAPY).await?;
        sign_out(&c).await?;

        // The clinic's clinician answers the referral and opens what the release allows.
        sign_in(&c, &base, doc, doc_pw, doc_secret).await?;
        c.find(Locator::LinkText("Referrals"))
            .await?
            .click()
            .await?;
        let inbox = wait_for_text(&c, "incoming", "Joy").await?;
        assert!(inbox.contains("Medical care"), "{inbox}");
        for (action, state) in [("accept", "accepted"), ("start", "in progress")] {
            click(
                &c,
                &format!("#incoming form input[value='{action}'] ~ button"),
            )
            .await?;
            wait_for_text(&c, "incoming", state).await?;
        }
        click(
            &c,
            "#incoming select[name='outcome'] option[value='delivered']",
        )
        .await?;
        click(&c, "#incoming form input[value='complete'] ~ button").await?;
        wait_for_text(&c, "incoming", "completed").await?;
        c.find(Locator::LinkText("Joy")).await?.click().await?;
        let title = wait_for(&c, Locator::Id("case-title"))
            .await?
            .text()
            .await?;
        assert_eq!(title, "Joy");
        let page = c.source().await?;
        assert!(page.contains("Joy Mensah"), "identity is released");
        for hidden in [THERAPY, SAFE_CONTACT] {
            assert!(!page.contains(hidden), "the clinic sees {hidden}");
        }
        assert!(
            c.find(Locator::Id("consent-form")).await.is_err(),
            "the clinic cannot record releases"
        );
        sign_out(&c).await?;

        // The NGO sees the loop closed.
        next_totp_step().await;
        sign_in(&c, &base, cm, cm_pw, cm_secret).await?;
        c.goto(&case_url).await?;
        let referrals = wait_for_text(&c, "referrals", "completed").await?;
        assert!(referrals.contains("delivered"), "{referrals}");
        Ok(())
    }
    .await;
    let _ = c.close().await;
    outcome
}
