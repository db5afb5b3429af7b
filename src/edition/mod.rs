//! The product: an edition of N numbered stories for a window.
//!
//! [`draft::build`] takes ranked stories and fills the edition's slots: each story gets a
//! headline and summary in the edition's language where its sources allow, its watched
//! entities by their English names, and links to every source; the next candidates go to the
//! bench. [`window`] turns calendar days in the beat's timezone into a UTC window.

pub mod curate;
pub mod draft;
pub mod import;
pub mod publish;
pub mod window;
