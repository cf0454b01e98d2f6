//! Cookies: read from the request, written with the hardening of security.md §7 C 21 —
//! `__Host-` prefix, `Secure`, `HttpOnly`, `SameSite=Strict`, `Path=/`. Browsers treat
//! `http://127.0.0.1` and `http://localhost` as secure, so this works on a laptop too.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

pub const SESSION: &str = "__Host-haven_session";
pub const LOGIN_CSRF: &str = "__Host-haven_csrf";
/// A known device of the account that last signed in from this browser (see
/// `haven_core::auth::known_devices`). It outlives the session and signing out: it opens
/// nothing, and it is what keeps its owner able to sign in while someone guesses at the
/// account from elsewhere.
pub const DEVICE: &str = "__Host-haven_device";

/// The value of cookie `name`, if the request carries it.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pub fn set(name: &str, value: &str) -> String {
    format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict")
}

/// A cookie that outlives the browser's session, for `lasts`.
pub fn set_lasting(name: &str, value: &str, lasts: time::Duration) -> String {
    format!(
        "{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}",
        lasts.whole_seconds().max(0)
    )
}

pub fn clear(name: &str) -> String {
    format!("{name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}
