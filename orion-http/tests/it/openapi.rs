//! The OpenAPI document is kept true: it documents exactly the endpoints
//! the server registers, and every documented endpoint is really served at
//! that method and path.

use std::collections::BTreeSet;

use orion_http::Endpoint;
use orion_testkit::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

pub(crate) async fn document(server: &TestServer) -> Value {
    let response = server.http(Method::GET, "/api/openapi.json").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

/// `(METHOD, path)` of every documented operation.
pub(crate) fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().unwrap().iter().filter(|(m, _)| METHODS.contains(&m.as_str())) {
            ops.insert((method.to_uppercase(), path.clone()));
        }
    }
    ops
}

/// `(METHOD, path)` of every endpoint the server registers.
fn served(server: &TestServer) -> BTreeSet<(String, String)> {
    let endpoints: Vec<Endpoint> = orion_http::endpoints(&server.orion);
    endpoints.into_iter().map(|e| (e.method, e.path.to_owned())).collect()
}

#[tokio::test]
async fn the_document_is_openapi_3() {
    let server = TestServer::start().await;
    let doc = document(&server).await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn the_document_lists_exactly_the_served_endpoints() {
    let server = TestServer::start().await;
    let documented = documented(&document(&server).await);
    let served = served(&server);
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&served).collect();
    assert!(undocumented.is_empty(), "served but not in openapi.json: {undocumented:?}");
    assert!(phantom.is_empty(), "in openapi.json but not served: {phantom:?}");
}

#[tokio::test]
async fn every_documented_endpoint_answers_at_its_method_and_path() {
    let server = TestServer::start().await;
    for (method, template) in documented(&document(&server).await) {
        let path = template
            .replace("{projectName}", "some-project")
            .replace("{tokenId}", "00000000-0000-4000-8000-000000000000")
            .replace("{sourceName}", "some-source")
            .replace("{searchId}", "1")
            .replace("{silenceId}", "1")
            .replace("{serverId}", "some-server")
            .replace("{commandId}", "00000000-0000-4000-8000-000000000000")
            .replace("{ruleId}", "00000000-0000-4000-8000-000000000000")
            .replace("{incidentId}", "1")
            .replace("{id}", "1");
        assert!(!path.contains('{'), "unknown parameter in {template}");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let (status, body) = server.request(method.clone(), &path, None, Some(json!({}))).await;
        let no_route = status == StatusCode::NOT_FOUND && body["error"] == orion_http::NO_ROUTE;
        assert!(
            !no_route && status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {template}: {status} {body}"
        );
    }
}

#[tokio::test]
async fn every_operation_is_described_and_declares_its_parameters_and_security() {
    let server = TestServer::start().await;
    let doc = document(&server).await;
    let public =
        ["/api/health", "/api/openapi.json", "/api/auth/register", "/api/auth/login", "/api/auth/2fa/verify"];
    let mut operation_ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap().iter().filter(|(m, _)| METHODS.contains(&m.as_str())) {
            let at = format!("{method} {path}");
            assert!(op["summary"].is_string(), "{at}: no summary");
            assert!(
                operation_ids.insert(op["operationId"].as_str().expect("operationId").to_owned()),
                "{at}: duplicate id"
            );
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{at}: no responses");
            let params: BTreeSet<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(item["parameters"].as_array().into_iter().flatten())
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let in_path: BTreeSet<&str> =
                path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
            assert_eq!(params, in_path, "{at}: path parameters");
            let secured = op.get("security").or(doc.get("security")).is_some_and(|s| s != &json!([]));
            assert_eq!(secured, !public.contains(&path.as_str()), "{at}: security");
            if secured {
                assert!(op["responses"].get("401").is_some(), "{at}: no 401 documented");
            }
        }
    }
}
