//! Where someone was when their session ended, so that signing in again takes them back
//! there instead of to the home page. Only a page they asked for (a `GET`) is remembered,
//! never a form they sent (nothing of it was saved, and its text is handed back beside it);
//! it travels as `/login?next=…` and then in the sign-in form, and it is only ever a path
//! on this server. Page addresses carry opaque ids, never what someone typed: search and
//! every form post their values.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;

/// The longest address signing in returns to.
const MAX_LEN: usize = 512;

/// Addresses not worth returning to: signing in goes home anyway, and the others are not
/// pages someone reads.
const NOT_PAGES: [&str; 6] = [
    "/",
    "/login",
    "/logout",
    "/enrol",
    "/session/keep-alive",
    "/session/clock",
];

/// A page on this server to go to after signing in: a path, and its query if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReturnTo(String);

impl ReturnTo {
    /// `raw` if it is a page of this server: one leading `/` (never `//` or a backslash,
    /// which browsers read as another host), printable ASCII, not the API or an asset, and
    /// not one of [`NOT_PAGES`]. Anything else is not an error, only not returned to.
    pub(crate) fn parse(raw: &str) -> Option<Self> {
        let path = raw.split('?').next().unwrap_or(raw);
        let page = raw.len() <= MAX_LEN
            && raw.starts_with('/')
            && !raw.starts_with("//")
            && raw.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
            && !NOT_PAGES.contains(&path)
            && !path.starts_with("/api/")
            && !path.starts_with("/assets/");
        page.then(|| Self(raw.to_owned()))
    }

    /// The `next` of a sign-in page's query, if it names a page.
    pub(crate) fn from_query(query: Option<&str>) -> Option<Self> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
        pairs
            .iter()
            .find(|(name, _)| name == "next")
            .and_then(|(_, value)| Self::parse(value))
    }

    /// The page of an address as a browser names it (`http://host/cases/…?…`), as htmx
    /// sends it in `HX-Current-URL`; only its path and query are kept.
    pub(crate) fn from_page_url(url: &str) -> Option<Self> {
        let uri: axum::http::Uri = url.parse().ok()?;
        Self::parse(uri.path_and_query()?.as_str())
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The sign-in page that comes back here.
    pub(crate) fn login_url(&self) -> String {
        let query = serde_urlencoded::to_string([("next", self.0.as_str())]).unwrap_or_default();
        format!("/login?{query}")
    }
}

/// Middleware: a page asked for without a live session, which is sent to the sign-in page,
/// is sent there with its own address, so that signing in comes back to it.
pub(crate) async fn remember_page(req: Request, next: Next) -> Response {
    let wanted = if req.method() == Method::GET {
        req.uri()
            .path_and_query()
            .and_then(|pq| ReturnTo::parse(pq.as_str()))
    } else {
        None
    };
    let mut response = next.run(req).await;
    let to_sign_in = response.status().is_redirection()
        && response
            .headers()
            .get(header::LOCATION)
            .is_some_and(|l| l == "/login");
    if let (true, Some(page)) = (to_sign_in, wanted)
        && let Ok(location) = HeaderValue::from_str(&page.login_url())
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::ReturnTo;

    #[test]
    fn only_a_page_of_this_server_is_returned_to() {
        for page in [
            "/cases/3f2a",
            "/cases/3f2a?history=all",
            "/referrals",
            "/account",
        ] {
            assert_eq!(
                ReturnTo::parse(page).map(|p| p.as_str().to_owned()),
                Some(page.to_owned())
            );
        }
        for not in [
            "",
            "cases/3f2a",
            "//evil.example/cases",
            "/\\evil.example",
            "/cases\\..",
            "https://evil.example/",
            "/cases/ 3f2a",
            "/cases/\u{e9}",
            "/",
            "/login",
            "/login?next=/cases",
            "/logout",
            "/enrol",
            "/session/keep-alive",
            "/api/v1/cases",
            "/assets/haven.css",
        ] {
            assert_eq!(ReturnTo::parse(not), None, "{not:?}");
        }
        assert_eq!(ReturnTo::parse(&format!("/{}", "a".repeat(600))), None);
    }

    #[test]
    fn the_sign_in_address_carries_the_page_and_gives_it_back() {
        let page = ReturnTo::parse("/cases/3f2a?history=all").unwrap();
        let url = page.login_url();
        assert_eq!(url, "/login?next=%2Fcases%2F3f2a%3Fhistory%3Dall");
        let query = url.split_once('?').map(|(_, q)| q);
        assert_eq!(ReturnTo::from_query(query), Some(page));
        assert_eq!(ReturnTo::from_query(Some("next=%2F%2Fevil.example")), None);
        assert_eq!(ReturnTo::from_query(Some("%zz")), None);
        assert_eq!(ReturnTo::from_query(None), None);
    }
}
