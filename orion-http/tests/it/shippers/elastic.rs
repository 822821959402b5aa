//! `/es`: the bulk API and the probes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{gzip, send, stored};
use crate::with_logs;

#[tokio::test]
async fn probes_answer_as_an_8x_cluster_with_the_product_header() {
    let t = with_logs().await;
    for (method, path) in [
        (Method::GET, "/es"),
        (Method::GET, "/es/"),
        (Method::HEAD, "/es/"),
        (Method::GET, "/es/_license"),
        (Method::GET, "/es/_cluster/health"),
        (Method::GET, "/es/_nodes/http"),
        (Method::GET, "/es/_xpack"),
        (Method::HEAD, "/es/_index_template/filebeat-8.19.0"),
        (Method::PUT, "/es/_index_template/filebeat-8.19.0"),
        (Method::GET, "/es/_ilm/policy/filebeat"),
        (Method::PUT, "/es/_ilm/policy/filebeat"),
        (Method::HEAD, "/es/_template/logstash"),
        (Method::PUT, "/es/logs-app"),
    ] {
        let response =
            t.server.http(method.clone(), path).bearer_auth(&t.writer).body("{}").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{method} {path}");
        assert_eq!(response.headers()["x-elastic-product"], "Elasticsearch", "{method} {path}");
        if method != Method::HEAD {
            let body: Value = response.json().await.unwrap();
            if path.trim_end_matches('/') == "/es" {
                assert!(body["version"]["number"].as_str().unwrap().starts_with("8."), "{body}");
            }
        }
    }
    let response = t.server.http(Method::GET, "/es/").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["x-elastic-product"], "Elasticsearch");
    let response = t.server.http(Method::DELETE, "/es/").bearer_auth(&t.writer).send().await.unwrap();
    assert_eq!(
        (response.status(), response.headers()["allow"].to_str().unwrap()),
        (StatusCode::METHOD_NOT_ALLOWED, "GET, HEAD")
    );
}

#[tokio::test]
async fn a_bulk_request_stores_every_document_and_answers_per_item() {
    let t = with_logs().await;
    let ndjson = [
        json!({"create": {"_index": "logs-checkout", "_id": "a1"}}),
        json!({"@timestamp": "2024-01-15T10:30:00.000Z", "message": "order placed", "log.level": "info", "order": {"id": 7}}),
        json!({"index": {}}),
        json!({"@timestamp": 1_705_314_601_000_i64, "msg": "slow query", "level": "WARNING", "service": {"name": "db"}}),
    ]
    .iter()
    .map(|v| format!("{v}\n"))
    .collect::<String>();
    let auth = format!("Bearer {}", t.writer);
    let (status, headers, body) = send(
        &t,
        "/es/applogs/_bulk",
        Some(&auth),
        &[("content-type", "application/x-ndjson"), ("content-encoding", "gzip")],
        gzip(ndjson.as_bytes()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-elastic-product"], "Elasticsearch");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["errors"], false, "{body}");
    assert_eq!(body["items"][0]["create"]["status"], 201);
    assert_eq!(body["items"][0]["create"]["_id"], "a1");
    assert_eq!(body["items"][0]["create"]["_index"], "logs-checkout");
    assert_eq!(body["items"][1]["index"]["_index"], "applogs");
    assert_eq!(body["items"][1]["index"]["result"], "created");
    assert_eq!(body["items"][1]["index"]["_seq_no"], 1);
    let generated = body["items"][1]["index"]["_id"].as_str().unwrap();
    assert!(generated.len() > 16 && generated != "a1", "an id is generated: {generated}");
    let logs = stored(&t).await;
    assert_eq!(logs.len(), 2);
    let (slow, placed) = (&logs[0], &logs[1]);
    assert_eq!(
        (placed["message"].as_str(), placed["level"].as_str(), placed["source"].as_str()),
        (Some("order placed"), Some("info"), Some("logs-checkout"))
    );
    assert_eq!(placed["timestamp"], "2024-01-15T10:30:00.000Z");
    assert_eq!(placed["metadata"], json!({"order": {"id": 7}, "_index": "logs-checkout"}));
    assert_eq!((slow["level"].as_str(), slow["source"].as_str()), (Some("warn"), Some("db")));
    assert_eq!(slow["timestamp"], "2024-01-15T10:30:01.000Z");
}

#[tokio::test]
async fn one_refused_item_stores_nothing_and_the_others_are_to_be_resent() {
    let t = with_logs().await;
    let huge = "x".repeat(20 * 1024);
    let ndjson = [
        json!({"index": {}}),
        json!({"message": "fine"}),
        json!({"delete": {"_id": "1"}}),
        json!({"index": {}}),
        json!({"message": "too much metadata", "blob": huge}),
    ]
    .iter()
    .map(|v| format!("{v}\n"))
    .collect::<String>();
    let auth = format!("Bearer {}", t.writer);
    let (status, _, body) =
        send(&t, "/es/_bulk", Some(&auth), &[("content-type", "application/x-ndjson")], ndjson.into_bytes())
            .await;
    assert_eq!(status, StatusCode::OK);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["errors"], true);
    let statuses: Vec<_> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_object().unwrap().values().next().unwrap()["status"].clone())
        .collect();
    assert_eq!(statuses, [json!(429), json!(400), json!(429)]);
    let refused = &body["items"][1]["delete"]["error"];
    assert_eq!(refused["type"], "illegal_argument_exception");
    assert!(refused["reason"].as_str().unwrap().contains("append-only"), "{refused}");
    let resend = &body["items"][2]["index"]["error"];
    assert_eq!(resend["type"], "es_rejected_execution_exception");
    assert!(resend["reason"].as_str().unwrap().contains("item 1 of the same request"), "{resend}");
    assert!(stored(&t).await.is_empty());

    // The first refusal was the delete; the metadata of item 2 is over the limit too.
    let ndjson =
        format!("{}\n{}\n", json!({"index": {}}), json!({"message": "big", "blob": "y".repeat(20 * 1024)}));
    let (_, _, body) = send(&t, "/es/_bulk", Some(&auth), &[], ndjson.into_bytes()).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["items"][0]["index"]["status"], 400, "{body}");
    assert!(stored(&t).await.is_empty());
}
