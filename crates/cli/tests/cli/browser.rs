//! A real browser against a real `haven serve`: headless Chromium driven through
//! chromedriver (Debian's packages; `.ci/run` installs them). Enrol a second factor, sign
//! in, sign out, and the old session cookie no longer works.
//!
//! Skipped when chromedriver is missing, unless `HAVEN_REQUIRE_BROWSER=1` (CI sets it).

use crate::serve::{get_with_cookie, wait_for_address};
use crate::support::*;
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn browser_available() -> bool {
    let present =
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists();
    if !present && std::env::var("HAVEN_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("HAVEN_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed");
    }
    present
}

/// The element, once the page that holds it has loaded (at most ten seconds).
async fn wait_for(
    c: &fantoccini::Client,
    locator: Locator<'_>,
) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(locator)
        .await
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrol_sign_in_sign_out_and_the_old_cookie_is_dead() -> TestResult {
    if !browser_available() {
        eprintln!("skipping: chromium and chromedriver are not installed");
        return Ok(());
    }
    let install = Install::new();
    let org = run(&[
        "org",
        "add",
        "--data-dir",
        install.arg(),
        "--name",
        "Harbour Light NGO",
        "--kind",
        "ngo",
    ]);
    assert!(org.status.success(), "{}", stderr(&org));
    let added = run(&[
        "user",
        "add",
        "--data-dir",
        install.arg(),
        "--org",
        "Harbour Light NGO",
        "--email",
        "cm@example.org",
        "--role",
        "case_manager",
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    let password = stdout(&added)
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_owned();

    let mut server = haven()
        .args([
            "serve",
            "--data-dir",
            install.arg(),
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .spawn()?;
    let addr = wait_for_address(&mut server)?;
    let _server = Killed(server);

    let port = free_port();
    let _driver = Killed(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let profile = tempfile::tempdir()?;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let c = client.ok_or("chromedriver did not start")?;
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
        tokio::time::sleep(Duration::from_secs(31 - unix_now() % 30)).await;
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
