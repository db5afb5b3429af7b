//! The address guard: feed and article URLs may not reach this machine or its network.
//!
//! A feed is untrusted input, and so are the links in it. Without a guard, a feed could make
//! Roundup fetch `http://169.254.169.254/` (cloud metadata), `http://localhost:…` or a host on
//! the private network. Every address a request would connect to is checked, after DNS
//! resolution (so a public name that resolves to a private address is refused too) and at
//! every redirect hop. Intranet feeds and tests name their hosts in `[fetch] allow_hosts`, or
//! set `allow_private = true`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// Which hosts may resolve to non-public addresses.
#[derive(Debug, Clone, Default)]
pub struct AddressGuard {
    /// Allow every non-public address (an intranet-only deployment).
    pub allow_private: bool,
    /// Hosts (names or IP literals) allowed whatever they resolve to.
    pub allow_hosts: Vec<String>,
}

/// Why an address is not public, or `None` when it is.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return non_public_v4(v4);
            }
            let seg = v6.segments();
            if v6.is_loopback() {
                Some("a loopback address")
            } else if v6.is_unspecified() {
                Some("an unspecified address")
            } else if v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
                Some("a cloud metadata address")
            } else if seg[0] & 0xfe00 == 0xfc00 {
                Some("a private (unique local) address")
            } else if seg[0] & 0xffc0 == 0xfe80 {
                Some("a link-local address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else {
                None
            }
        }
    }
}

fn non_public_v4(v4: Ipv4Addr) -> Option<&'static str> {
    let o = v4.octets();
    if v4 == Ipv4Addr::new(169, 254, 169, 254) || v4 == Ipv4Addr::new(100, 100, 100, 200) {
        Some("a cloud metadata address")
    } else if v4.is_loopback() {
        Some("a loopback address")
    } else if v4.is_private() {
        Some("a private-network address")
    } else if v4.is_link_local() {
        Some("a link-local address")
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        Some("a carrier-grade NAT address")
    } else if v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast() || o[0] == 0 {
        Some("a reserved address")
    } else {
        None
    }
}

impl AddressGuard {
    /// Whether `host` is exempt from the guard.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.allow_private
            || self
                .allow_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(host))
    }

    /// Checks a URL whose host is an IP literal; names are checked when they resolve.
    pub fn check_url(&self, url: &url::Url) -> Result<(), String> {
        let Some(host) = url.host_str() else {
            return Err("the URL has no host".into());
        };
        if self.allows_host(host) {
            return Ok(());
        }
        let literal = match url.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            _ => None,
        };
        if let Some(reason) = literal.and_then(non_public) {
            return Err(refusal(host, reason));
        }
        if host.eq_ignore_ascii_case("localhost")
            || host.to_ascii_lowercase().ends_with(".localhost")
        {
            return Err(refusal(host, "a loopback address"));
        }
        Ok(())
    }

    /// A DNS resolver for reqwest that drops non-public addresses of hosts not allowed.
    pub fn resolver(&self) -> Arc<GuardedResolver> {
        Arc::new(GuardedResolver {
            guard: self.clone(),
        })
    }
}

fn refusal(host: &str, reason: &str) -> String {
    format!(
        "address guard: {host} is {reason}; Roundup does not fetch from this machine or private networks \
         unless [fetch] allow_hosts lists the host (or allow_private = true)"
    )
}

/// Resolves names with the system resolver and keeps only addresses the guard allows.
#[derive(Debug)]
pub struct GuardedResolver {
    guard: AddressGuard,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.guard.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if guard.allows_host(&host) {
                return Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs);
            }
            let public: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| non_public(a.ip()).is_none())
                .collect();
            if public.is_empty() {
                let reason = addrs
                    .first()
                    .and_then(|a| non_public(a.ip()))
                    .unwrap_or("not a public address");
                let resolved = format!("resolves to {reason}");
                return Err(refusal(&host, &resolved).into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.1.1",
            "::1",
            "fe80::1",
            "fd12::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
            "0.0.0.0",
        ] {
            assert!(non_public(ip.parse().unwrap()).is_some(), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(non_public(ip.parse().unwrap()).is_none(), "{ip}");
        }
    }

    #[test]
    fn literal_urls_and_allow_list() {
        let g = AddressGuard::default();
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(
            g.check_url(&u("http://169.254.169.254/latest/meta-data/"))
                .unwrap_err()
                .contains("cloud metadata")
        );
        assert!(
            g.check_url(&u("http://localhost:8080/feed"))
                .unwrap_err()
                .contains("allow_hosts")
        );
        assert!(g.check_url(&u("http://[::1]/feed")).is_err());
        assert!(g.check_url(&u("https://example.org/feed")).is_ok());
        let allowed = AddressGuard {
            allow_private: false,
            allow_hosts: vec!["127.0.0.1".into()],
        };
        assert!(allowed.check_url(&u("http://127.0.0.1:9/feed")).is_ok());
        assert!(allowed.check_url(&u("http://127.0.0.2/feed")).is_err());
    }
}
