//! An editor's work on a draft: actions replayed over the machine's draft.
//!
//! The machine's draft is rebuilt whenever new articles arrive; the editor's actions are
//! kept as events and replayed over each rebuild, in order. A story is found again by any
//! member article whose link the action names, so a story that grew still takes its pin, its
//! place and its rewritten summary; new candidates simply appear on the bench. An action
//! whose story left the window is skipped and reported as stale.

use crate::model::{Action, Edition, EditionItem, EditorialEvent};

/// A draft with the editor's work applied.
#[derive(Debug, Clone)]
pub struct Curated {
    /// The edition as the editor left it.
    pub edition: Edition,
    /// Ids of events whose story is no longer in the draft.
    pub stale: Vec<i64>,
}

/// Where a story sits in a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Story(usize),
    Bench(usize),
    Dropped(usize),
}

/// Replays `events` (oldest first) over the machine's draft `base`. The edition keeps
/// `base`'s number of stories, except that pinned stories never leave it: after each action,
/// stories past that number go to the top of the bench, and a short edition is filled from
/// the bench.
pub fn apply(base: &Edition, events: &[EditorialEvent]) -> Curated {
    let size = base.stories.len();
    let mut e = base.clone();
    let mut stale = Vec::new();
    settle(&mut e, size);
    for ev in events {
        // Settled after each action, so every action applies to the draft as the editor
        // saw it when making it.
        if apply_one(&mut e, &ev.action) {
            settle(&mut e, size);
        } else {
            stale.push(ev.id);
        }
    }
    Curated { edition: e, stale }
}

/// Checks that an action can be applied to the current curated draft, so that the desk can
/// refuse a stale form with a clear message instead of storing a no-op.
pub fn applies(current: &Edition, action: &Action) -> bool {
    let mut e = current.clone();
    apply_one(&mut e, action)
}

fn find(e: &Edition, key: &str) -> Option<Place> {
    if key.is_empty() {
        return None;
    }
    let hit = |items: &[EditionItem]| items.iter().position(|i| i.has_link(key));
    hit(&e.stories)
        .map(Place::Story)
        .or_else(|| hit(&e.bench).map(Place::Bench))
        .or_else(|| hit(&e.dropped).map(Place::Dropped))
}

fn take(e: &mut Edition, place: Place) -> EditionItem {
    match place {
        Place::Story(i) => e.stories.remove(i),
        Place::Bench(i) => e.bench.remove(i),
        Place::Dropped(i) => e.dropped.remove(i),
    }
}

fn get_mut(e: &mut Edition, place: Place) -> &mut EditionItem {
    match place {
        Place::Story(i) => &mut e.stories[i],
        Place::Bench(i) => &mut e.bench[i],
        Place::Dropped(i) => &mut e.dropped[i],
    }
}

/// Applies one action; false when its story is not in the draft.
fn apply_one(e: &mut Edition, action: &Action) -> bool {
    match action {
        Action::Pin { story } | Action::Unpin { story } => {
            let pin = matches!(action, Action::Pin { .. });
            let Some(place) = find(e, story) else {
                return false;
            };
            let mut item = take(e, place);
            item.pinned = pin;
            match place {
                // A pinned bench story comes into the edition, at its end.
                Place::Bench(_) | Place::Dropped(_) if pin => e.stories.push(item),
                Place::Story(i) => e.stories.insert(i, item),
                Place::Bench(i) => e.bench.insert(i, item),
                Place::Dropped(i) => e.dropped.insert(i, item),
            }
            true
        }
        Action::Drop { story } => match find(e, story) {
            Some(place @ (Place::Story(_) | Place::Bench(_))) => {
                let mut item = take(e, place);
                item.pinned = false;
                e.dropped.push(item);
                true
            }
            _ => false,
        },
        Action::Restore { story } => match find(e, story) {
            Some(place @ Place::Dropped(_)) => {
                let item = take(e, place);
                e.stories.push(item);
                true
            }
            _ => false,
        },
        Action::Move { story, to } => match find(e, story) {
            Some(place @ Place::Story(_)) => {
                let item = take(e, place);
                let at = to.saturating_sub(1).min(e.stories.len());
                e.stories.insert(at, item);
                true
            }
            _ => false,
        },
        Action::Merge { story, into } => {
            let (Some(from), Some(to)) = (find(e, story), find(e, into)) else {
                return false;
            };
            if from == to {
                return false;
            }
            let gone = take(e, from);
            // Taking `from` may shift `to` within the same list.
            let Some(to) = find(e, into) else {
                return false;
            };
            let target = get_mut(e, to);
            merge_into(target, gone);
            true
        }
        Action::Split { story, link, item } => {
            let Some(place) = find(e, story) else {
                return false;
            };
            let host = get_mut(e, place);
            if host.articles.len() < 2 || !host.articles.iter().any(|a| &a.link == link) {
                return false;
            }
            host.articles.retain(|a| &a.link != link);
            host.sentences.clear();
            host.outlets = distinct_outlets(host);
            e.bench.insert(0, (**item).clone());
            true
        }
        Action::Edit {
            story,
            headline,
            summary,
        } => {
            let Some(place) = find(e, story) else {
                return false;
            };
            let item = get_mut(e, place);
            item.headline = headline.trim().to_string();
            item.summary = summary.trim().to_string();
            // The summary is the editor's now: no sentence-by-sentence source links.
            item.sentences.clear();
            item.edited = true;
            true
        }
        Action::Swap { story, with } => {
            let (Some(Place::Bench(b)), Some(Place::Story(s))) = (find(e, story), find(e, with))
            else {
                return false;
            };
            std::mem::swap(&mut e.bench[b], &mut e.stories[s]);
            e.stories[s].pinned = true;
            e.bench[b].pinned = false;
            true
        }
        Action::Add { item } => {
            if let Some(place) = find(e, item.key()) {
                // Already in the draft: pull it into the edition.
                let mut have = take(e, place);
                have.pinned = true;
                e.stories.push(have);
            } else {
                let mut item = (**item).clone();
                item.pinned = true;
                e.stories.push(item);
            }
            true
        }
        Action::Intro { text } => {
            e.intro = text.trim().to_string();
            true
        }
        Action::WrapUp { text } => {
            e.wrap_up = text.trim().to_string();
            true
        }
    }
}

fn distinct_outlets(item: &EditionItem) -> usize {
    let mut names: Vec<&str> = item
        .articles
        .iter()
        .chain(&item.also_carried_by)
        .map(|a| a.source.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    names.len()
}

/// Folds `gone`'s articles, copies, entities and topics into `target`; the target keeps its
/// headline and summary (appended articles leave its sentences' source links valid).
fn merge_into(target: &mut EditionItem, gone: EditionItem) {
    for a in gone.articles {
        if !target.has_link(&a.link) {
            target.articles.push(a);
        }
    }
    for a in gone.also_carried_by {
        if !target.has_link(&a.link) {
            target.also_carried_by.push(a);
        }
    }
    for x in gone.entities {
        if !target.entities.contains(&x) {
            target.entities.push(x);
        }
    }
    for x in gone.topics {
        if !target.topics.contains(&x) {
            target.topics.push(x);
        }
    }
    target.outlets = distinct_outlets(target);
    target.pinned |= gone.pinned;
    if target.image.is_none() {
        target.image = gone.image;
    }
}

/// Brings the edition back to `size` stories (pinned ones never leave) and numbers them.
fn settle(e: &mut Edition, size: usize) {
    // Overflow: the lowest unpinned stories go to the top of the bench, in order.
    let mut overflow = Vec::new();
    while e.stories.len() > size {
        let Some(i) = e.stories.iter().rposition(|s| !s.pinned) else {
            break;
        };
        overflow.push(e.stories.remove(i));
    }
    overflow.reverse();
    e.bench.splice(0..0, overflow);
    while e.stories.len() < size && !e.bench.is_empty() {
        e.stories.push(e.bench.remove(0));
    }
    for (i, s) in e.stories.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    let n = e.stories.len();
    for (i, s) in e.bench.iter_mut().enumerate() {
        s.rank = n + i + 1;
    }
    for s in &mut e.dropped {
        s.rank = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ArticleRef, Window};
    use chrono::Utc;

    fn item(key: &str, rank: usize) -> EditionItem {
        EditionItem {
            rank,
            headline: format!("Story {key}"),
            summary: format!("About {key}."),
            lang: "en".into(),
            entities: vec![],
            topics: vec![],
            outlets: 1,
            score: Default::default(),
            articles: vec![ArticleRef {
                link: format!("https://x.org/{key}"),
                source: format!("Outlet {key}"),
                title: format!("Story {key}"),
                published: None,
                lang: Some("en".into()),
            }],
            also_carried_by: vec![],
            sentences: vec![],
            section: None,
            image: None,
            pinned: false,
            edited: false,
        }
    }

    fn draft(stories: &[&str], bench: &[&str]) -> Edition {
        let now = Utc::now();
        let n = stories.len();
        Edition {
            title: "D".into(),
            window: Window { from: now, to: now },
            window_label: String::new(),
            intro: "intro".into(),
            stories: stories
                .iter()
                .enumerate()
                .map(|(i, k)| item(k, i + 1))
                .collect(),
            bench: bench
                .iter()
                .enumerate()
                .map(|(i, k)| item(k, n + i + 1))
                .collect(),
            wrap_up: "bye".into(),
            generated_at: now,
            dropped: vec![],
        }
    }

    fn ev(id: i64, action: Action) -> EditorialEvent {
        EditorialEvent {
            id,
            at: Utc::now(),
            user: "ed".into(),
            action,
        }
    }

    fn key(k: &str) -> String {
        format!("https://x.org/{k}")
    }

    fn order(e: &Edition) -> Vec<String> {
        e.stories
            .iter()
            .map(|s| s.headline.trim_start_matches("Story ").to_string())
            .collect()
    }

    #[test]
    fn pins_and_edits_survive_a_rebuild_that_reorders_and_grows_stories() {
        let events = vec![
            ev(1, Action::Pin { story: key("c") }),
            ev(
                2,
                Action::Move {
                    story: key("c"),
                    to: 1,
                },
            ),
            ev(
                3,
                Action::Edit {
                    story: key("b"),
                    headline: "Mine".into(),
                    summary: "My words.".into(),
                },
            ),
            ev(4, Action::Drop { story: key("a") }),
        ];
        let first = apply(&draft(&["a", "b", "c"], &["d", "e"]), &events).edition;
        assert_eq!(order(&first), ["c", "Mine", "d"]);
        // The rebuild: story c sank to the bench and gained an article; a new candidate f
        // arrived. The editor's pin, order, edit and drop all hold.
        let mut rebuilt = draft(&["b", "a", "f"], &["c", "d"]);
        let mut extra = rebuilt.bench[0].articles[0].clone();
        extra.link = "https://y.org/c-follow-up".into();
        rebuilt.bench[0].articles.insert(0, extra);
        let c = apply(&rebuilt, &events);
        assert!(c.stale.is_empty(), "{:?}", c.stale);
        assert_eq!(order(&c.edition), ["c", "Mine", "f"]);
        assert!(c.edition.stories[0].pinned && c.edition.stories[1].edited);
        assert_eq!(c.edition.stories[1].summary, "My words.");
        assert_eq!(c.edition.dropped.len(), 1);
        assert_eq!(c.edition.bench[0].headline, "Story d");
        let ranks: Vec<usize> = c.edition.stories.iter().map(|s| s.rank).collect();
        assert_eq!(ranks, [1, 2, 3]);
    }

    #[test]
    fn merge_split_swap_and_add() {
        let base = draft(&["a", "b", "c"], &["d"]);
        let mut split_out = item("a2", 0);
        split_out.headline = "Split".into();
        let mut added = item("z", 0);
        added.headline = "Added".into();
        let events = vec![
            ev(
                1,
                Action::Merge {
                    story: key("b"),
                    into: key("a"),
                },
            ),
            ev(
                2,
                Action::Split {
                    story: key("a"),
                    link: key("b"),
                    item: Box::new(split_out),
                },
            ),
            ev(
                3,
                Action::Swap {
                    story: key("a2"),
                    with: key("c"),
                },
            ),
            ev(
                4,
                Action::Add {
                    item: Box::new(added),
                },
            ),
        ];
        let c = apply(&base, &events).edition;
        // b merged into a (d filled the freed slot), then split out again to the bench's
        // top as "Split", which was swapped in for c; z was pulled in pinned, and the
        // lowest unpinned story (d) made room for it.
        assert_eq!(order(&c), ["a", "Split", "Added"]);
        assert_eq!(c.stories[0].articles.len(), 1);
        assert!(c.stories[1].pinned && c.stories[2].pinned);
        let bench: Vec<&str> = c.bench.iter().map(|s| s.headline.as_str()).collect();
        assert_eq!(bench, ["Story d", "Story c"]);
    }

    #[test]
    fn actions_on_missing_stories_are_stale_not_errors() {
        let base = draft(&["a"], &[]);
        let c = apply(
            &base,
            &[
                ev(7, Action::Pin { story: key("gone") }),
                ev(
                    8,
                    Action::Merge {
                        story: key("a"),
                        into: key("a"),
                    },
                ),
                ev(
                    9,
                    Action::Intro {
                        text: " New intro ".into(),
                    },
                ),
            ],
        );
        assert_eq!(c.stale, [7, 8]);
        assert_eq!(c.edition.intro, "New intro");
        assert!(!applies(&c.edition, &Action::Restore { story: key("a") }));
    }
}
