//! robots.txt: which paths of a site Roundup may fetch.
//!
//! The rules of the group whose User-agent names Roundup (or of `*`) apply; the longest
//! matching Allow or Disallow wins (Allow on a tie), with `*` wildcards and a `$` end anchor.
//! A missing robots.txt (any 4xx) allows everything; so does one that cannot be fetched, since
//! a broken robots.txt should not silence a feed the site publishes for readers.

/// One rule: whether it allows, and its path pattern.
type Rule = (bool, String);

/// A group of rules and the user agents it names.
type Group = (Vec<String>, Vec<Rule>);

/// Parsed rules for one agent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Robots {
    rules: Vec<Rule>,
}

impl Robots {
    /// Rules that allow everything.
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    /// Parses robots.txt text for the agent token `agent` (such as "roundup").
    pub fn parse(text: &str, agent: &str) -> Robots {
        let agent = agent.to_ascii_lowercase();
        let mut groups: Vec<Group> = Vec::new();
        let mut in_agents = false;
        for raw in text.lines() {
            let line = raw.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            match key.as_str() {
                "user-agent" => {
                    if !in_agents {
                        groups.push((Vec::new(), Vec::new()));
                    }
                    in_agents = true;
                    if let Some(g) = groups.last_mut() {
                        g.0.push(value.to_ascii_lowercase());
                    }
                }
                "allow" | "disallow" => {
                    in_agents = false;
                    if let Some(g) = groups.last_mut()
                        && !(key == "disallow" && value.is_empty())
                    {
                        g.1.push((key == "allow", value.to_string()));
                    }
                }
                _ => in_agents = false,
            }
        }
        let pick = |pred: &dyn Fn(&str) -> bool| {
            groups
                .iter()
                .find(|(agents, _)| agents.iter().any(|a| pred(a)))
                .map(|(_, r)| r.clone())
        };
        let rules = pick(&|a| a != "*" && agent.contains(a))
            .or_else(|| pick(&|a| a == "*"))
            .unwrap_or_default();
        Robots { rules }
    }

    /// Whether a path (with its query) may be fetched.
    pub fn allows(&self, path: &str) -> bool {
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if matches(pattern, path) {
                let len = pattern.len();
                let better = match best {
                    None => true,
                    Some((l, a)) => len > l || (len == l && *allow && !a),
                };
                if better {
                    best = Some((len, *allow));
                }
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// Whether a robots.txt path pattern matches the start of `path`.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else {
            match path[pos..].find(part) {
                Some(found) => pos += found + part.len(),
                None => return false,
            }
        }
    }
    !anchored || pos == path.len() || parts.last().is_some_and(|p| p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TXT: &str = "User-agent: Googlebot\nDisallow: /\n\nUser-agent: *\nDisallow: /private/\nAllow: /private/open\nDisallow: /*.pdf$\n# comment\n\nUser-agent: roundup\nUser-agent: other\nDisallow: /not-for-roundup/\n";

    #[test]
    fn agent_groups_longest_match_wildcards() {
        let r = Robots::parse(TXT, "roundup");
        assert!(!r.allows("/not-for-roundup/x"));
        assert!(r.allows("/private/x"), "Roundup's own group replaces *");
        let star = Robots::parse(TXT, "somebot");
        assert!(!star.allows("/private/feed.xml"));
        assert!(star.allows("/private/open/feed.xml"));
        assert!(!star.allows("/files/report.pdf"));
        assert!(star.allows("/files/report.pdf?x=1"));
        assert!(star.allows("/feed.xml"));
        assert!(Robots::parse("User-agent: *\nDisallow:\n", "roundup").allows("/anything"));
        assert!(Robots::allow_all().allows("/"));
    }
}
