//! The desk's steps, shared by the web desk and the CLI: the curated draft, an editorial
//! action, pulling in an article by URL or from the store, and publishing.

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::edition::curate::{self, Curated};
use crate::model::{Action, Article, EditionItem, Entry, Published, SourceKind, Story};
use crate::sources::fetch::{FetchOptions, Fetched, Fetcher, Validators};
use crate::store::Store;

/// The name under which articles an editor adds by URL are stored.
pub const DESK_SOURCE: &str = "Added at the desk";

/// The latest draft with every editorial action on its window replayed; `None` before the
/// first draft.
pub async fn curated(store: &Store) -> anyhow::Result<Option<Curated>> {
    let Some(base) = store.latest_draft().await? else {
        return Ok(None);
    };
    let events = store.events(base.window).await?;
    Ok(Some(curate::apply(&base, &events)))
}

/// Applies an editor's action to the current draft and keeps it; refuses (naming why) an
/// action whose story is no longer where the editor saw it.
pub async fn act(store: &Store, user: &str, action: Action) -> anyhow::Result<()> {
    let current = curated(store)
        .await?
        .context("no draft yet: run `roundup draft` (or wait for `roundup run` to build one)")?;
    if !curate::applies(&current.edition, &action) {
        anyhow::bail!(
            "that change no longer applies: the story is not where it was (the draft was rebuilt or changed by another editor); reload the desk"
        );
    }
    store
        .add_event(current.edition.window, user, &action, Utc::now())
        .await?;
    Ok(())
}

/// An edition item of a single article, summarized as a draft would.
pub fn item_for(config: &Config, article: Article) -> EditionItem {
    let story = Story {
        articles: vec![article],
        ..Default::default()
    };
    crate::edition::draft::item(
        0,
        &story,
        &config.beat.language,
        &crate::summarize::Options {
            words: config.edition.summary_words as f64,
            ..Default::default()
        },
    )
}

/// Fetches and extracts the page at `url` now (politely, through the one fetcher), stores it
/// under [`DESK_SOURCE`], and returns it.
pub async fn fetch_article(config: &Config, store: &Store, url: &str) -> anyhow::Result<Article> {
    let parsed = url::Url::parse(url.trim()).with_context(|| format!("{url:?} is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        anyhow::bail!("{url:?}: only http and https pages can be added");
    }
    let fetcher = Fetcher::new(FetchOptions::from(config))?;
    let page = match fetcher.get(parsed.as_str(), &Validators::default()).await? {
        Fetched::Page(p) => p,
        Fetched::NotModified => anyhow::bail!("{url}: the server answered 304 to a plain GET"),
    };
    let x = crate::extract::extract_bytes(
        &page.body,
        page.content_type.as_deref(),
        Some(&page.final_url),
    );
    let entry = Entry {
        title: x.title.clone().unwrap_or_default(),
        link: parsed.to_string(),
        ..Default::default()
    };
    let mut article = super::article_from(DESK_SOURCE, &entry, Some(x), None);
    if let Some(site) = &article.site_name {
        article.source = site.clone();
    }
    if article.title.trim().is_empty() && article.text.trim().is_empty() {
        anyhow::bail!("{url}: no article could be read from that page");
    }
    let source = article.source.clone();
    let id = store
        .ensure_source(&source, None, SourceKind::Import, 1.0, None)
        .await?;
    store.upsert_article(id, None, &article).await?;
    Ok(article)
}

/// Publishes the curated draft: it becomes an immutable edition at a new address, counted
/// for novelty from then on.
pub async fn publish(
    config: &Config,
    store: &Store,
    user: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Published> {
    let current = curated(store)
        .await?
        .context("no draft to publish: run `roundup draft` first")?;
    if current.edition.stories.is_empty() {
        anyhow::bail!("the draft has no stories: nothing to publish");
    }
    let edition = crate::edition::publish::for_publication(&current.edition);
    let mut taken: Vec<String> = store
        .published_editions()
        .await?
        .into_iter()
        .map(|p| p.slug)
        .collect();
    // Two editors publishing at once: the loser takes the next address.
    for _ in 0..5 {
        let slug = crate::edition::publish::slug(&edition, config.timezone(), &taken);
        if store.publish_edition(&slug, &edition, user, now).await? {
            return Ok(Published {
                slug,
                published_at: now,
                published_by: user.to_string(),
                edition,
            });
        }
        taken.push(slug);
    }
    anyhow::bail!("could not find a free address for the edition")
}

/// An argon2 hash of a desk password, for `roundup user add`.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::PasswordHasher;
    use argon2::password_hash::SaltString;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no random numbers: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?
        .to_string())
}

/// Whether `password` matches an argon2 hash made by [`hash_password`].
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::PasswordVerifier;
    argon2::password_hash::PasswordHash::new(hash).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}
