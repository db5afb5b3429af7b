//! Limits on the public subscribe form.
//!
//! Double opt-in keeps the form from subscribing anyone, but every request still mails a
//! confirmation link to the address given. Without limits the form could be used to mail
//! strangers in bulk through the edition's sender, or to flood one inbox. So an address gets
//! one confirmation per [`RESEND_AFTER`], and the form sends at most [`PER_MINUTE`] in all.
//! The limits live in the server's memory: a restart forgets them, which costs at most one
//! more round.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Time before the same address is mailed a confirmation again.
pub const RESEND_AFTER: Duration = Duration::from_secs(3600);
/// Confirmations the form sends in any one minute.
pub const PER_MINUTE: usize = 10;
/// Addresses remembered at most (a minute's worth is [`PER_MINUTE`], so this is ample).
const MAX_REMEMBERED: usize = 10_000;

/// What to do with a subscribe request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Mail a confirmation.
    Send,
    /// The address was mailed recently: answer as if mailed, send nothing.
    Quiet,
    /// Too many confirmations this minute: ask the visitor to come back.
    Busy,
}

/// Recent confirmations, by address and in time order.
#[derive(Debug, Default)]
pub struct SubscribeGuard {
    mailed: HashMap<String, Instant>,
    recent: VecDeque<Instant>,
}

impl SubscribeGuard {
    /// What to do with a request for `email` at `now`. A [`Verdict::Send`] counts at once, so
    /// that requests arriving together cannot all pass; [`unsent`] takes it back when no
    /// confirmation went out after all.
    ///
    /// [`unsent`]: SubscribeGuard::unsent
    pub fn check(&mut self, email: &str, now: Instant) -> Verdict {
        self.forget(now);
        let key = key(email);
        if self.mailed.contains_key(&key) {
            Verdict::Quiet
        } else if self.recent.len() >= PER_MINUTE || self.mailed.len() >= MAX_REMEMBERED {
            Verdict::Busy
        } else {
            self.mailed.insert(key, now);
            self.recent.push_back(now);
            Verdict::Send
        }
    }

    /// Takes back the [`Verdict::Send`] given for `email` at `now`: no confirmation was sent
    /// (the address was already subscribed, or the mail failed).
    pub fn unsent(&mut self, email: &str, now: Instant) {
        let key = key(email);
        if self.mailed.get(&key) == Some(&now) {
            self.mailed.remove(&key);
            if let Some(i) = self.recent.iter().rposition(|at| *at == now) {
                self.recent.remove(i);
            }
        }
    }

    fn forget(&mut self, now: Instant) {
        self.mailed
            .retain(|_, at| now.saturating_duration_since(*at) < RESEND_AFTER);
        while self
            .recent
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= Duration::from_secs(60))
        {
            self.recent.pop_front();
        }
    }
}

/// One address however it is typed.
fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_confirmation_per_address_and_a_cap_per_minute() {
        let mut g = SubscribeGuard::default();
        let t0 = Instant::now();
        assert_eq!(g.check("Ann@example.org", t0), Verdict::Send);
        // The same address, however typed, is not mailed again within the hour, even while
        // the first confirmation is still on its way.
        assert_eq!(g.check(" ann@EXAMPLE.org ", t0), Verdict::Quiet);
        let later = t0 + RESEND_AFTER + Duration::from_secs(1);
        assert_eq!(g.check("ann@example.org", later), Verdict::Send);
        // Other addresses: PER_MINUTE in a minute, then a pause.
        let mut g = SubscribeGuard::default();
        for i in 0..PER_MINUTE {
            let email = format!("reader{i}@example.org");
            assert_eq!(g.check(&email, t0), Verdict::Send);
        }
        assert_eq!(g.check("one-more@example.org", t0), Verdict::Busy);
        // A confirmation that did not go out after all frees its place and its address.
        g.unsent("reader0@example.org", t0);
        assert_eq!(g.check("reader0@example.org", t0), Verdict::Send);
        assert_eq!(g.check("one-more@example.org", t0), Verdict::Busy);
        let next_minute = t0 + Duration::from_secs(61);
        assert_eq!(g.check("one-more@example.org", next_minute), Verdict::Send);
    }
}
