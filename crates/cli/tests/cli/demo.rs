//! `haven demo`, the README's first command: a fresh installation with a synthetic network
//! whose case managers have a working caseload, served with the demo accounts' codes shown
//! under the DEMO banner.

use crate::chromium::{
    browser_available, sign_in_with_code, start_browser, start_browser_without_scripts, wait_for,
};
use crate::serve::{Killed, get, get_with_header, wait_for_address};
use crate::support::*;
use fantoccini::Locator;
use serde_json::Value;

/// `haven demo` with `people` survivors in a temporary data directory, on a free port;
/// stopped when dropped.
pub(crate) struct Demo {
    pub(crate) addr: String,
    pub(crate) data: String,
    _server: Killed,
    _dir: tempfile::TempDir,
}

impl Demo {
    pub(crate) fn start(people: u32) -> Result<Self, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let data = dir
            .path()
            .join("demo")
            .to_str()
            .ok_or("utf-8 path")?
            .to_owned();
        // Killed at once if it never says where it listens.
        let mut server = Killed(
            haven()
                .args(["demo", "--data-dir", &data, "--listen", "127.0.0.1:0"])
                .args(["--people", &people.to_string()])
                .stdout(std::process::Stdio::piped())
                .spawn()?,
        );
        let addr = wait_for_address(&mut server.0)?;
        Ok(Self {
            addr,
            data,
            _server: server,
            _dir: dir,
        })
    }
}

/// What keeps a walk's demo and browser running; both stop when it is dropped.
pub(crate) struct Walking {
    _browser: (Killed, tempfile::TempDir),
    _demo: Demo,
}

/// A demo of 40 survivors and a headless Chromium to walk it, with page scripts on or off:
/// the browser, the demo's address (`http://127.0.0.1:…`) and what keeps both running.
/// `None` where chromedriver is missing (browser tests may then be skipped, unless
/// `HAVEN_REQUIRE_BROWSER=1`).
pub(crate) async fn demo_walk(
    scripts: bool,
) -> Result<Option<(fantoccini::Client, String, Walking)>, Box<dyn std::error::Error>> {
    if !browser_available() {
        return Ok(None);
    }
    let demo = Demo::start(40)?;
    let (c, driver, profile) = if scripts {
        start_browser().await?
    } else {
        start_browser_without_scripts().await?
    };
    let base = format!("http://{}", demo.addr);
    let running = Walking {
        _browser: (driver, profile),
        _demo: demo,
    };
    Ok(Some((c, base, running)))
}

/// Signs in as a demo account with the code the demo's sign-in page shows for it.
pub(crate) async fn demo_sign_in(c: &fantoccini::Client, base: &str, email: &str) -> TestResult {
    c.goto(&format!("{base}/login")).await?;
    let code = wait_for(
        c,
        Locator::XPath(&format!(
            "//section[@class='demo']//tr[td[1][normalize-space()='{email}']]/td[4]"
        )),
    )
    .await?
    .text()
    .await?;
    sign_in_with_code(c, email, "demo passphrase 2026", code.trim()).await
}

#[test]
fn the_demo_serves_a_network_with_a_working_caseload() -> TestResult {
    let demo = Demo::start(40)?;
    caseload(&demo.addr, &demo.data)
}

fn caseload(addr: &str, data: &str) -> TestResult {
    let (status, _, login) = get(addr, "/login")?;
    assert_eq!(status, 200);
    assert!(login.contains("DEMO"), "no DEMO banner");
    assert!(login.contains("case.manager@harbour.demo"));
    assert!(
        login.contains("clinician@northside.demo") && login.contains("liaison@metro-police.demo"),
        "staff in every role across the organisations"
    );

    let token_of = |email: &str| -> Result<String, Box<dyn std::error::Error>> {
        let out = run(&[
            "token",
            "create",
            "--data-dir",
            data,
            "--user",
            email,
            "--name",
            "demo test",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        Ok(stdout(&out)
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_owned())
    };
    let get_as = |token: &str, path: &str| -> Result<Value, Box<dyn std::error::Error>> {
        let (status, _, body) =
            get_with_header(addr, path, &format!("Authorization: Bearer {token}"))?;
        assert_eq!(status, 200, "{path}: {body}");
        Ok(serde_json::from_str(&body)?)
    };
    let token = token_of("case.manager@harbour.demo")?;
    let api = |path: &str| get_as(&token, path);
    let cases = api("/api/v1/cases")?;
    let first = cases["cases"][0]["id"]
        .as_str()
        .ok_or("no cases")?
        .to_owned();
    let case = api(&format!("/api/v1/cases/{first}"))?;
    let categories: Vec<&str> = case["notes"]
        .as_array()
        .ok_or("no notes")?
        .iter()
        .filter_map(|n| n["category"].as_str())
        .collect();
    assert!(
        categories.contains(&"general") && categories.contains(&"safety"),
        "notes of several categories: {categories:?}"
    );
    assert!(!case["goals"].as_array().ok_or("no goals")?.is_empty());
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let tasks = case["tasks"].as_array().ok_or("no tasks")?;
    assert!(
        tasks
            .iter()
            .any(|t| t["done"] == false && t["due_on"].as_str() < Some(today.as_str())),
        "an overdue task for the dashboard: {tasks:?}"
    );
    assert!(tasks.iter().any(|t| t["done"] == true), "a task done");

    // Colleagues on the team wrote the notes only their roles may write, and each reader
    // sees the categories the policy gives their role.
    let path = format!("/api/v1/cases/{first}");
    let notes_of = |case: &Value| -> Vec<String> {
        let mut seen: Vec<String> = case["notes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n["category"].as_str().map(str::to_owned))
            .collect();
        seen.sort();
        seen.dedup();
        seen
    };
    assert_eq!(
        notes_of(&case),
        ["general", "legal", "narrative", "safety"],
        "the case manager reads no psychotherapy note, and of medical ones a summary only"
    );
    let clinician = get_as(&token_of("clinician@harbour.demo")?, &path)?;
    assert_eq!(
        notes_of(&clinician),
        ["general", "medical", "narrative", "psychotherapy", "safety"],
    );
    let advocate = get_as(&token_of("legal.advocate@harbour.demo")?, &path)?;
    assert_eq!(
        notes_of(&advocate),
        ["general", "legal", "narrative", "safety"],
    );
    Ok(())
}
