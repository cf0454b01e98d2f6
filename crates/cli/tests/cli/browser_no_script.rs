//! The core flows with JavaScript turned off: headless Chromium that runs no page script
//! against `haven demo`. A case manager signs in, takes someone in (past the likely existing
//! records), writes a note, moves the case on, adds a goal, finds the person again by a
//! misspelt name and signs out — every step a plain form and a page load.
//!
//! Skipped when chromedriver is missing, unless `HAVEN_REQUIRE_BROWSER=1` (CI sets it).

use crate::chromium::{sign_out, wait_for, wait_for_text};
use crate::demo::{demo_sign_in, demo_walk};
use crate::support::*;
use fantoccini::{Client, Locator};

/// Types `value` into the field with id `id`.
async fn fill(c: &Client, id: &str, value: &str) -> TestResult {
    wait_for(c, Locator::Id(id)).await?.send_keys(value).await?;
    Ok(())
}

/// Presses the button of the form posting to an action ending in `action`.
async fn press(c: &Client, action: &str) -> TestResult {
    c.find(Locator::Css(&format!("form[action$='{action}'] button")))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_work_needs_no_javascript() -> TestResult {
    let Some((c, base, _running)) = demo_walk(false).await? else {
        return Ok(());
    };

    let outcome: TestResult = async {
        // This browser really runs no page script.
        c.goto("data:text/html,<title>before</title><script>document.title='after'</script>")
            .await?;
        assert_eq!(c.title().await?, "before", "page scripts are off");

        demo_sign_in(&c, &base, "case.manager@harbour.demo").await?;

        // Intake. The demo has someone of this pseudonym already: the form offers them and
        // asks for confirmation before creating another record.
        let existing = c
            .find(Locator::Css("main a[href^='/cases/']"))
            .await?
            .attr("href")
            .await?
            .ok_or("the dashboard lists no case")?;
        c.goto(&format!("{base}{existing}")).await?;
        let pseudonym = wait_for(&c, Locator::Id("case-title"))
            .await?
            .text()
            .await?;
        c.find(Locator::LinkText("My cases")).await?.click().await?;
        wait_for(&c, Locator::LinkText("New intake"))
            .await?
            .click()
            .await?;
        fill(&c, "pseudonym", &pseudonym).await?;
        fill(&c, "legal_name", "Soledad Ibáñez").await?;
        press(&c, "/intake").await?;
        wait_for(&c, Locator::Id("confirm_new"))
            .await?
            .click()
            .await?;
        press(&c, "/intake").await?;
        assert_eq!(
            wait_for(&c, Locator::Id("case-title"))
                .await?
                .text()
                .await?,
            pseudonym
        );
        let case = c.current_url().await?.path().to_owned();
        assert_ne!(case, existing, "a new case, not the one offered");

        // A note, a status and a goal: each form posts and the case page comes back.
        c.find(Locator::Css("#note-category option[value='safety']"))
            .await?
            .click()
            .await?;
        fill(&c, "note-body", "Prefers texts; never call after 6 pm").await?;
        press(&c, "/notes").await?;
        wait_for_text(&c, "notes", "Prefers texts").await?;
        c.find(Locator::Css("#new-status option[value='active']"))
            .await?
            .click()
            .await?;
        press(&c, "/status").await?;
        wait_for_text(&c, "case-status", "active").await?;
        fill(&c, "goal-title", "Safe housing within two weeks").await?;
        press(&c, "/goals").await?;
        wait_for_text(&c, "goals", "Safe housing").await?;
        assert_eq!(c.current_url().await?.path(), case);

        // Found again by a misspelt legal name.
        c.find(Locator::LinkText("Search")).await?.click().await?;
        fill(&c, "q", "Soledad Ibanes").await?;
        press(&c, "/search").await?;
        wait_for(&c, Locator::Id("results")).await?;
        c.find(Locator::Css(&format!("#results a[href='{case}']")))
            .await?
            .click()
            .await?;
        wait_for_text(&c, "notes", "Prefers texts").await?;

        sign_out(&c).await?;
        Ok(())
    }
    .await;
    let _ = c.close().await;
    outcome
}
