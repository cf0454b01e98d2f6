//! Headless Chromium under chromedriver (Debian's packages; `.ci/run` installs them) for the
//! browser tests: starting it, waiting for pages, and signing in and out.

use crate::serve::Killed;
use crate::support::*;
use fantoccini::{ClientBuilder, Locator};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Whether Chromium and chromedriver are installed; a test skips (and says so) when they
/// are not, unless `HAVEN_REQUIRE_BROWSER=1`, when their absence fails it.
pub(crate) fn browser_available() -> bool {
    let present =
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists();
    if !present && std::env::var("HAVEN_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("HAVEN_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed");
    }
    if !present {
        eprintln!("skipping: chromium and chromedriver are not installed");
    }
    present
}

/// The element, once the page that holds it has loaded (at most ten seconds).
///
/// A search that starts while the browser is leaving the page (right after a click that
/// navigates) is refused by chromedriver with "aborted by navigation": like a missing
/// element, that means "not yet", and the search is made again.
pub(crate) async fn wait_for(
    c: &fantoccini::Client,
    locator: Locator<'_>,
) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
    wait_for_within(c, locator, Duration::from_secs(10)).await
}

/// [`wait_for`], for something that takes longer than ten seconds to come.
pub(crate) async fn wait_for_within(
    c: &fantoccini::Client,
    locator: Locator<'_>,
    within: Duration,
) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
    let deadline = Instant::now() + within;
    loop {
        match c.find(locator).await {
            Err(e) if not_yet(&e) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            found => return found,
        }
    }
}

/// Whether a failed command only met a page that is still loading or being left.
fn not_yet(e: &fantoccini::error::CmdError) -> bool {
    use fantoccini::error::{CmdError, ErrorStatus};
    match e {
        CmdError::Standard(w) => matches!(
            w.error,
            ErrorStatus::NoSuchElement | ErrorStatus::StaleElementReference
        ),
        CmdError::NotW3C(value) => value
            .as_str()
            .is_some_and(|m| m.contains("aborted by navigation")),
        _ => false,
    }
}

/// Chromium under chromedriver, with the flags this machine needs; the guards end both.
pub(crate) async fn start_browser()
-> Result<(fantoccini::Client, Killed, tempfile::TempDir), Box<dyn std::error::Error>> {
    launch(&[]).await
}

/// Chromium that runs no page's scripts, as for someone who has turned JavaScript off.
pub(crate) async fn start_browser_without_scripts()
-> Result<(fantoccini::Client, Killed, tempfile::TempDir), Box<dyn std::error::Error>> {
    launch(&["--blink-settings=scriptEnabled=false"]).await
}

async fn launch(
    extra: &[&str],
) -> Result<(fantoccini::Client, Killed, tempfile::TempDir), Box<dyn std::error::Error>> {
    let port = free_port();
    let driver = Killed(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let profile = tempfile::tempdir()?;
    let mut args: Vec<String> = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ]
    .iter()
    .chain(extra)
    .map(|a| (*a).to_owned())
    .collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": CHROMIUM, "args": args }),
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
    Ok((c, driver, profile))
}

/// The text of element `id` once it contains `needle` (the page after a form post has
/// loaded), at most ten seconds.
pub(crate) async fn wait_for_text(
    c: &fantoccini::Client,
    id: &str,
    needle: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = match c.find(Locator::Id(id)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(needle) {
            return Ok(text);
        }
        if Instant::now() > deadline {
            return Err(format!("#{id} never showed the expected text").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Waits for the next 30-second TOTP step: a code of this one was used already (each code
/// is accepted once).
pub(crate) async fn next_totp_step() {
    tokio::time::sleep(std::time::Duration::from_secs(31 - unix_now() % 30)).await;
}

pub(crate) async fn sign_in(
    c: &fantoccini::Client,
    base: &str,
    email: &str,
    password: &str,
    secret: &[u8],
) -> TestResult {
    c.goto(&format!("{base}/login")).await?;
    let code = haven_crypto::totp::code(secret, unix_now()).ok_or("code")?;
    sign_in_with_code(c, email, password, &code).await
}

/// Fills the sign-in page the browser shows and waits for the signed-in page.
pub(crate) async fn sign_in_with_code(
    c: &fantoccini::Client,
    email: &str,
    password: &str,
    code: &str,
) -> TestResult {
    fill_sign_in(c, email, password, code).await?;
    wait_for(c, Locator::Id("whoami")).await?;
    Ok(())
}

/// Fills and sends the sign-in page the browser shows.
pub(crate) async fn fill_sign_in(
    c: &fantoccini::Client,
    email: &str,
    password: &str,
    code: &str,
) -> TestResult {
    c.find(Locator::Id("email")).await?.send_keys(email).await?;
    c.find(Locator::Id("password"))
        .await?
        .send_keys(password)
        .await?;
    c.find(Locator::Id("code")).await?.send_keys(code).await?;
    c.find(Locator::Css("form[action='/login'] button"))
        .await?
        .click()
        .await?;
    Ok(())
}

pub(crate) async fn sign_out(c: &fantoccini::Client) -> TestResult {
    c.find(Locator::Css("form[action='/logout'] button"))
        .await?
        .click()
        .await?;
    wait_for(c, Locator::Css("form[action='/login']")).await?;
    Ok(())
}
