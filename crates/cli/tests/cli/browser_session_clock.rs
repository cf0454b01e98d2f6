//! The session's warning in a real browser, on an installation whose idle timeout is one
//! minute (`session_idle_minutes = 1`): half a minute after the page was shown it says when
//! the session ends, and "Stay signed in" moves the end, so the warning goes.

use crate::browser::{enrolled, org_add};
use crate::chromium::{browser_available, sign_in, start_browser, wait_for, wait_for_within};
use crate::serve::serve;
use crate::support::*;
use fantoccini::Locator;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_warns_before_its_session_ends_and_staying_keeps_it() -> TestResult {
    if !browser_available() {
        return Ok(());
    }
    let install = Install::new();
    let config = install.path().join("haven.toml");
    let text = std::fs::read_to_string(&config)?;
    std::fs::write(&config, format!("{text}session_idle_minutes = 1\n"))?;
    org_add(&install, "Harbour Light NGO", "ngo");
    let accounts = enrolled(
        &install,
        &[("Harbour Light NGO", "cm@harbour.example", "case_manager")],
    )
    .await?;
    let (_server, addr) = serve(&install)?;
    let (c, _driver, _profile) = start_browser().await?;
    let base = format!("http://{addr}");

    let outcome: TestResult = async {
        let (email, password, secret) = &accounts[0];
        sign_in(&c, &base, email, password, secret).await?;
        c.goto(&format!("{base}/search")).await?;
        wait_for(&c, Locator::Id("q")).await?;
        let shown = Instant::now();
        let warning = wait_for_within(
            &c,
            Locator::Css(".session-clock .clock-warning"),
            Duration::from_secs(45),
        )
        .await?
        .text()
        .await?;
        assert!(
            shown.elapsed() >= Duration::from_secs(25),
            "not before the warning is due: {:?}",
            shown.elapsed()
        );
        assert!(warning.contains("your session ends at"), "{warning}");
        // The page can be scrolled past the warning, so it hides nothing at the page's foot.
        let room = "return getComputedStyle(document.querySelector('main')).paddingBottom;";
        assert_eq!(c.execute(room, vec![]).await?, serde_json::json!("128px"));
        let broken = crate::accessibility::violations(&c).await?;
        assert!(
            broken.is_empty(),
            "WCAG 2.1 AA with the warning shown: {broken:?}"
        );
        c.find(Locator::Css(".session-clock button"))
            .await?
            .click()
            .await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while c
            .find(Locator::Css(".session-clock .clock-warning"))
            .await
            .is_ok()
        {
            assert!(Instant::now() < deadline, "the warning stays after staying");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Where the button was, the page says it worked, and the keyboard focus is there
        // rather than back at the page's start; a few seconds later it is gone.
        let focused = c
            .execute(
                "return [document.activeElement.id, document.activeElement.textContent];",
                vec![],
            )
            .await?;
        assert_eq!(
            focused,
            serde_json::json!(["session-stay", "You are still signed in."])
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while c
            .find(Locator::Css(".clock-stayed"))
            .await?
            .is_displayed()
            .await?
        {
            assert!(Instant::now() < deadline, "the confirmation stays");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(c.execute(room, vec![]).await?, serde_json::json!("24px"));
        // The quiet clock came from a session whose end moved: the server says nothing only
        // while more than half the minute is left.
        c.goto(&format!("{base}/search")).await?;
        wait_for(&c, Locator::Id("q")).await?;
        Ok(())
    }
    .await;
    let _ = c.close().await;
    outcome
}
