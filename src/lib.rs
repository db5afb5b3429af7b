//! Roundup: a self-hosted news-monitoring and digest engine.
//!
//! Data flows one way, stage by stage: [`sources`] → [`extract`] → [`text`] → [`store`] →
//! [`stories`] → [`summarize`] → [`edition`] → [`render`] → [`deliver`]. [`pipeline`] strings the stages
//! together for the commands; the CLI ([`cli`]) and the web server ([`web`]) are thin faces
//! over this library, and [`demo`] runs it all on an embedded sample beat.
#![warn(missing_docs)]

pub mod cli;
pub mod config;
pub mod deliver;
pub mod demo;
pub mod edition;
pub mod extract;
pub mod model;
pub mod pipeline;
pub mod render;
pub mod sources;
pub mod store;
pub mod stories;
pub mod summarize;
pub mod text;
pub mod web;
