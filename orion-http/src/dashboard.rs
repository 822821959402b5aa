//! The web dashboard: the files of `orion-http/web/` embedded in the binary
//! (rust-embed, embedded in debug builds too, so tests check what ships)
//! and served at `/` and every path outside the API's prefixes.
//!
//! # URLs
//!
//! | URL | served |
//! |---|---|
//! | `/assets/v/<version>/<path>` | like `/assets/<path>`, cached for a year (`immutable`) when `<version>` is this build's |
//! | `/assets/vendor/<f>` | `web/vendor/<f>` |
//! | `/assets/<path>` | `web/assets/<path>` |
//! | any other path outside [`RESERVED_PREFIXES`] | `web/index.html`, the app shell (deep links) |
//!
//! # Versioning
//!
//! `<version>` ([`Dashboard::version`]) is the first 12 hex digits of a
//! SHA-256 over every embedded file's path and content: any change to any
//! file gives a new version. `index.html` is served with its `/assets/`
//! references rewritten to `/assets/v/<version>/`, and the modules import
//! each other by *relative* URLs, so a page loads every file under one
//! version prefix, and a new build can never mix with a cached old file.
//! Versioned files are `Cache-Control: public, max-age=31536000,
//! immutable`; a request for another version (a page loaded before an
//! upgrade) gets the current file with `no-cache`, never cached for long
//! under the wrong name. Everything else — the shell, unversioned
//! `/assets/` URLs — is `no-cache`: revalidated every time, answered `304`
//! when the `ETag` still matches.
//!
//! # Headers
//!
//! Strong `ETag`s (a content hash; the gzip variant has its own), `304` for
//! a matching `If-None-Match`, gzip when the client accepts it (`Vary:
//! Accept-Encoding`), and on every answer [`CSP`] plus
//! `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
//! `Referrer-Policy: no-referrer` and `Cross-Origin-Opener-Policy:
//! same-origin`. Only `GET` and `HEAD` are served; other methods fall
//! through to the API's JSON 404.

use std::collections::HashMap;
use std::io::Write;
use std::sync::OnceLock;

use bytes::Bytes;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use warp::reply::Response;

/// Path prefixes that belong to the API or the shippers' protocols, never
/// to the dashboard: a request under one that no route serves is the API's
/// JSON 404, not the app shell.
pub const RESERVED_PREFIXES: &[&str] = &["/api", "/ws", "/otlp", "/loki", "/es"];

/// The Content-Security-Policy of every dashboard answer: nothing but this
/// origin, no inline script or style, no eval; `data:` images for the 2FA
/// QR code (`qrPngBase64`); no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                       form-action 'self'; frame-ancestors 'none'";

/// `Cache-Control` of a file under this build's version prefix.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of everything else: revalidate each time.
pub const NO_CACHE: &str = "no-cache";

/// Files smaller than this are sent as they are (gzip would not pay).
const GZIP_MIN: usize = 512;

#[derive(RustEmbed)]
#[folder = "web/"]
#[include = "index.html"]
#[include = "assets/**/*"]
#[include = "vendor/**/*"]
struct Web;

/// One servable file.
#[derive(Debug)]
struct Asset {
    body: Bytes,
    gzip: Option<Bytes>,
    etag: String,
    content_type: &'static str,
}

impl Asset {
    fn new(path: &str, body: Vec<u8>) -> Self {
        let digest = hex(&Sha256::digest(&body));
        let content_type = content_type(path);
        let gzip = (is_text(content_type) && body.len() >= GZIP_MIN)
            .then(|| gzip(&body))
            .filter(|z| z.len() < body.len())
            .map(Bytes::from);
        Self { body: Bytes::from(body), gzip, etag: digest[..20].to_owned(), content_type }
    }
}

/// The embedded dashboard: its files by URL path and its version.
#[derive(Debug)]
pub struct Dashboard {
    version: String,
    /// By the path after `/assets/` (`app.js`, `vendor/uPlot.esm.js`).
    assets: HashMap<String, Asset>,
    index: Asset,
}

/// The dashboard embedded in this binary (built on first use).
pub fn embedded() -> &'static Dashboard {
    static DASHBOARD: OnceLock<Dashboard> = OnceLock::new();
    DASHBOARD.get_or_init(Dashboard::load)
}

impl Dashboard {
    fn load() -> Self {
        let mut names: Vec<String> = Web::iter().map(|n| n.into_owned()).collect();
        names.sort();
        let mut hasher = Sha256::new();
        let mut files = Vec::with_capacity(names.len());
        for name in names {
            let Some(file) = Web::get(&name) else { continue };
            hasher.update(name.as_bytes());
            hasher.update([0]);
            hasher.update(file.metadata.sha256_hash());
            files.push((name, file.data.into_owned()));
        }
        let version = hex(&hasher.finalize())[..12].to_owned();
        let mut assets = HashMap::new();
        let mut index = None;
        for (name, data) in files {
            if name == "index.html" {
                let html =
                    String::from_utf8_lossy(&data).replace("\"/assets/", &format!("\"/assets/v/{version}/"));
                index = Some(Asset::new(&name, html.into_bytes()));
            } else if let Some(rest) = name.strip_prefix("assets/") {
                assets.insert(rest.to_owned(), Asset::new(&name, data));
            } else if name.starts_with("vendor/") {
                assets.insert(name.clone(), Asset::new(&name, data));
            }
        }
        let index = index
            .unwrap_or_else(|| Asset::new("index.html", b"<!doctype html><title>Orion</title>".to_vec()));
        Self { version, assets, index }
    }

    /// This build's asset version (12 hex digits).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The answer to `GET path`, or `None` when the path is not the
    /// dashboard's (under a [reserved prefix](RESERVED_PREFIXES), or an
    /// unknown file under `/assets/`).
    pub fn answer(&self, path: &str, headers: &HeaderMap) -> Option<Response> {
        if is_reserved(path) {
            return None;
        }
        let (asset, cache) = match path.strip_prefix("/assets/") {
            Some(rest) => match rest.strip_prefix("v/").and_then(|r| r.split_once('/')) {
                Some((version, file)) => {
                    let cache = if version == self.version { IMMUTABLE } else { NO_CACHE };
                    (self.assets.get(file)?, cache)
                }
                None => (self.assets.get(rest)?, NO_CACHE),
            },
            None => (&self.index, NO_CACHE),
        };
        Some(respond(asset, cache, headers))
    }
}

fn is_reserved(path: &str) -> bool {
    RESERVED_PREFIXES
        .iter()
        .any(|p| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
}

fn respond(asset: &Asset, cache: &'static str, headers: &HeaderMap) -> Response {
    let gzip = asset.gzip.as_ref().filter(|_| accepts_gzip(headers));
    let etag = match gzip {
        Some(_) => format!("\"{}-gz\"", asset.etag),
        None => format!("\"{}\"", asset.etag),
    };
    let mut response = if if_none_match(headers, &etag) {
        let mut r = Response::new(Bytes::new().into());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let body = gzip.unwrap_or(&asset.body).clone();
        let mut r = Response::new(body.into());
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
        if gzip.is_some() {
            r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if asset.gzip.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    security_headers(h);
    response
}

/// The headers every dashboard answer carries (see the module docs).
pub fn security_headers(h: &mut HeaderMap) {
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
}

/// Whether `Accept-Encoding` lists gzip (or `*`) with a non-zero quality.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value.split(',').any(|part| {
        let mut it = part.split(';');
        let coding = it.next().unwrap_or("").trim();
        let zero = it.any(|p| {
            p.trim().strip_prefix("q=").is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !zero
    })
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110
/// says for `If-None-Match`) or is `*`.
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    let Some(value) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value.split(',').map(str::trim).any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ if path.rsplit('/').next().is_some_and(|n| n.starts_with("LICENSE")) => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn is_text(content_type: &str) -> bool {
    content_type.starts_with("text/") || content_type == "image/svg+xml" || content_type == "application/json"
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The dashboard as a filter: `GET`/`HEAD` of a dashboard path, anything
/// else rejected as not found (so the API's answer stands).
pub fn routes() -> BoxedFilter<(Response,)> {
    warp::method()
        .and(warp::path::full())
        .and(warp::header::headers_cloned())
        .and_then(|method: Method, path: warp::path::FullPath, headers: HeaderMap| async move {
            if method != Method::GET && method != Method::HEAD {
                return Err(warp::reject::not_found());
            }
            embedded().answer(path.as_str(), &headers).ok_or_else(warp::reject::not_found)
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn reserved_prefixes_are_whole_segments() {
        for p in ["/api", "/api/", "/api/projects", "/ws", "/otlp/v1/logs", "/loki/api/v1/push", "/es/_bulk"]
        {
            assert!(is_reserved(p), "{p}");
        }
        for p in ["/", "/apis", "/wsx", "/essay", "/projects/web/logs", "/assets/app.js"] {
            assert!(!is_reserved(p), "{p}");
        }
    }

    #[test]
    fn gzip_is_accepted_unless_its_quality_is_zero() {
        assert!(accepts_gzip(&headers(&[("accept-encoding", "gzip, deflate, br")])));
        assert!(accepts_gzip(&headers(&[("accept-encoding", "br;q=1.0, GZIP;q=0.5")])));
        assert!(accepts_gzip(&headers(&[("accept-encoding", "*")])));
        assert!(!accepts_gzip(&headers(&[("accept-encoding", "gzip;q=0")])));
        assert!(!accepts_gzip(&headers(&[("accept-encoding", "br, identity")])));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists() {
        let h = headers(&[("if-none-match", "\"a\", W/\"b\"")]);
        assert!(if_none_match(&h, "\"a\""));
        assert!(if_none_match(&h, "\"b\""));
        assert!(!if_none_match(&h, "\"c\""));
        assert!(if_none_match(&headers(&[("if-none-match", "*")]), "\"c\""));
    }

    #[test]
    fn the_shell_points_every_asset_at_this_version() {
        let d = embedded();
        let html = std::str::from_utf8(&d.index.body).unwrap();
        let prefix = format!("\"/assets/v/{}/", d.version());
        assert!(html.contains(&format!("{prefix}app.js\"")), "{html}");
        assert!(!html.contains("\"/assets/app.js\""));
        assert_eq!(d.version().len(), 12);
        assert!(d.assets.contains_key("app.js") && d.assets.contains_key("vendor/uPlot.esm.js"));
        assert!(!d.assets.keys().any(|k| k.starts_with("tests/") || k.starts_with("tools/")));
    }
}
