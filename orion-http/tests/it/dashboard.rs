//! The dashboard served by the binary: the app shell at `/` and at deep
//! links, its assets under a versioned prefix with immutable caching,
//! ETag / 304, gzip, the Content-Security-Policy and security headers on
//! every answer, and the API's prefixes left to the API.

use orion_testkit::TestServer;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

use crate::assert_error;

/// `GET path` with no automatic decompression (reqwest's default build
/// has none: the body is what went on the wire).
async fn get(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = server.http(Method::GET, path);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

/// The security headers every dashboard answer carries.
#[track_caller]
fn assert_secured(headers: &HeaderMap) {
    let csp = header(headers, "content-security-policy");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.split(';').any(|d| d.trim() == directive), "{directive} missing from {csp}");
    }
    for forbidden in ["unsafe-inline", "unsafe-eval", "http:", "https:", "*"] {
        assert!(!csp.contains(forbidden), "{forbidden} in {csp}");
    }
    assert_eq!(header(headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(headers, "x-frame-options"), "DENY");
    assert_eq!(header(headers, "referrer-policy"), "no-referrer");
}

/// The versioned URL of the app module in the shell.
fn app_url(shell: &str) -> String {
    let start = shell.find("src=\"/assets/v/").expect("a versioned script src") + 5;
    let end = start + shell[start..].find('"').unwrap();
    shell[start..end].to_owned()
}

#[tokio::test]
async fn the_shell_is_served_at_the_root_and_at_every_deep_link() {
    let server = TestServer::start().await;
    let (status, headers, root) = get(&server, "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    assert_secured(&headers);
    let shell = String::from_utf8(root.clone()).unwrap();
    assert!(shell.contains("<div id=\"app\">"), "{shell}");
    for path in
        ["/projects", "/projects/web/logs?q=level:error&from=now-1h", "/login", "/a/b/c.txt", "/apis", "/wsx"]
    {
        let (status, headers, body) = get(&server, path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body, root, "{path} is the app shell");
        assert_secured(&headers);
    }
    let head = server.http(Method::HEAD, "/projects/web").send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_secured(head.headers());
}

#[tokio::test]
async fn the_api_prefixes_stay_the_apis() {
    let server = TestServer::start().await;
    for path in ["/api/nothing", "/api", "/ws/x", "/otlp/nothing", "/loki/nothing"] {
        let answer = server.request(Method::GET, path, None, None).await;
        assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    }
    // A real API route is unaffected, and the dashboard serves only reads.
    let (status, _, body) = get(&server, "/api/health", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(body).unwrap().contains("\"ok\""));
    let answer = server.request(Method::POST, "/projects", None, None).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    // An unknown asset is a 404, never the HTML shell under a .js name.
    let answer = server.request(Method::GET, "/assets/nothing.js", None, None).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    let answer = server.request(Method::GET, "/assets/v/0123/%2e%2e/index.html", None, None).await;
    assert_eq!(answer.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn versioned_assets_are_immutable_and_others_revalidate() {
    let server = TestServer::start().await;
    let (_, _, shell) = get(&server, "/", &[]).await;
    let shell = String::from_utf8(shell).unwrap();
    let app = app_url(&shell);
    let version = orion_http::dashboard_version();
    assert_eq!(app, format!("/assets/v/{version}/app.js"));
    assert!(!shell.contains("\"/assets/app.js\""), "every shell reference is versioned");

    let (status, headers, versioned) = get(&server, &app, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-type"), "text/javascript; charset=utf-8");
    assert_eq!(header(&headers, "cache-control"), "public, max-age=31536000, immutable");
    assert_secured(&headers);

    // The same file without a version, or under another build's version:
    // the same bytes, revalidated every time.
    let (status, headers, plain) = get(&server, "/assets/app.js", &[]).await;
    assert_eq!((status, header(&headers, "cache-control")), (StatusCode::OK, "no-cache"));
    assert_eq!(plain, versioned);
    let (status, headers, old) = get(&server, "/assets/v/000000000000/app.js", &[]).await;
    assert_eq!((status, header(&headers, "cache-control")), (StatusCode::OK, "no-cache"));
    assert_eq!(old, versioned);

    // Vendored files live under the same prefix (the modules import them
    // relatively), with their licences.
    let (status, headers, _) = get(&server, &format!("/assets/v/{version}/vendor/uPlot.esm.js"), &[]).await;
    assert_eq!(
        (status, header(&headers, "cache-control")),
        (StatusCode::OK, "public, max-age=31536000, immutable")
    );
    let (status, headers, _) = get(&server, "/assets/vendor/LICENSE.uplot", &[]).await;
    assert_eq!((status, header(&headers, "content-type")), (StatusCode::OK, "text/plain; charset=utf-8"));
    let (_, headers, _) = get(&server, "/assets/css/base.css", &[]).await;
    assert_eq!(header(&headers, "content-type"), "text/css; charset=utf-8");
    // What is not the dashboard's is not served.
    for path in ["/assets/tests/static.test.mjs", "/assets/tools/vendor-hashes.mjs", "/assets/package.json"] {
        assert_eq!(get(&server, path, &[]).await.0, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn a_matching_etag_is_a_304_and_a_changed_one_the_file() {
    let server = TestServer::start().await;
    for path in ["/", "/projects/web/logs", "/assets/app.js", "/assets/vendor/htm-preact-standalone.js"] {
        let (status, headers, body) = get(&server, path, &[]).await;
        assert_eq!(status, StatusCode::OK);
        let etag = header(&headers, "etag").to_owned();
        assert!(etag.starts_with('"') && etag.ends_with('"'), "a strong ETag: {etag}");

        let (status, headers, empty) = get(&server, path, &[("if-none-match", &etag)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(empty.is_empty());
        assert_eq!(header(&headers, "etag"), etag);
        assert!(headers.contains_key("cache-control"));
        assert_secured(&headers);
        let listed = format!("\"other\", W/{etag}");
        assert_eq!(get(&server, path, &[("if-none-match", &listed)]).await.0, StatusCode::NOT_MODIFIED);

        let (status, _, again) = get(&server, path, &[("if-none-match", "\"stale\"")]).await;
        assert_eq!((status, again), (StatusCode::OK, body));
    }
}

#[tokio::test]
async fn text_assets_are_gzipped_for_clients_that_accept_it() {
    use std::io::Read;
    let server = TestServer::start().await;
    let (_, plain_headers, plain) = get(&server, "/assets/vendor/uPlot.esm.js", &[]).await;
    assert!(plain_headers.get("content-encoding").is_none());
    let (status, headers, zipped) =
        get(&server, "/assets/vendor/uPlot.esm.js", &[("accept-encoding", "br, gzip;q=0.8")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    assert_eq!(header(&headers, "vary"), "Accept-Encoding");
    assert_ne!(header(&headers, "etag"), header(&plain_headers, "etag"), "each encoding has its own ETag");
    assert!(zipped.len() * 2 < plain.len(), "{} gzipped vs {} plain", zipped.len(), plain.len());
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&zipped[..]).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, plain);
    let (_, headers, _) =
        get(&server, "/assets/vendor/uPlot.esm.js", &[("accept-encoding", "gzip;q=0")]).await;
    assert!(headers.get("content-encoding").is_none());
}
