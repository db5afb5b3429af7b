//! The editor's desk, read-only for now: the latest draft and the archive.
//!
//! Routes: `/` (latest draft as a page), `/draft.md`, `/draft.json`, `/archive`, `/sources`
//! (each source's health), `/healthz`.
//! The server only reads the store; building drafts is the CLI's job.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::render;
use crate::store::Store;

/// The web application over a store.
pub fn router(store: Store) -> Router {
    Router::new()
        .route("/", get(draft_page))
        .route("/draft.md", get(draft_md))
        .route("/draft.json", get(draft_json))
        .route("/archive", get(archive))
        .route("/sources", get(sources))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(store)
}

/// Serves the application on `addr` until the process is stopped.
pub async fn serve(store: Store, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("serve: cannot listen on {addr}: {e}; is another server using that port? set [serve] addr"))?;
    tracing::info!("serving on http://{}", listener.local_addr()?);
    axum::serve(listener, router(store)).await?;
    Ok(())
}

async fn latest(store: &Store) -> Result<crate::model::Edition, Response> {
    match store.latest_draft().await {
        Ok(Some(e)) => Ok(e),
        Ok(None) => Err((
            StatusCode::NOT_FOUND,
            Html("<!doctype html><title>No draft</title><p>No draft yet. Run <code>roundup draft</code> (or <code>roundup demo</code>) first.</p>"),
        )
            .into_response()),
        Err(e) => Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()),
    }
}

/// The latest draft through `render`, or a page saying why there is none.
async fn with_latest(
    store: &Store,
    render: impl FnOnce(&crate::model::Edition) -> Response,
) -> Response {
    match latest(store).await {
        Ok(e) => render(&e),
        Err(r) => r,
    }
}

async fn draft_page(State(store): State<Store>) -> Response {
    with_latest(&store, |e| Html(render::html(e)).into_response()).await
}

async fn draft_md(State(store): State<Store>) -> Response {
    with_latest(&store, |e| {
        (
            [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
            render::markdown(e),
        )
            .into_response()
    })
    .await
}

async fn draft_json(State(store): State<Store>) -> Response {
    with_latest(&store, |e| {
        (
            [(header::CONTENT_TYPE, "application/json")],
            render::json(e),
        )
            .into_response()
    })
    .await
}

async fn sources(State(store): State<Store>) -> Response {
    let list = match store.sources().await {
        Ok(l) => l,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let esc = |s: &str| html_escape::encode_text(s).to_string();
    let mut rows = String::new();
    for s in &list {
        rows.push_str(&format!(
            "<tr class=\"{state}\"><td>{name}</td><td>{state}</td><td>{articles}</td><td>{last}</td><td>{next}</td><td>{error}</td></tr>\n",
            name = esc(&s.name),
            state = esc(&s.state),
            articles = s.articles,
            last = esc(s.last_fetch_at.as_deref().unwrap_or("-")),
            next = esc(s.next_attempt.as_deref().unwrap_or("-")),
            error = esc(s.last_error.as_deref().unwrap_or("")),
        ));
    }
    Html(format!(
        "<!doctype html><meta charset=\"utf-8\"><title>Sources</title><style>body{{font-family:sans-serif}}\
         td,th{{padding:.2rem .6rem;text-align:left}} tr.failing,tr.dead{{background:#fde8e8}}</style>\
         <h1>Sources</h1><table><tr><th>source</th><th>state</th><th>articles</th><th>last fetch</th>\
         <th>next attempt</th><th>last error</th></tr>\n{rows}</table>"
    ))
    .into_response()
}

async fn archive() -> Html<&'static str> {
    Html(
        "<!doctype html><title>Archive</title><h1>Archive</h1><p>No published editions yet: publishing arrives with the editor's desk.</p>",
    )
}
