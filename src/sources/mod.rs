//! Getting bytes: feeds over polite HTTP, and offline imports.
//!
//! [`fetch::Fetcher`] is the one HTTP client: it honours per-host spacing, a global
//! concurrency limit, timeouts and a body-size cap, and sends conditional requests so an
//! unchanged feed costs a 304. [`feed::parse`] turns feed bytes (RSS, Atom, JSON Feed) into
//! [`crate::model::Entry`] values; [`import`] reads the same entries from JSON Lines.

pub mod digest;
pub mod feed;
pub mod fetch;
pub mod guard;
pub mod import;
pub mod opml;
pub mod page;
pub mod poll;
pub mod recover;
pub mod robots;
