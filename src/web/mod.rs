//! The web face: the editor's desk behind a login, and the public site (archive, feeds,
//! subscription pages, `/metrics`).
//!
//! Public routes: `/` (archive), `/editions/{slug}.html|.md|.json`, `/feed.atom`,
//! `/feed.json`, `/entity/{name}.atom`, `/subscribe`, `/confirm/{token}`,
//! `/unsubscribe/{token}` (one-click, RFC 8058), `/sources`, `/metrics`, `/healthz`.
//! Desk routes (signed in; every form carries the session's CSRF token): `/desk`,
//! `/desk/act`, `/desk/add-url`, `/desk/pull`, `/desk/publish`, `/desk/send/{slug}`,
//! `/desk/preview`, `/desk/preview-email`, `/desk/draft.json`, `/desk/draft.md`.
//! Every handler is a few lines over `pipeline`, `deliver` and `render`.

pub mod guard;

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use minijinja::{Environment, context};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::config::Config;
use crate::deliver::{self, Mailer};
use crate::model::{Action, EditionItem, Published};
use crate::pipeline::desk;
use crate::pipeline::metrics::{Gauge, Metrics};
use crate::render::{self, archive};
use crate::store::Store;

/// What the web application serves from.
pub struct App {
    /// The beat's store.
    pub store: Store,
    /// The beat's config.
    pub config: Config,
    /// Counters shared with the service loop.
    pub metrics: Arc<Metrics>,
    /// The SMTP sender, when `[email]` sets one.
    pub mailer: Option<Mailer>,
    /// Editions being sent by this server now, so that a second click waits its turn.
    pub sending: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Recent confirmation mails from the public subscribe form.
    pub subscribe_guard: std::sync::Mutex<guard::SubscribeGuard>,
}

impl App {
    /// The application over a beat's store and config.
    pub fn new(store: Store, config: Config, metrics: Arc<Metrics>, mailer: Option<Mailer>) -> App {
        App {
            store,
            config,
            metrics,
            mailer,
            sending: Default::default(),
            subscribe_guard: Default::default(),
        }
    }
}

type Shared = State<Arc<App>>;

const COOKIE: &str = "roundup_session";
const CSS: &str = include_str!("../../templates/desk/base.css");

static PAGES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = render::environment();
    for (name, text) in [
        ("desk.html", include_str!("../../templates/desk/desk.html")),
        (
            "login.html",
            include_str!("../../templates/desk/login.html"),
        ),
        ("page.html", include_str!("../../templates/desk/page.html")),
    ] {
        env.add_template(name, text)
            .expect("built-in template parses");
    }
    env
});

fn page(name: &str, ctx: minijinja::Value) -> Response {
    match PAGES.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(e),
    }
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("web: {e}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("internal error: {e}"),
    )
        .into_response()
}

/// A plain page with a heading and a message, and maybe a form.
fn message(app: &App, status: StatusCode, heading: &str, text: &str) -> Response {
    let mut r = page(
        "page.html",
        context! { title => app.config.edition_title(), css => CSS, heading => heading, message => text },
    );
    *r.status_mut() = status;
    r
}

/// The page for a confirmation or unsubscribe link that leads nowhere.
fn invalid_link(app: &App, text: &str) -> Response {
    message(app, StatusCode::NOT_FOUND, "Link not valid", text)
}

/// The web application.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(archive_index))
        .route("/index.html", get(archive_index))
        .route("/editions/{file}", get(edition_file))
        .route("/feed.atom", get(feed_atom))
        .route("/feed.json", get(feed_json))
        .route("/entity/{file}", get(entity_feed))
        .route("/subscribe", get(subscribe_form).post(subscribe))
        .route("/confirm/{token}", get(confirm))
        .route(
            "/unsubscribe/{token}",
            get(unsubscribe_form).post(unsubscribe),
        )
        .route("/sources", get(sources))
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok" }))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/desk", get(desk_page))
        .route("/desk/act", post(desk_act))
        .route("/desk/add-url", post(desk_add_url))
        .route("/desk/pull", post(desk_pull))
        .route("/desk/publish", post(desk_publish))
        .route("/desk/send/{slug}", post(desk_send))
        .route("/desk/preview", get(desk_preview))
        .route("/desk/preview-email", get(desk_preview_email))
        .route("/desk/draft.json", get(desk_draft_json))
        .route("/desk/draft.md", get(desk_draft_md))
        .with_state(Arc::new(app))
}

/// Serves the application on `addr` until the process is stopped.
pub async fn serve(app: App, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("serve: cannot listen on {addr}: {e}; is another server using that port? set [serve] addr"))?;
    tracing::info!("serving on http://{}", listener.local_addr()?);
    axum::serve(listener, router(app)).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The public site.

/// A response made from the published editions, newest first.
async fn from_archive(app: &App, f: impl FnOnce(&[Published]) -> Response) -> Response {
    match app.store.published_editions().await {
        Ok(list) => f(&list),
        Err(e) => internal(e),
    }
}

async fn archive_index(State(app): Shared) -> Response {
    let subscribe = app.mailer.as_ref().map(|_| "subscribe");
    from_archive(&app, |list| {
        Html(archive::index(&app.config.edition_title(), list, subscribe)).into_response()
    })
    .await
}

fn typed(content_type: &'static str, body: String) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn edition_file(State(app): Shared, Path(file): Path<String>) -> Response {
    let (slug, kind) = match file.rsplit_once('.') {
        Some((slug, kind @ ("html" | "md" | "json"))) => (slug.to_string(), kind),
        _ => (file.clone(), "html"),
    };
    match app.store.published_edition(&slug).await {
        Ok(Some(p)) => match kind {
            "md" => typed("text/markdown; charset=utf-8", render::markdown(&p.edition)),
            "json" => typed("application/json", render::json(&p.edition)),
            _ => Html(archive::edition_page(&p)).into_response(),
        },
        Ok(None) => message(
            &app,
            StatusCode::NOT_FOUND,
            "No such edition",
            &format!("No edition was published as {slug:?}."),
        ),
        Err(e) => internal(e),
    }
}

async fn feed_atom(State(app): Shared) -> Response {
    let (title, base) = (app.config.edition_title(), app.config.serve.base_url());
    from_archive(&app, |list| {
        typed(
            "application/atom+xml; charset=utf-8",
            archive::atom(&title, &base, list),
        )
    })
    .await
}

async fn feed_json(State(app): Shared) -> Response {
    let (title, base) = (app.config.edition_title(), app.config.serve.base_url());
    from_archive(&app, |list| {
        typed(
            "application/feed+json",
            archive::json_feed(&title, &base, list),
        )
    })
    .await
}

async fn entity_feed(State(app): Shared, Path(file): Path<String>) -> Response {
    let slug = file.strip_suffix(".atom").unwrap_or(&file);
    let list = match app.store.published_editions().await {
        Ok(l) => l,
        Err(e) => return internal(e),
    };
    let Some(entity) = archive::entities(&list)
        .into_iter()
        .find(|e| e.slug == slug)
    else {
        return message(
            &app,
            StatusCode::NOT_FOUND,
            "No such name",
            &format!("No published story names {slug:?}."),
        );
    };
    typed(
        "application/atom+xml; charset=utf-8",
        archive::entity_atom(
            &app.config.edition_title(),
            &app.config.serve.base_url(),
            &entity.name,
            &list,
        ),
    )
}

async fn subscribe_form(State(app): Shared) -> Response {
    if app.mailer.is_none() {
        return message(
            &app,
            StatusCode::NOT_FOUND,
            "No email edition",
            "This site does not send email.",
        );
    }
    page(
        "page.html",
        context! {
            title => app.config.edition_title(), css => CSS, heading => "Subscribe",
            message => format!("Get {} by email. We will send a link to confirm the address first.", app.config.edition_title()),
            form => context! { action => "/subscribe", button => "Subscribe", hidden => Vec::<(String, String)>::new(),
                               fields => vec![context! { label => "Email", name => "email", type => "email" }] },
        },
    )
}

#[derive(Deserialize)]
struct EmailForm {
    email: String,
}

async fn subscribe(State(app): Shared, Form(f): Form<EmailForm>) -> Response {
    let Some(mailer) = &app.mailer else {
        return message(
            &app,
            StatusCode::NOT_FOUND,
            "No email edition",
            "This site does not send email.",
        );
    };
    let now = std::time::Instant::now();
    let verdict = app
        .subscribe_guard
        .lock()
        .map_or(guard::Verdict::Send, |mut g| g.check(&f.email, now));
    match verdict {
        guard::Verdict::Send => {}
        // The same answer as a sent confirmation: the form tells nobody what it did.
        guard::Verdict::Quiet => return check_inbox(&app),
        guard::Verdict::Busy => {
            return message(
                &app,
                StatusCode::TOO_MANY_REQUESTS,
                "Try again in a minute",
                "Many people are signing up just now. Please try again in a minute.",
            );
        }
    }
    let outcome = deliver::subscribe(&app.store, &app.config, mailer, &f.email).await;
    if !matches!(outcome, Ok(deliver::Subscribed::ConfirmationSent))
        && let Ok(mut g) = app.subscribe_guard.lock()
    {
        g.unsent(&f.email, now);
    }
    match outcome {
        // The same answer whatever the address's state, so the form tells nobody who reads.
        Ok(_) => check_inbox(&app),
        Err(e) => message(
            &app,
            StatusCode::BAD_REQUEST,
            "Cannot subscribe",
            &e.to_string(),
        ),
    }
}

/// The answer to a subscribe request that was not refused.
fn check_inbox(app: &App) -> Response {
    message(
        app,
        StatusCode::OK,
        "Check your inbox",
        "If the address can receive the edition, a confirmation link is on its way.",
    )
}

async fn confirm(State(app): Shared, Path(token): Path<String>) -> Response {
    match deliver::confirm(&app.store, &token).await {
        Ok(Some(s)) if s.status == "active" => message(
            &app,
            StatusCode::OK,
            "Subscribed",
            &format!("{} will receive the next edition.", s.email),
        ),
        Ok(_) => invalid_link(
            &app,
            "This confirmation link is not valid (any more). Subscribe again to get a new one.",
        ),
        Err(e) => internal(e),
    }
}

async fn unsubscribe_form(State(app): Shared, Path(token): Path<String>) -> Response {
    match app.store.subscriber_by_token(&token).await {
        Ok(Some(s)) => page(
            "page.html",
            context! {
                title => app.config.edition_title(), css => CSS, heading => "Unsubscribe",
                message => format!("Stop sending {} to {}?", app.config.edition_title(), s.email),
                form => context! { action => format!("/unsubscribe/{token}"), button => "Unsubscribe",
                                   hidden => vec![("List-Unsubscribe", "One-Click")], fields => Vec::<()>::new() },
            },
        ),
        Ok(None) => invalid_link(&app, "This unsubscribe link is not valid."),
        Err(e) => internal(e),
    }
}

/// One-click unsubscribe (RFC 8058): mail clients POST `List-Unsubscribe=One-Click` here
/// with no cookie; the token is the credential.
async fn unsubscribe(State(app): Shared, Path(token): Path<String>) -> Response {
    match deliver::unsubscribe(&app.store, &token).await {
        Ok(Some(s)) => message(
            &app,
            StatusCode::OK,
            "Unsubscribed",
            &format!("{} will get no more editions.", s.email),
        ),
        Ok(None) => invalid_link(&app, "This unsubscribe link is not valid."),
        Err(e) => internal(e),
    }
}

async fn sources(State(app): Shared) -> Response {
    let list = match app.store.sources().await {
        Ok(l) => l,
        Err(e) => return internal(e),
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

async fn metrics(State(app): Shared) -> Response {
    let store = &app.store;
    let gather = async {
        let articles = store.article_count().await? as f64;
        let sources = store.sources().await?;
        let published = store.published_editions().await?.len() as f64;
        let sends = store.all_send_counts().await?;
        let subscribers = store.subscribers().await?;
        let draft = store.latest_draft().await?;
        anyhow::Ok((articles, sources, published, sends, subscribers, draft))
    };
    let (articles, sources, published, sends, subscribers, draft) = match gather.await {
        Ok(x) => x,
        Err(e) => return internal(e),
    };
    let states = tally(sources.iter().map(|s| s.state.as_str()));
    let subs = tally(subscribers.iter().map(|s| s.status.as_str()));
    let draft_stories = draft.as_ref().map_or(0.0, |d| d.stories.len() as f64);
    let bench = draft.as_ref().map_or(0.0, |d| d.bench.len() as f64);
    let mut gauges = vec![
        Gauge::new("roundup_articles", "Articles in the store.", None, articles),
        Gauge::new(
            "roundup_draft_stories",
            "Stories in the latest draft, and on its bench.",
            Some(("part", "edition")),
            draft_stories,
        ),
        Gauge::new(
            "roundup_draft_stories",
            "Stories in the latest draft, and on its bench.",
            Some(("part", "bench")),
            bench,
        ),
        Gauge::new(
            "roundup_editions_published",
            "Editions in the archive.",
            None,
            published,
        ),
    ];
    for (state, n) in &states {
        gauges.push(Gauge::new(
            "roundup_sources",
            "Sources by health.",
            Some(("state", state)),
            *n,
        ));
    }
    for (status, n) in &subs {
        gauges.push(Gauge::new(
            "roundup_subscribers",
            "Subscribers by status.",
            Some(("status", status)),
            *n,
        ));
    }
    for (status, n) in &sends {
        gauges.push(Gauge::new(
            "roundup_send_log",
            "Send log rows by status.",
            Some(("status", status)),
            *n as f64,
        ));
    }
    typed(
        "text/plain; version=0.0.4; charset=utf-8",
        app.metrics.render(&gauges),
    )
}

/// How many times each key occurs, in the order keys first appear.
fn tally<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    for key in keys {
        match out.iter_mut().find(|(k, _)| k == key) {
            Some((_, n)) => *n += 1.0,
            None => out.push((key.to_string(), 1.0)),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Signing in.

/// A signed-in editor.
struct Session {
    user: String,
    csrf: String,
}

fn hash_token(token: &str) -> String {
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == COOKIE).then(|| v.to_string())
        })
}

/// The signed-in editor, or a redirect to the login page.
async fn require(app: &App, headers: &HeaderMap) -> Result<Session, Response> {
    let Some(token) = cookie_token(headers) else {
        return Err(Redirect::to("/login").into_response());
    };
    match app.store.session(&hash_token(&token), Utc::now()).await {
        Ok(Some((user, csrf))) => Ok(Session { user, csrf }),
        Ok(None) => Err(Redirect::to("/login").into_response()),
        Err(e) => Err(internal(e)),
    }
}

/// The signed-in editor whose form carries the session's CSRF token.
async fn require_form(app: &App, headers: &HeaderMap, csrf: &str) -> Result<Session, Response> {
    let s = require(app, headers).await?;
    let same = s.csrf.len() == csrf.len()
        && s.csrf
            .bytes()
            .zip(csrf.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(message(
            app,
            StatusCode::FORBIDDEN,
            "Form expired",
            "This form does not belong to your session (it may be from before you signed in again). Go back, reload the desk and try again.",
        ));
    }
    Ok(s)
}

async fn login_form(State(app): Shared) -> Response {
    page(
        "login.html",
        context! { title => app.config.edition_title(), css => CSS },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
}

async fn login(State(app): Shared, Form(f): Form<LoginForm>) -> Response {
    let hash = match app.store.password_hash(f.name.trim()).await {
        Ok(h) => h,
        Err(e) => return internal(e),
    };
    let password = f.password.clone();
    // A missing user costs the same work as a wrong password.
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| desk::hash_password("no such user").unwrap_or_default());
    let hash_or_dummy = hash.clone().unwrap_or_else(|| DUMMY.clone());
    let ok = tokio::task::spawn_blocking(move || desk::verify_password(&password, &hash_or_dummy))
        .await
        .unwrap_or(false)
        && hash.is_some();
    if !ok {
        let mut r = page(
            "login.html",
            context! { title => app.config.edition_title(), css => CSS, error => "Wrong name or password." },
        );
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        return r;
    }
    let (token, csrf) = match (deliver::token(), deliver::token()) {
        (Ok(t), Ok(c)) => (t, c),
        (Err(e), _) | (_, Err(e)) => return internal(e),
    };
    let hours = i64::from(app.config.serve.session_hours.max(1));
    let expires = Utc::now() + chrono::Duration::hours(hours);
    if let Err(e) = app
        .store
        .create_session(&hash_token(&token), f.name.trim(), &csrf, expires)
        .await
    {
        return internal(e);
    }
    let secure = if app.config.serve.base_url().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        hours * 3600
    );
    let mut r = Redirect::to("/desk").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(State(app): Shared, headers: HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    if let Err(r) = require_form(&app, &headers, &f.csrf).await {
        return r;
    }
    if let Some(token) = cookie_token(&headers)
        && let Err(e) = app.store.end_session(&hash_token(&token)).await
    {
        return internal(e);
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("roundup_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    r
}

// ---------------------------------------------------------------------------------------
// The desk.

#[derive(Serialize)]
struct ItemView<'a> {
    key: &'a str,
    item: &'a EditionItem,
}

fn views(items: &[EditionItem]) -> Vec<ItemView<'_>> {
    items
        .iter()
        .map(|i| ItemView {
            key: i.key(),
            item: i,
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct DeskQuery {
    q: Option<String>,
    error: Option<String>,
    ok: Option<String>,
}

fn no_store(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; style-src 'unsafe-inline'; img-src * data:; form-action 'self'; frame-ancestors 'none'"),
    );
    r
}

async fn desk_page(State(app): Shared, headers: HeaderMap, Query(q): Query<DeskQuery>) -> Response {
    let s = match require(&app, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let curated = match desk::curated(&app.store).await {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let query = q.q.unwrap_or_default();
    let hits = if query.trim().is_empty() {
        Vec::new()
    } else {
        match app.store.search(query.trim(), 20).await {
            Ok(h) => h,
            Err(e) => return internal(e),
        }
    };
    let hits: Vec<_> = hits
        .iter()
        .map(|a| context! { title => a.title, source => a.source, link => a.link, published => a.published })
        .collect();
    let mut published = Vec::new();
    match app.store.published_editions().await {
        Ok(list) => {
            for p in list.iter().take(20) {
                let sends = match deliver::send_summary(&app.store, &p.slug).await {
                    Ok(s) => s,
                    Err(e) => return internal(e),
                };
                published.push(context! { slug => p.slug, by => p.published_by, sends => sends });
            }
        }
        Err(e) => return internal(e),
    }
    let (edition, stale) = match &curated {
        Some(c) => (Some(&c.edition), c.stale.len()),
        None => (None, 0),
    };
    let empty = Vec::new();
    no_store(page(
        "desk.html",
        context! {
            title => app.config.edition_title(), css => CSS, user => s.user, csrf => s.csrf,
            edition => edition, stale => stale,
            items => views(edition.map_or(&empty, |e| &e.stories)),
            bench => views(edition.map_or(&empty, |e| &e.bench)),
            dropped => views(edition.map_or(&empty, |e| &e.dropped)),
            query => query, hits => hits, published => published,
            email => app.mailer.is_some(), error => q.error, ok => q.ok,
        },
    ))
}

/// Back to the desk with a message.
fn back(kind: &str, text: &str) -> Response {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(kind, text)
        .finish();
    Redirect::to(&format!("/desk?{q}")).into_response()
}

#[derive(Deserialize)]
struct ActForm {
    csrf: String,
    action: String,
    #[serde(default)]
    story: String,
    to: Option<usize>,
    into: Option<String>,
    link: Option<String>,
    headline: Option<String>,
    summary: Option<String>,
    text: Option<String>,
    with: Option<String>,
}

async fn desk_act(State(app): Shared, headers: HeaderMap, Form(f): Form<ActForm>) -> Response {
    let s = match require_form(&app, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let story = f.story.clone();
    let missing = |what: &str| back("error", &format!("the form lacks {what}"));
    let action = match f.action.as_str() {
        "pin" => Action::Pin { story },
        "unpin" => Action::Unpin { story },
        "drop" => Action::Drop { story },
        "restore" => Action::Restore { story },
        "move" => match f.to {
            Some(to) => Action::Move { story, to },
            None => return missing("a position"),
        },
        "merge" => match f.into {
            Some(into) => Action::Merge { story, into },
            None => return missing("the story to merge into"),
        },
        "swap" => match f.with {
            Some(with) => Action::Swap { story, with },
            None => return missing("the story to swap with"),
        },
        "edit" => {
            let headline = f.headline.unwrap_or_default();
            if headline.trim().is_empty() {
                return back("error", "a headline cannot be empty");
            }
            Action::Edit {
                story,
                headline,
                summary: f.summary.unwrap_or_default(),
            }
        }
        "intro" => Action::Intro {
            text: f.text.unwrap_or_default(),
        },
        "wrap_up" => Action::WrapUp {
            text: f.text.unwrap_or_default(),
        },
        "split" => {
            let Some(link) = f.link else {
                return missing("the article to split out");
            };
            match split_item(&app, &link).await {
                Ok(item) => Action::Split {
                    story,
                    link,
                    item: Box::new(item),
                },
                Err(e) => return back("error", &e.to_string()),
            }
        }
        other => return back("error", &format!("unknown action {other:?}")),
    };
    act_then_back(&app, &s.user, action, "Saved.").await
}

/// The story an article becomes when split out of its story.
async fn split_item(app: &App, link: &str) -> anyhow::Result<EditionItem> {
    let base = app
        .store
        .latest_draft()
        .await?
        .ok_or_else(|| anyhow::anyhow!("no draft"))?;
    let article = app
        .store
        .articles_in(base.window)
        .await?
        .into_iter()
        .find(|a| a.link == link)
        .ok_or_else(|| anyhow::anyhow!("{link} is not an article of this window"))?;
    Ok(desk::item_for(&app.config, article))
}

#[derive(Deserialize)]
struct UrlForm {
    csrf: String,
    url: String,
}

async fn desk_add_url(State(app): Shared, headers: HeaderMap, Form(f): Form<UrlForm>) -> Response {
    let s = match require_form(&app, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let article = match desk::fetch_article(&app.config, &app.store, &f.url).await {
        Ok(a) => a,
        Err(e) => return back("error", &format!("cannot add {}: {e}", f.url)),
    };
    let ok = format!("Added “{}”.", article.title);
    pull_in(&app, &s.user, article, &ok).await
}

/// Pulls an article into the edition as a story of its own, pinned.
async fn pull_in(app: &App, user: &str, article: crate::model::Article, ok: &str) -> Response {
    let item = Box::new(desk::item_for(&app.config, article));
    act_then_back(app, user, Action::Add { item }, ok).await
}

/// Applies an action and goes back to the desk with what happened.
async fn act_then_back(app: &App, user: &str, action: Action, ok: &str) -> Response {
    match desk::act(&app.store, user, action).await {
        Ok(_) => back("ok", ok),
        Err(e) => back("error", &e.to_string()),
    }
}

#[derive(Deserialize)]
struct PullForm {
    csrf: String,
    q: String,
    link: String,
}

async fn desk_pull(State(app): Shared, headers: HeaderMap, Form(f): Form<PullForm>) -> Response {
    let s = match require_form(&app, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let hit = match app.store.search(f.q.trim(), 50).await {
        Ok(hits) => hits.into_iter().find(|a| a.link == f.link),
        Err(e) => return internal(e),
    };
    let Some(article) = hit else {
        return back("error", "that article is no longer found by the search");
    };
    pull_in(&app, &s.user, article, "Pulled into the edition.").await
}

async fn desk_publish(State(app): Shared, headers: HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    let s = match require_form(&app, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match desk::publish(&app.config, &app.store, &s.user, Utc::now()).await {
        Ok(p) => {
            Metrics::add(&app.metrics.published, 1);
            Redirect::to(&format!("/editions/{}.html", p.slug)).into_response()
        }
        Err(e) => back("error", &e.to_string()),
    }
}

async fn desk_send(
    State(app): Shared,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = require_form(&app, &headers, &f.csrf).await {
        return r;
    }
    let Some(mailer) = app.mailer.clone() else {
        return back(
            "error",
            "email is off: set [email] smtp_url and from in roundup.toml",
        );
    };
    match app.store.published_edition(&slug).await {
        Ok(Some(_)) => {}
        Ok(None) => return back("error", &format!("no published edition {slug:?}")),
        Err(e) => return internal(e),
    }
    let started = app
        .sending
        .lock()
        .map(|mut set| set.insert(slug.clone()))
        .unwrap_or(false);
    if !started {
        return back("error", &format!("{slug} is being sent already"));
    }
    // The send goes on in the background; the send log shows its progress on the desk.
    let task_app = app.clone();
    tokio::spawn(async move {
        let app = task_app;
        match deliver::send_edition(&app.store, &app.config, &mailer, &slug, |_, _| {}).await {
            Ok(r) => {
                Metrics::add(&app.metrics.emails_sent, r.sent as u64);
                Metrics::add(&app.metrics.email_failures, (r.failed + r.bounced) as u64);
                tracing::info!(
                    "send {slug}: {} sent, {} failed, {} bounced",
                    r.sent,
                    r.failed,
                    r.bounced
                );
            }
            Err(e) => tracing::error!("send {slug}: {e}"),
        }
        if let Ok(mut set) = app.sending.lock() {
            set.remove(&slug);
        }
    });
    back("ok", "Sending: the counts below update as it goes.")
}

async fn desk_curated(app: &App, headers: &HeaderMap) -> Result<crate::model::Edition, Response> {
    require(app, headers).await?;
    match desk::curated(&app.store).await {
        Ok(Some(c)) => Ok(crate::edition::publish::for_publication(&c.edition)),
        Ok(None) => Err(message(
            app,
            StatusCode::NOT_FOUND,
            "No draft",
            "No draft yet: run `roundup draft` first.",
        )),
        Err(e) => Err(internal(e)),
    }
}

async fn desk_preview(State(app): Shared, headers: HeaderMap) -> Response {
    match desk_curated(&app, &headers).await {
        Ok(e) => no_store(Html(render::html(&e)).into_response()),
        Err(r) => r,
    }
}

async fn desk_preview_email(State(app): Shared, headers: HeaderMap) -> Response {
    match desk_curated(&app, &headers).await {
        Ok(e) => {
            let base = app.config.serve.base_url();
            match render::email::html(
                &e,
                &format!("{base}/desk/preview"),
                &format!("{base}/unsubscribe/preview"),
            ) {
                Ok(html) => no_store(Html(html).into_response()),
                Err(err) => internal(err),
            }
        }
        Err(r) => r,
    }
}

async fn desk_draft_json(State(app): Shared, headers: HeaderMap) -> Response {
    match desk_curated(&app, &headers).await {
        Ok(e) => typed("application/json", render::json(&e)),
        Err(r) => r,
    }
}

async fn desk_draft_md(State(app): Shared, headers: HeaderMap) -> Response {
    match desk_curated(&app, &headers).await {
        Ok(e) => typed("text/markdown; charset=utf-8", render::markdown(&e)),
        Err(r) => r,
    }
}
