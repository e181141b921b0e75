//! Spawns the real application on port 0 against a fresh database: a temporary SQLite file,
//! or a fresh PostgreSQL database when `ORGCOVER_TEST_POSTGRES_URL` is set (CI sets it).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use orgcover::store::Store;
use orgcover::web::{Application, ServeOptions};
use serde_json::{Value, json};
use sqlx::Connection;

pub const POSTGRES_VAR: &str = "ORGCOVER_TEST_POSTGRES_URL";

/// The admin account every test app has (national jurisdiction), for signing in pages.
pub const ADMIN: &str = "testadmin";
pub const ADMIN_PASSWORD: &str = "the tests' admin password";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    /// An admin's API token (national jurisdiction): every helper request carries it.
    pub token: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub database_url: String,
    pub dir: tempfile::TempDir,
    /// The server's bookkeeping (sessions, sign-ins), written behind its requests.
    pub book: orgcover::web::http::bookkeeping::Bookkeeping,
}

static NEXT_DB: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty PostgreSQL database on the server of `base_url`; its URL.
pub async fn fresh_postgres_database(base_url: &str) -> String {
    let name = format!(
        "orgcover_test_{}_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut conn = sqlx::PgConnection::connect(base_url)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_VAR} is set but PostgreSQL is not reachable: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let (server, _) = base_url.rsplit_once('/').expect("URL with a database name");
    format!("{server}/{name}")
}

impl TestApp {
    /// The app on `backend`, or None when that backend is not configured here.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, ServeOptions::default()).await
    }

    pub async fn spawn_with(backend: Backend, options: ServeOptions) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("orgcover.db").display()),
            Backend::Postgres => {
                let base = std::env::var(POSTGRES_VAR).ok()?;
                fresh_postgres_database(&base).await
            }
        };
        let store = Store::open(&database_url).await.expect("open store");
        let hash = orgcover::passwords::hash(ADMIN_PASSWORD).unwrap();
        let admin = store
            .add_user(
                ADMIN,
                orgcover::domain::access::Role::Admin,
                "",
                &hash,
                "test",
            )
            .await
            .expect("the tests' admin");
        let (token, token_hash) = orgcover::passwords::new_token().unwrap();
        store
            .add_token(&admin, "tests", &token_hash, "test")
            .await
            .unwrap();
        let app = Application::build(store.clone(), Default::default(), "127.0.0.1:0", options)
            .await
            .expect("bind");
        let address = format!("http://{}", app.local_addr());
        let book = app.bookkeeping();
        tokio::spawn(app.run_until_stopped());
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        Some(TestApp {
            address,
            token,
            client: reqwest::Client::builder()
                // Below the service's client timeout, as a client should keep it: a pooled
                // connection the server is closing for idleness is never reused.
                .pool_idle_timeout(std::time::Duration::from_secs(5))
                .default_headers(headers)
                .build()
                .unwrap(),
            store,
            database_url,
            dir,
            book,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        let answer = (r.status().as_u16(), r.json().await.unwrap_or(Value::Null));
        self.settle().await;
        answer
    }

    pub async fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .patch(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        let answer = (r.status().as_u16(), r.json().await.unwrap_or(Value::Null));
        self.settle().await;
        answer
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        let answer = (r.status().as_u16(), r.json().await.unwrap_or(Value::Null));
        self.settle().await;
        answer
    }

    /// Registers an organization and returns its JSON as a GET would (panics unless 201).
    pub async fn create(&self, body: &Value) -> Value {
        let (status, mut org) = self.post("/api/orgs", body).await;
        assert_eq!(status, 201, "{org}");
        let fields = org.as_object_mut().unwrap();
        fields.remove("decision");
        fields.remove("notice");
        org
    }

    /// A page as a browser gets it, in `lang` ("zh" or "en"): status and HTML.
    pub async fn page(&self, path: &str, lang: &str) -> (u16, String) {
        let r = self
            .client
            .get(self.url(path))
            .header("Cookie", format!("lang={lang}"))
            .send()
            .await
            .unwrap();
        let answer = (r.status().as_u16(), r.text().await.unwrap());
        self.settle().await;
        answer
    }

    /// Submits a form as a browser does (urlencoded, repeated names allowed) without
    /// following the answer's redirect: status, `Location`, and HTML.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let r = no_redirects()
            .post(self.url(path))
            .bearer_auth(&self.token)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let location = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (r.status().as_u16(), location, r.text().await.unwrap())
    }

    /// Audit rows of organization changes (account changes and sign-ins aside).
    pub async fn audit_rows(&self) -> usize {
        self.store
            .audit_log()
            .await
            .unwrap()
            .iter()
            .filter(|e| e.org_id.is_some())
            .count()
    }

    /// Lets the server write its bookkeeping (sessions, sign-ins) before the test reads
    /// the database behind it, or blocks this thread on another process: the server runs
    /// on the test's one thread, so it cannot finish a write while the test waits.
    pub async fn settle(&self) {
        assert!(
            self.book.flush(std::time::Duration::from_secs(10)).await,
            "bookkeeping written"
        );
    }

    /// Runs the orgcover binary against this app's database.
    pub fn cli(&self, args: &[&str]) -> Output {
        orgcover(&self.database_url, args, "")
    }

    /// [`Self::cli`] that must succeed: panics with what the command said otherwise.
    pub fn cli_ok(&self, args: &[&str]) -> Output {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "orgcover {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Imports a CSV file through the CLI (panics with its errors unless it succeeds).
    pub fn import(&self, file: &str) {
        self.cli_ok(&["import", file]);
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Runs the orgcover binary against the database at `database_url`, with `stdin` as its
/// standard input.
pub fn orgcover(database_url: &str, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_orgcover"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run orgcover");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(stdin.as_bytes())
        .expect("write standard input");
    child.wait_with_output().expect("run orgcover")
}

/// The password of the accounts [`add_user`] makes.
pub const PASSWORD: &str = "a long enough password";

/// A new account of `role` in `division` (a division-code prefix; empty = national).
pub async fn add_user(
    app: &TestApp,
    name: &str,
    role: orgcover::domain::access::Role,
    division: &str,
) {
    let hash = orgcover::passwords::hash(PASSWORD).unwrap();
    app.store
        .add_user(name, role, division, &hash, "test")
        .await
        .unwrap();
}

/// A token for a new account of `role` in `division`: its id and its text.
pub async fn token_for(
    app: &TestApp,
    name: &str,
    role: orgcover::domain::access::Role,
    division: &str,
) -> (i64, String) {
    add_user(app, name, role, division).await;
    let user = app.store.user_named(name).await.unwrap().unwrap().account;
    let (token, hash) = orgcover::passwords::new_token().unwrap();
    let id = app
        .store
        .add_token(&user, "test", &hash, "test")
        .await
        .unwrap();
    (id, token)
}

/// A client that shows each answer as it comes, redirects included (no session, no token).
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        // Below the service's client timeout, as a client should keep it: a pooled
        // connection the server is closing for idleness is never reused.
        .pool_idle_timeout(std::time::Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A program the tests use beside Rust (GDAL, Python): a failure that says how to install
/// it when it is missing. `.ci/run` installs them all.
pub fn external(program: &str, install: &str) -> std::process::Command {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "the tests need `{program}`: {install} (or run .ci/run)"
    );
    std::process::Command::new(program)
}

/// python3 with a PyPI package importable (panics with the pip command otherwise).
pub fn python_with(module: &str) -> std::process::Command {
    let ok = external("python3", "apt-get install python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the tests need the Python package `{module}`: pip install {module} (or run .ci/run)"
    );
    std::process::Command::new("python3")
}

pub fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A valid civil-affairs social group in Hohhot's Xincheng district.
pub fn social_group(credit_code: &str, name: &str) -> Value {
    json!({
        "credit_code": credit_code,
        "name": name,
        "kind": "social_group",
        "level": "county",
        "division_code": "150102001001",
        "lon": 111.6708,
        "lat": 40.8183,
        "formal_members": 2,
    })
}

/// Valid civil-affairs social-group codes (category 1) computed independently of the
/// crate, in Python, from GB 32100's definition.
pub const SOCIAL_GROUP_CODES: [&str; 3] = [
    "51150102MJ0000114U",
    "51150102MJ0000448C",
    "51150203MJ00005524",
];

/// Declares each test once and runs it against SQLite and, when configured, PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite)
                        .await
                        .expect("SQLite is always available");
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    match $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await {
                        Some(app) => super::$name(app).await,
                        None => eprintln!(
                            "PostgreSQL not configured ({} unset): ran on SQLite only",
                            $crate::helpers::POSTGRES_VAR
                        ),
                    }
                }
            )*
        }
    };
}

/// `orgcover serve` as a child process, with the address it listens on.
pub struct Server {
    pub address: String,
    child: Child,
    stderr: std::sync::mpsc::Receiver<String>,
}

impl Server {
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_orgcover"))
            .args(args)
            .envs(env.iter().copied())
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (lines, stderr) = std::sync::mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let address = line
            .split("at http://")
            .nth(1)
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim()
            .trim_end_matches('/')
            .to_owned();
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        Server {
            child,
            address,
            stderr,
        }
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// The exit status, within `limit`.
    pub fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < limit, "the server did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log_lines(&self) -> Vec<String> {
        self.stderr.try_iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
