//! A beat with a draft, an editor and `roundup serve` running on loopback, for the desk,
//! email and browser tests.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{free_port, roundup, roundup_with_stdin, stdout_ok, wait_for};

/// The editor every site has.
pub const USER: &str = "ann";
/// Her password.
pub const PASSWORD: &str = "correct horse battery";

/// A served beat; the server stops when this is dropped.
pub struct Site {
    _tmp: tempfile::TempDir,
    /// The beat's folder (roundup.toml, roundup.db).
    pub dir: PathBuf,
    /// host:port of the server.
    pub addr: String,
    child: Option<Child>,
    client: reqwest::Client,
    cookie: Option<String>,
}

/// What the desk page shows.
#[derive(Debug, Clone)]
pub struct Desk {
    /// The session's CSRF token.
    pub csrf: String,
    /// Story keys in edition order.
    pub keys: Vec<String>,
    /// Headlines in edition order.
    pub headlines: Vec<String>,
    /// The page.
    pub html: String,
}

fn encode(form: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish()
}

fn attr_values(html: &str, pattern: &str) -> Vec<String> {
    regex::Regex::new(pattern)
        .unwrap()
        .captures_iter(html)
        .map(|c| html_escape::decode_html_entities(&c[1]).to_string())
        .collect()
}

impl Site {
    /// The demo beat (its draft built), with `extra` appended to its roundup.toml, the
    /// editor added, and the server started.
    pub fn start(extra: &str) -> Site {
        roundup::sources::fetch::install_crypto_provider();
        let tmp = tempfile::tempdir().unwrap();
        stdout_ok(&roundup(tmp.path(), &["demo"]));
        let dir = tmp.path().join("roundup-demo");
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let config = dir.join("roundup.toml");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(&format!(
            "\n[serve]\naddr = \"{addr}\"\nbase_url = \"http://{addr}\"\n{extra}\n"
        ));
        std::fs::write(&config, text).unwrap();
        stdout_ok(&roundup_with_stdin(
            &dir,
            &["user", "add", USER, "--email", "ann@example.org"],
            &format!("{PASSWORD}\n"),
        ));
        let mut site = Site {
            _tmp: tmp,
            dir,
            addr,
            child: None,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            cookie: None,
        };
        site.restart();
        site
    }

    /// Starts (or restarts) `roundup serve`.
    pub fn restart(&mut self) {
        self.stop();
        let child = Command::new(env!("CARGO_BIN_EXE_roundup"))
            .args(["serve"])
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        wait_for(&self.addr, Duration::from_secs(30));
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().ok();
            c.wait().ok();
        }
    }

    /// The CLI in the beat's folder.
    pub fn roundup(&self, args: &[&str]) -> std::process::Output {
        roundup(&self.dir, args)
    }

    /// Sends a request with the session's cookie: status, body and the Location header.
    async fn send(&self, mut req: reqwest::RequestBuilder) -> (u16, String, Option<String>) {
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        (status, r.text().await.unwrap(), location)
    }

    /// GET: status, body and the Location header.
    pub async fn get(&self, path: &str) -> (u16, String, Option<String>) {
        self.send(self.client.get(format!("http://{}{path}", self.addr)))
            .await
    }

    /// POST a form: status, body and the Location header.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let req = self
            .client
            .post(format!("http://{}{path}", self.addr))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(encode(form));
        self.send(req).await
    }

    /// Signs in as the editor.
    pub async fn login(&mut self) {
        let r = self
            .client
            .post(format!("http://{}/login", self.addr))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(encode(&[("name", USER), ("password", PASSWORD)]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        self.cookie = Some(cookie.split(';').next().unwrap().to_string());
    }

    /// The desk as it is now.
    pub async fn desk(&self) -> Desk {
        let (status, html, _) = self.get("/desk").await;
        assert_eq!(status, 200, "{html}");
        Desk {
            csrf: attr_values(&html, r#"name="csrf" value="([0-9a-f]+)""#)[0].clone(),
            keys: attr_values(&html, r#"data-testid="story" data-key="([^"]+)""#),
            headlines: attr_values(&html, r#"data-testid="headline">([^<]*)<"#),
            html,
        }
    }

    /// Posts an editorial action and returns where the desk sent us.
    pub async fn act(&self, csrf: &str, fields: &[(&str, &str)]) -> String {
        let mut form = vec![("csrf", csrf)];
        form.extend_from_slice(fields);
        let (status, body, location) = self.post("/desk/act", &form).await;
        assert_eq!(status, 303, "{body}");
        location.unwrap()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop();
    }
}
