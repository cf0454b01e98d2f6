//! `haven serve`: health and readiness over real HTTP, with the security headers.

use crate::support::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Child;

/// Reads the server's "listening on http://ADDR" line.
pub fn wait_for_address(child: &mut Child) -> Result<String, Box<dyn std::error::Error>> {
    let out = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(out).lines();
    for line in lines.by_ref() {
        let line = line?;
        if let Some(addr) = line.strip_prefix("haven listening on http://") {
            let addr = addr.to_owned();
            std::thread::spawn(move || lines.for_each(drop));
            return Ok(addr);
        }
    }
    Err("the server did not start".into())
}

/// A child process, killed when the guard drops.
pub(crate) struct Killed(pub(crate) Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `haven serve` on a free port of `install`, ended when the guard drops.
pub(crate) fn serve(install: &Install) -> Result<(Killed, String), Box<dyn std::error::Error>> {
    let mut server = haven()
        .args([
            "serve",
            "--data-dir",
            install.arg(),
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let addr = wait_for_address(&mut server)?;
    Ok((Killed(server), addr))
}

/// Status, headers (lower-case names) and body.
pub type Response = (u16, Vec<(String, String)>, String);

/// A minimal HTTP/1.1 GET.
pub fn get(addr: &str, path: &str) -> Result<Response, Box<dyn std::error::Error>> {
    get_with_cookie(addr, path, "")
}

/// A minimal HTTP/1.1 GET carrying a Cookie header (empty: none).
pub fn get_with_cookie(
    addr: &str,
    path: &str,
    cookie: &str,
) -> Result<Response, Box<dyn std::error::Error>> {
    if cookie.is_empty() {
        get_with_header(addr, path, "")
    } else {
        get_with_header(addr, path, &format!("Cookie: {cookie}"))
    }
}

/// A minimal HTTP/1.1 GET carrying one more header line (empty: none).
pub fn get_with_header(
    addr: &str,
    path: &str,
    header: &str,
) -> Result<Response, Box<dyn std::error::Error>> {
    let header = if header.is_empty() {
        String::new()
    } else {
        format!("{header}\r\n")
    };
    exchange(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{header}Connection: close\r\n\r\n"),
    )
}

/// A minimal HTTP/1.1 form POST carrying a Cookie header.
pub fn post_form(
    addr: &str,
    path: &str,
    cookie: &str,
    form: &str,
) -> Result<Response, Box<dyn std::error::Error>> {
    exchange(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{form}",
            form.len()
        ),
    )
}

/// Sends `request` on a new connection and reads the whole response.
fn exchange(addr: &str, request: &str) -> Result<Response, Box<dyn std::error::Error>> {
    let mut s = TcpStream::connect(addr)?;
    s.write_all(request.as_bytes())?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").ok_or("no header end")?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .ok_or("no status")?
        .parse()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok((status, headers, body.to_owned()))
}

#[test]
fn serve_answers_health_and_readiness_with_security_headers() -> TestResult {
    let install = Install::new();
    let (server, addr) = serve(&install)?;
    let (status, headers, body) = get(&addr, "/healthz")?;
    let (ready, _, ready_body) = get(&addr, "/readyz")?;
    let (missing, _, _) = get(&addr, "/no-such-page")?;
    drop(server);
    assert_eq!(status, 200);
    assert!(body.contains("ok"));
    assert_eq!(ready, 200, "{ready_body}");
    assert!(ready_body.contains("sqlite"));
    assert_eq!(missing, 404);
    let h = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert!(
        h("content-security-policy")
            .is_some_and(|v| v.contains("frame-ancestors 'none'") && !v.contains("unsafe-inline"))
    );
    assert_eq!(h("cache-control"), Some("no-store"));
    assert_eq!(h("referrer-policy"), Some("no-referrer"));
    assert_eq!(h("x-content-type-options"), Some("nosniff"));
    assert!(h("strict-transport-security").is_some_and(|v| v.contains("max-age=31536000")));
    assert_eq!(h("cross-origin-opener-policy"), Some("same-origin"));
    Ok(())
}

/// Over a real connection the server knows each client's address, so an address that
/// keeps failing to sign in waits (`sign_in_failures_per_address` in `haven.toml`).
#[test]
fn serve_limits_failed_sign_ins_by_the_connections_address() -> TestResult {
    let install = Install::new();
    let config = install.path().join("haven.toml");
    let mut text = std::fs::read_to_string(&config)?;
    text.push_str("sign_in_failures_per_address = 1\n");
    std::fs::write(&config, text)?;
    let (server, addr) = serve(&install)?;
    let (_, headers, _) = get(&addr, "/login")?;
    let csrf = headers
        .iter()
        .find(|(k, v)| k == "set-cookie" && v.starts_with("__Host-haven_csrf="))
        .and_then(|(_, v)| v.split(';').next())
        .and_then(|c| c.split_once('='))
        .map(|(_, token)| token.to_owned())
        .ok_or("no sign-in cookie")?;
    let cookie = format!("__Host-haven_csrf={csrf}");
    let form = format!("csrf={csrf}&email=nobody%40example.org&password=a+guess&code=");
    // Sent together: one more is allowed every 6 s of real time, and a password check on
    // a busy machine may take longer than that, so one after the other could both be let in.
    let attempts: Vec<_> = (0..2)
        .map(|_| {
            let (addr, cookie, form) = (addr.clone(), cookie.clone(), form.clone());
            std::thread::spawn(move || {
                post_form(&addr, "/login", &cookie, &form).map_err(|e| e.to_string())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for attempt in attempts {
        answers.push(attempt.join().map_err(|_| "a sender panicked")??);
    }
    drop(server);
    answers.sort_by_key(|(status, _, _)| *status);
    let statuses: Vec<u16> = answers.iter().map(|(status, _, _)| *status).collect();
    assert_eq!(statuses, [401, 429]);
    let (_, headers, body) = &answers[1];
    assert!(headers.iter().any(|(k, _)| k == "retry-after"));
    assert!(body.contains("Too many sign-ins have failed from your network"));
    Ok(())
}

#[test]
fn serve_refuses_an_uninitialised_directory_without_creating_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let target = dir.path().join("nothing-here");
    let out = run(&["serve", "--data-dir", target.to_str().ok_or("path")?]);
    assert!(!out.status.success());
    assert!(
        !target.join("db").exists(),
        "serve must not create a database"
    );
    Ok(())
}

/// People turn 18 with no edit: `haven serve` reviews the minor flags when it starts, so a
/// survivor estimated at 17 two years ago is no longer flagged, and says so in the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_clears_the_minor_flag_of_a_survivor_who_has_come_of_age() -> TestResult {
    use haven_core::cases::NewCase;
    use haven_core::{FixedClock, system};
    use haven_domain::survivor::SurvivorProfile;
    use haven_store::Store;
    let install = Install::new();
    let two_years_ago = time::OffsetDateTime::now_utc() - time::Duration::days(731);
    let past = install
        .open_with(std::sync::Arc::new(FixedClock::new(two_years_ago)))
        .await;
    let org = past.create_org(system("test"), "NGO", "ngo").await?;
    let mut profile = SurvivorProfile::pseudonymous("Lina")?;
    profile.details.estimated_age = Some(17);
    let (survivor, _) = past
        .intake_batch(
            system("test"),
            &[(org, profile, NewCase::default(), Vec::new())],
        )
        .await?[0];
    let flagged = || async {
        let now = install.open().await;
        let cases = now.store().cases_of_survivor(survivor).await;
        now.store().close().await;
        cases.map(|c| c.iter().any(|(case, _)| case.minor))
    };
    assert!(flagged().await?, "17 when taken in");
    past.store().close().await;

    let server = serve(&install)?;
    let mut still = true;
    for _ in 0..100 {
        still = flagged().await?;
        if !still {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    drop(server);
    assert!(!still, "the review at start cleared the flag");
    Ok(())
}
