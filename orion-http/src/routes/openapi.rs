//! The OpenAPI 3 document of the API, checked in beside the crate
//! (`orion-http/openapi.json`) and served as-is. The integration tests keep
//! it true: its set of operations must equal the routes served.

use orion_core::Orion;
use warp::Filter;
use warp::http::{HeaderValue, Method, header};
use warp::reply::Response;

use super::Routes;

/// The document, as served.
const DOCUMENT: &str = include_str!("../../openapi.json");

/// The OpenAPI route.
pub fn routes(_orion: &Orion) -> Routes {
    Routes::new().add(Method::GET, "/api/openapi.json", document())
}

/// GET /api/openapi.json
fn document() -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::path!("api" / "openapi.json").and(warp::get()).map(|| {
        let mut response = Response::new(DOCUMENT.into());
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    })
}
