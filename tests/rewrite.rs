//! Optional rewriting through an OpenAI-compatible endpoint, against a loopback server that
//! answers like one: answers are cached by request, and a failing endpoint leaves the
//! extractive text.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use common::*;

#[derive(Default)]
struct Model {
    requests: AtomicUsize,
    failing: AtomicBool,
}

async fn chat(State(model): State<Arc<Model>>, body: String) -> (StatusCode, String) {
    model.requests.fetch_add(1, Ordering::SeqCst);
    if model.failing.load(Ordering::SeqCst) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "overloaded".into());
    }
    let request: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(request["messages"][0]["role"], "system");
    let user = request["messages"][1]["content"].as_str().unwrap();
    let headline = user
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("Headline: ");
    let answer = format!("Rewritten: {headline}\n\nA faithful summary of the story.");
    let reply =
        serde_json::json!({"choices": [{"message": {"role": "assistant", "content": answer}}]});
    (StatusCode::OK, reply.to_string())
}

/// Serves the fake model on a loopback port; returns its base URL.
fn model_server(model: Arc<Model>) -> (String, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/v1/chat/completions", post(chat))
        .with_state(model);
    rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, rt)
}

const ITEMS: &str = r#"{"id": "a1", "source": "Wire A", "title": "Temu fined 4 million euros by Dutch regulator", "link": "https://a.example/1", "published": "2025-11-19T18:00:00+08:00", "text": "The Dutch consumer authority ACM fined Temu 4 million euros over fake discounts and countdown timers. Temu said it would appeal the decision in court."}
{"id": "a2", "source": "Wire B", "title": "JD.com soft-opens its first JD Mall in Beijing", "link": "https://b.example/2", "published": "2025-11-20T09:00:00Z", "text": "JD.com soft-opened its first JD Mall in Beijing's Chaoyang district, a 50,000 square metre store for appliances and furniture."}
"#;

fn draft(dir: &std::path::Path) -> (serde_json::Value, String) {
    let out = common::draft_week_json(dir, 2);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (serde_json::from_str(&stdout_ok(&out)).unwrap(), stderr)
}

fn headlines(e: &serde_json::Value) -> Vec<String> {
    e["stories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["headline"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn rewrites_are_cached_and_a_failing_endpoint_keeps_the_extractive_text() {
    let model = Arc::new(Model::default());
    let (base, _rt) = model_server(model.clone());
    let dir = tempfile::tempdir().unwrap();
    stdout_ok(&roundup(
        dir.path(),
        &["init", "--example", "china-digital"],
    ));
    let config = std::fs::read_to_string(dir.path().join("roundup.toml")).unwrap();
    let with = |model_name: &str| {
        format!(
            "{config}\n[rewrite]\nendpoint = \"{base}\"\nmodel = \"{model_name}\"\ntimeout_secs = 10\n"
        )
    };
    write(dir.path(), "roundup.toml", &with("test-model"));
    write(dir.path(), "items.jsonl", ITEMS);
    stdout_ok(&roundup(dir.path(), &["import", "items.jsonl"]));

    let (e, _) = draft(dir.path());
    let h = headlines(&e);
    assert_eq!(h.len(), 2);
    assert!(h.iter().all(|t| t.starts_with("Rewritten: ")), "{h:?}");
    assert_eq!(
        e["stories"][0]["summary"],
        "A faithful summary of the story."
    );
    assert_eq!(model.requests.load(Ordering::SeqCst), 2);

    // The same requests again: answered from the cache, nothing sent.
    let (again, _) = draft(dir.path());
    assert_eq!(headlines(&again), h);
    assert_eq!(model.requests.load(Ordering::SeqCst), 2);

    // Another model is another request; the endpoint fails: the draft keeps its own text.
    model.failing.store(true, Ordering::SeqCst);
    write(dir.path(), "roundup.toml", &with("other-model"));
    let (fallback, stderr) = draft(dir.path());
    assert_eq!(model.requests.load(Ordering::SeqCst), 4);
    let h = headlines(&fallback);
    assert!(h.iter().all(|t| !t.starts_with("Rewritten")), "{h:?}");
    assert!(h.iter().any(|t| t.contains("Temu")), "{h:?}");
    assert!(
        stderr.contains("keeping the extractive summary"),
        "{stderr}"
    );
}
