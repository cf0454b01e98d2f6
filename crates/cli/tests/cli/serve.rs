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
    let mut s = TcpStream::connect(addr)?;
    let header = if header.is_empty() {
        String::new()
    } else {
        format!("{header}\r\n")
    };
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{header}Connection: close\r\n\r\n"
    )?;
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
    let (status, headers, body) = get(&addr, "/healthz")?;
    let (ready, _, ready_body) = get(&addr, "/readyz")?;
    let (missing, _, _) = get(&addr, "/no-such-page")?;
    server.kill()?;
    server.wait()?;
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
