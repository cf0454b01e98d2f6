//! WCAG 2.1 A and AA on the staff pages of a running `haven demo`, in headless Chromium:
//! axe-core (vendored under `tests/vendor/axe-core`, never served by Haven) checks each
//! page as a case manager, a clinician of another organisation (a shared case included), an
//! administrator and a newly added person meet it — forms, the case page, refusals, the
//! not-found page, enrolment, and pages in Spanish — and the keyboard walk of the case page
//! checks focus order and that every focused control shows where the focus is.
//!
//! Skipped when chromedriver is missing, unless `HAVEN_REQUIRE_BROWSER=1` (CI sets it).

use crate::chromium::{sign_out, unix_now, wait_for, wait_for_text};
use crate::demo::{demo_sign_in, demo_walk};
use crate::support::*;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

/// axe-core 4.14.1 (MPL-2.0), as published to npm.
const AXE: &str = include_str!("../vendor/axe-core/axe.min.js");

/// The rules axe runs: every WCAG 2.0 and 2.1 rule at levels A and AA.
const WCAG_21_AA: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// What axe finds wrong with the page the browser shows, one line per rule: its id, how
/// serious it is, what it asks for, and the elements that break it.
pub(crate) async fn violations(c: &Client) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    c.execute(AXE, Vec::new()).await?;
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: arguments[0] } })
               .then(r => done(r.violations.map(v =>
                 `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)))
               .catch(e => done([`axe did not run: ${e}`]));",
            vec![json!(WCAG_21_AA)],
        )
        .await?;
    Ok(serde_json::from_value(found)?)
}

/// The pages checked so far and what was wrong with them.
struct Findings<'a> {
    c: &'a Client,
    base: String,
    failures: Vec<String>,
}

impl Findings<'_> {
    /// Checks the page the browser shows and notes what is wrong with it, under `page`.
    async fn check(&mut self, page: &str) -> TestResult {
        for v in violations(self.c).await? {
            self.failures.push(format!("{page}: {v}"));
        }
        Ok(())
    }

    /// Opens `path`, waits for `ready` to be on it, and checks it.
    async fn visit(&mut self, page: &str, path: &str, ready: Locator<'_>) -> TestResult {
        self.c.goto(&format!("{}{path}", self.base)).await?;
        wait_for(self.c, ready).await?;
        self.check(page).await
    }
}

/// Fills `field` and presses the button of `form`.
async fn submit(c: &Client, form: &str, field: &str, value: &str) -> TestResult {
    let input = wait_for(c, Locator::Css(&format!("{form} [name='{field}']"))).await?;
    input.clear().await?;
    input.send_keys(value).await?;
    c.find(Locator::Css(&format!("{form} button")))
        .await?
        .click()
        .await?;
    Ok(())
}

/// The keyboard walk of the page: what has the focus after each Tab, in order, until the
/// focus comes back round or `presses` run out.
async fn tab_walk(c: &Client, presses: usize) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    c.execute(
        "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);
         window.__havenLastFocus = null; window.__havenFirstFocus = null;",
        Vec::new(),
    )
    .await?;
    let mut walk = Vec::new();
    for _ in 0..presses {
        // A key pressed on the page, not typed into an element: a file field would take it
        // as a file name.
        let tab = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: '\u{E004}' })
            .then(KeyAction::Up { value: '\u{E004}' });
        c.perform_actions(tab).await?;
        // Where the focus is, whether it follows the last stop in the page's order, and
        // whether it can be seen: an outline, or (the skip link) a place on screen.
        let stop = c
            .execute(
                "const e = document.activeElement;
                 if (!e || e === document.body) return null;
                 const prev = window.__havenLastFocus;
                 const first = window.__havenFirstFocus;
                 window.__havenLastFocus = e;
                 if (!first) window.__havenFirstFocus = e;
                 const s = getComputedStyle(e);
                 const r = e.getBoundingClientRect();
                 return {
                   what: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.name ? '[' + e.name + ']' : ''),
                   follows: !prev || prev === e || !!(prev.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING),
                   first_again: first === e,
                   outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
                   ring: `${s.outlineStyle} ${s.outlineWidth}`,
                   href: e.getAttribute('href'),
                   on_screen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0,
                 };",
                Vec::new(),
            )
            .await?;
        if stop.is_null() || stop["first_again"] == json!(true) {
            break;
        }
        walk.push(stop);
    }
    Ok(walk)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_staff_pages_meet_wcag_2_1_aa() -> TestResult {
    let Some((c, base, _running)) = demo_walk(true).await? else {
        return Ok(());
    };

    let outcome: TestResult = async {
        let mut pages = Findings {
            c: &c,
            base: base.clone(),
            failures: Vec::new(),
        };
        pages
            .visit(
                "sign-in (demo)",
                "/login",
                Locator::Css("form[action='/login']"),
            )
            .await?;
        c.find(Locator::Id("password"))
            .await?
            .send_keys("not the passphrase")
            .await?;
        submit(&c, "form[action='/login']", "email", "nobody@example.org").await?;
        wait_for(&c, Locator::Css("[role='alert']")).await?;
        pages.check("sign-in refused").await?;

        demo_sign_in(&c, &base, "case.manager@harbour.demo").await?;
        pages.check("dashboard").await?;
        let case = c
            .find(Locator::Css("main a[href^='/cases/']"))
            .await?
            .attr("href")
            .await?
            .ok_or("the dashboard lists no case")?;
        pages
            .visit("case", &case, Locator::Id("case-title"))
            .await?;
        let pseudonym = c.find(Locator::Id("case-title")).await?.text().await?;
        let record = format!("{case}/survivor");
        pages
            .visit(
                "survivor record",
                &record,
                Locator::Css("form[action$='/survivor']"),
            )
            .await?;
        let report = format!("{case}/access-report");
        pages
            .visit("access report", &report, Locator::Css("main table"))
            .await?;

        c.goto(&format!("{base}/search")).await?;
        submit(&c, "form[action='/search']", "q", &pseudonym).await?;
        wait_for(&c, Locator::Id("results")).await?;
        pages.check("search results").await?;

        // Intake searches first: someone who may already have a record …
        pages
            .visit("intake", "/intake", Locator::Id("pseudonym"))
            .await?;
        submit(&c, "form[action='/intake']", "pseudonym", &pseudonym).await?;
        wait_for(&c, Locator::Css("main form input[name='confirm_new']")).await?;
        pages.check("intake: likely existing records").await?;
        // … and a form refused for a date of birth in the future.
        c.goto(&format!("{base}/intake")).await?;
        wait_for(&c, Locator::Id("date_of_birth")).await?;
        // A date field takes keys in the browser's locale; its value is set directly.
        c.execute(
            "document.getElementById('date_of_birth').value = '2999-01-01';",
            Vec::new(),
        )
        .await?;
        submit(&c, "form[action='/intake']", "pseudonym", "Wren").await?;
        wait_for(&c, Locator::Css("[role='alert']")).await?;
        pages.check("intake refused").await?;

        pages
            .visit("referrals", "/referrals", Locator::Css("main h1"))
            .await?;
        pages
            .visit(
                "account",
                "/account",
                Locator::Css("form[action='/account/language']"),
            )
            .await?;
        pages
            .visit(
                "not found",
                "/cases/00000000-0000-4000-8000-000000000000",
                Locator::Css("main h1"),
            )
            .await?;

        // The keyboard walk of the case page: the skip link first, then every control in
        // the page's order, each showing where the focus is.
        c.goto(&format!("{base}{case}")).await?;
        wait_for(&c, Locator::Id("case-title")).await?;
        let walk = tab_walk(&c, 400).await?;
        assert!(walk.len() > 20, "the case page has few stops: {walk:?}");
        assert_eq!(walk[0]["href"], json!("#main"), "the skip link comes first");
        assert_eq!(
            walk[0]["on_screen"],
            json!(true),
            "the focused skip link is shown"
        );
        for stop in &walk {
            if stop["follows"] != json!(true) {
                pages.failures.push(format!(
                    "case: focus goes back up the page at {}",
                    stop["what"]
                ));
            }
            if stop["outline"] != json!(true) {
                pages.failures.push(format!(
                    "case: focus cannot be seen on {} (outline {})",
                    stop["what"], stop["ring"]
                ));
            }
        }

        // The same pages in Spanish: `lang` follows the reader's language.
        c.goto(&format!("{base}/account")).await?;
        let language =
            wait_for(&c, Locator::Css("form[action='/account/language'] select")).await?;
        language.select_by_value("es").await?;
        c.find(Locator::Css("form[action='/account/language'] button"))
            .await?
            .click()
            .await?;
        wait_for(&c, Locator::Css("html[lang='es']")).await?;
        pages
            .visit("case (es)", &case, Locator::Id("case-title"))
            .await?;
        pages
            .visit("intake (es)", "/intake", Locator::Id("pseudonym"))
            .await?;

        // A clinician's inbox, with the demo's referral waiting, before and after accepting.
        sign_out(&c).await?;
        demo_sign_in(&c, &base, "clinician@northside.demo").await?;
        pages
            .visit(
                "referrals: one waiting",
                "/referrals",
                Locator::Css("#incoming td"),
            )
            .await?;
        c.find(Locator::Css(
            "#incoming form:has(input[value='accept']) button",
        ))
        .await?
        .click()
        .await?;
        wait_for(&c, Locator::Css("#incoming form:has(input[value='start'])")).await?;
        pages.check("referrals: accepted").await?;
        // The case it shares, as another organisation sees it under the release.
        c.find(Locator::Css("#incoming a[href^='/cases/']"))
            .await?
            .click()
            .await?;
        wait_for(&c, Locator::Id("case-title")).await?;
        pages.check("case shared under a release").await?;

        // An administrator's page …
        sign_out(&c).await?;
        demo_sign_in(&c, &base, "admin@harbour.demo").await?;
        c.goto(&format!("{base}/admin/users")).await?;
        wait_for_text(&c, "main", "@harbour.demo").await?;
        pages.check("admin: staff").await?;
        // … who adds an account: the one-time password is shown, and the new person's
        // first sign-in enrols an authenticator and shows the recovery codes.
        c.find(Locator::Id("new-name"))
            .await?
            .send_keys("Robin")
            .await?;
        submit(
            &c,
            "form[action='/admin/users']",
            "email",
            "robin@harbour.demo",
        )
        .await?;
        let password = wait_for(&c, Locator::Id("one-time-password"))
            .await?
            .text()
            .await?;
        pages.check("admin: account added").await?;
        sign_out(&c).await?;
        c.find(Locator::Id("password"))
            .await?
            .send_keys(&password)
            .await?;
        submit(&c, "form[action='/login']", "email", "robin@harbour.demo").await?;
        let secret = wait_for(&c, Locator::Id("secret")).await?.text().await?;
        pages.check("enrolment").await?;
        let code = haven_crypto::totp::code(&base32_decode(&secret), unix_now()).ok_or("code")?;
        submit(&c, "form[action='/enrol']", "code", &code).await?;
        wait_for(&c, Locator::Id("recovery-codes")).await?;
        pages.check("recovery codes").await?;

        assert!(
            pages.failures.is_empty(),
            "WCAG 2.1 AA violations:\n{}",
            pages.failures.join("\n")
        );
        Ok(())
    }
    .await;
    let _ = c.close().await;
    outcome
}
