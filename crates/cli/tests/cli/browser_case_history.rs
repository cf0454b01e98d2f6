//! A case with a long history in headless Chromium, against `haven demo`: its page shows
//! the newest notes and says how many there are; the link to the rest opens the whole
//! history at its own address, at the notes, and Back returns to the case as it was. The
//! page with its "newest of" lines meets WCAG 2.1 AA as the other staff pages do.
//!
//! Skipped when chromedriver is missing, unless `HAVEN_REQUIRE_BROWSER=1` (CI sets it).

use crate::accessibility::violations;
use crate::chromium::wait_for;
use crate::demo::{demo_sign_in, demo_walk};
use crate::support::*;
use fantoccini::{Client, Locator};
use serde_json::json;
use std::time::{Duration, Instant};

/// The notes the case page lists.
async fn notes_shown(c: &Client) -> Result<usize, Box<dyn std::error::Error>> {
    Ok(c.find_all(Locator::Css("#notes > li")).await?.len())
}

/// The browser's address once it contains `needle`, at most ten seconds.
async fn address_with(c: &Client, needle: &str) -> Result<String, Box<dyn std::error::Error>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = c.current_url().await?.to_string();
        if url.contains(needle) {
            return Ok(url);
        }
        if Instant::now() > deadline {
            return Err(format!("the address never showed {needle}: {url}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_history_opens_newest_first_and_whole_at_its_own_address() -> TestResult {
    let Some((c, base, _running)) = demo_walk(true).await? else {
        return Ok(());
    };

    let outcome: TestResult = async {
        demo_sign_in(&c, &base, "case.manager@harbour.demo").await?;
        let case = wait_for(&c, Locator::Css("main a[href^='/cases/']"))
            .await?
            .attr("href")
            .await?
            .ok_or("the dashboard lists no case")?;
        c.goto(&format!("{base}{case}")).await?;
        wait_for(&c, Locator::Id("case-title")).await?;
        // Sixty notes through the page's own form, as sixty visits to it would write them.
        let written = c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const form = document.querySelector(\"form[action$='/notes']\");
                 const csrf = form.querySelector(\"[name='csrf']\").value;
                 (async () => {
                   let ok = 0;
                   for (let i = 1; i <= 60; i++) {
                     const body = new URLSearchParams({ csrf, category: 'general', body: `History note ${i}.` });
                     const r = await fetch(form.action, { method: 'POST', body, redirect: 'manual' });
                     if (r.type === 'opaqueredirect') ok++;
                   }
                   return ok;
                 })().then(done, e => done(String(e)));",
                Vec::new(),
            )
            .await?;
        assert_eq!(written, json!(60), "each note was taken");

        c.goto(&format!("{base}{case}")).await?;
        let more = wait_for(&c, Locator::Css("#case-main .history-more"))
            .await?
            .text()
            .await?;
        assert!(
            more.starts_with("The newest 50 of the "),
            "says what is left out: {more}"
        );
        assert_eq!(notes_shown(&c).await?, 50);
        let notes = c.find(Locator::Id("notes")).await?.text().await?;
        assert!(notes.contains("History note 60."), "the newest is shown");
        assert!(!notes.contains("History note 10."), "an older one waits");
        let mut failures = Vec::new();
        for v in violations(&c).await? {
            failures.push(format!("case with older notes left out: {v}"));
        }
        assert!(failures.is_empty(), "{failures:#?}");

        // The link opens the whole history at its own address (reload and share keep it),
        // with the notes in view.
        c.find(Locator::Css(".history-more a"))
            .await?
            .click()
            .await?;
        let all = address_with(&c, "?history=all").await?;
        assert!(all.ends_with(&format!("{case}?history=all#notes")), "{all}");
        wait_for(&c, Locator::Id("case-title")).await?;
        assert!(c.find_all(Locator::Css(".history-more")).await?.is_empty());
        let total: usize = more
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .nth(1)
            .ok_or("the line gives a total")?;
        assert_eq!(notes_shown(&c).await?, total, "every note the reader may read");
        let in_view = c
            .execute(
                "const r = document.getElementById('notes').getBoundingClientRect();
                 return r.top < window.innerHeight && r.bottom > 0;",
                Vec::new(),
            )
            .await?;
        assert_eq!(in_view, json!(true), "the notes are in view");

        // Back returns to the case page as it was.
        c.back().await?;
        let back = address_with(&c, &case).await?;
        assert!(back.ends_with(&case), "{back}");
        wait_for(&c, Locator::Css("#case-main .history-more")).await?;
        assert_eq!(notes_shown(&c).await?, 50);
        Ok(())
    }
    .await;
    c.close().await?;
    outcome
}
