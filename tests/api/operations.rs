//! What operators rely on (issue 8): a backup taken while the service is written to
//! restores to the same data; an import killed halfway leaves the database as it was; a
//! stopping server finishes the request in flight; `/metrics` counts requests; settings
//! come from flags, variables or a config file; the Docker files' settings and health check
//! work with this binary against this machine's PostgreSQL.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use orgcover::store::Store;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, POSTGRES_VAR, Server, TestApp, external, fixture, orgcover, python_with,
};
use crate::on_both_backends;

on_both_backends!(
    an_import_killed_halfway_leaves_the_database_as_it_was,
    metrics_parse_as_prometheus_text_and_count_the_requests_made,
);

fn import_fixture(app: &TestApp) {
    app.import(&fixture("orgs_analyze.csv"));
}

/// A community organization (no credit code needed), numbered.
fn community(i: usize) -> Value {
    json!({
        "name": format!("新城区第{i}社区志愿服务队"),
        "kind": "community",
        "level": "county",
        "division_code": "150102001",
        "lon": 111.67 + (i % 100) as f64 * 0.0005,
        "lat": 40.82,
        "formal_members": i % 5,
    })
}

/// Every organization and every audit row, as JSON, by id.
async fn everything(store: &Store) -> (Vec<Value>, Vec<Value>) {
    let mut orgs = Vec::new();
    store
        .for_each(|o| {
            orgs.push(serde_json::to_value(&o).unwrap());
            Ok::<_, orgcover::store::StoreError>(())
        })
        .await
        .unwrap();
    orgs.sort_by_key(|o| o["id"].as_i64());
    let audit = store
        .audit_log()
        .await
        .unwrap()
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    (orgs, audit)
}

#[tokio::test]
async fn a_backup_under_concurrent_writes_restores_to_the_same_data() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    import_fixture(&app);
    // Registrations keep arriving through the API while the backup runs.
    let writing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writer = {
        let client = app.client.clone();
        let url = app.url("/api/orgs");
        let writing = writing.clone();
        tokio::spawn(async move {
            let mut made = 0;
            while writing.load(std::sync::atomic::Ordering::Relaxed) {
                let r = client
                    .post(&url)
                    .json(&community(made))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
                made += 1;
            }
            made
        })
    };
    let before = wait_for_orgs(&app, 13 + 30).await;
    let backup = app.path("backup.db");
    let out = {
        let database_url = app.database_url.clone();
        let backup = backup.display().to_string();
        tokio::task::spawn_blocking(move || orgcover(&database_url, &["backup", &backup], ""))
            .await
            .unwrap()
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Writes go on after the backup too, so that it is a snapshot of a moving registry.
    wait_for_orgs(&app, app.store.count().await.unwrap() + 10).await;
    writing.store(false, std::sync::atomic::Ordering::Relaxed);
    let made = writer.await.unwrap();

    let restored_url = format!("sqlite://{}", app.path("restored.db").display());
    let backup = backup.display().to_string();
    let out = orgcover(&restored_url, &["restore", &backup], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = Store::open(&restored_url).await.unwrap();
    let (orgs, audit) = everything(&restored).await;
    let (now_orgs, now_audit) = everything(&app.store).await;
    assert!(
        orgs.len() as i64 >= before,
        "the backup holds what was there"
    );
    assert!(
        orgs.len() < now_orgs.len(),
        "writes went on after the backup ({made} made)"
    );
    // Every organization and audit row of the backup is the original's, unchanged.
    for org in &orgs {
        assert!(now_orgs.contains(org), "{org}");
    }
    for row in &audit {
        assert!(now_audit.contains(row), "{row}");
    }
    // One consistent moment: the audit rows are the original's up to some row, with no
    // gap, and they register exactly the organizations the backup holds.
    let last = audit
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .max()
        .unwrap();
    let up_to_last: Vec<_> = now_audit
        .iter()
        .filter(|r| r["id"].as_i64().unwrap() <= last)
        .collect();
    assert_eq!(audit.iter().collect::<Vec<_>>(), up_to_last);
    let mut audited: Vec<i64> = audit.iter().filter_map(|r| r["org_id"].as_i64()).collect();
    audited.sort_unstable();
    audited.dedup();
    let held: Vec<i64> = orgs.iter().map(|o| o["id"].as_i64().unwrap()).collect();
    assert_eq!(audited, held);
    // Accounts and tokens came along: the restored registry signs the same admin in.
    assert_eq!(
        restored.contents().await.unwrap().users,
        app.store.contents().await.unwrap().users
    );
    assert!(
        restored
            .user_named(crate::helpers::ADMIN)
            .await
            .unwrap()
            .is_some()
    );

    // A restore never overwrites: the restored database now holds data.
    let again = orgcover(&restored_url, &["restore", &backup], "");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty database"));
}

async fn wait_for_orgs(app: &TestApp, at_least: i64) -> i64 {
    for _ in 0..600 {
        let n = app.store.count().await.unwrap();
        if n >= at_least {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the writer did not reach {at_least} organizations");
}

#[tokio::test]
async fn backing_up_postgresql_points_to_pg_dump() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        eprintln!("PostgreSQL not configured ({POSTGRES_VAR} unset)");
        return;
    };
    for command in ["backup", "restore"] {
        let out = app.cli(&[command, &app.path("x.db").display().to_string()]);
        assert!(!out.status.success());
        let message = String::from_utf8_lossy(&out.stderr);
        assert!(
            message.contains("pg_dump") && message.contains("docs/operations.md"),
            "{message}"
        );
    }
    assert!(!app.path("x.db").exists());
}

async fn an_import_killed_halfway_leaves_the_database_as_it_was(app: TestApp) {
    import_fixture(&app);
    let before = everything(&app.store).await;
    let csv = app.path("big.csv");
    let csv_text = csv.display().to_string();
    let out = app.cli(&[
        "generate",
        "--orgs",
        "60000",
        "--out",
        &csv_text,
        "--division",
        "15",
        "--seed",
        "5",
    ]);
    assert!(out.status.success());
    kill_import_halfway(&app.database_url, &csv_text).await;
    assert_eq!(everything(&app.store).await, before);
    // And the database is usable: the same import, run to its end, writes everything.
    app.cli_ok(&["import", &csv_text]);
    assert_eq!(app.store.count().await.unwrap(), 13 + 60_000);
}

/// Every table, index and trigger of a SQLite file, with its SQL.
fn sqlite_schema(file: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    let db = rusqlite::Connection::open(file).unwrap();
    let mut schema = db
        .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name")
        .unwrap();
    schema
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// A first load (a large import into an empty SQLite file no other process has open)
/// writes through SQLite's rollback journal instead of the WAL. Killed halfway, it leaves
/// the file as it was: no organization, no audit row, every index back in place. Run to its
/// end, it leaves the file in WAL mode with every organization audited.
#[tokio::test]
async fn a_first_load_killed_halfway_leaves_the_file_as_it_was_and_finishes_in_wal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("first.db");
    let url = format!("sqlite://{}", file.display());
    let csv = dir.path().join("first.csv").display().to_string();
    let out = orgcover(
        &url,
        &["generate", "--orgs", "60000", "--out", &csv, "--seed", "5"],
        "",
    );
    assert!(out.status.success());
    assert!(orgcover(&url, &["migrate"], "").status.success());
    let schema = sqlite_schema(&file);

    let log = kill_import_halfway(&url, &csv).await;
    assert!(
        log.iter()
            .any(|l| l.contains("first load") && l.contains("rollback_journal=true")),
        "the import took the first-load path: {log:?}"
    );
    let store = Store::open(&url).await.unwrap();
    assert_eq!(everything(&store).await, (vec![], vec![]));
    store.close().await;
    assert_eq!(sqlite_schema(&file), schema, "the dropped indexes are back");

    let out = orgcover(&url, &["import", &csv], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = rusqlite::Connection::open(&file).unwrap();
    let text = |sql: &str| db.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap();
    let number = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(text("PRAGMA journal_mode"), "wal");
    assert_eq!(text("PRAGMA integrity_check"), "ok");
    assert_eq!(number("SELECT count(*) FROM organizations"), 60_000);
    assert_eq!(number("SELECT max(id) FROM organizations"), 60_000);
    assert_eq!(number("SELECT count(*) FROM audit_log"), 60_000);
    assert_eq!(
        number(
            "SELECT count(DISTINCT o.id) FROM organizations o JOIN audit_log a \
             ON a.org_id = o.id AND a.action = 'import' AND a.actor <> ''"
        ),
        60_000,
        "one import audit row for each organization"
    );
    drop(db);
    assert_eq!(sqlite_schema(&file), schema);
}

/// Migration 0005 rebuilds the organizations table so that the credit code's uniqueness is
/// a named index an import can drop and build again. A registry made before it keeps every
/// organization with its id, every audit row, the next id its sequence would have given,
/// and the rule that a credit code is registered once.
#[tokio::test]
async fn upgrading_a_sqlite_registry_keeps_its_organizations_audit_and_key_rule() {
    use sqlx::Connection as _;
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    import_fixture(&app);
    app.create(&community(1)).await;
    let registry = everything(&app.store).await;
    let last_id = registry.0.last().unwrap()["id"].as_i64().unwrap();

    // The same registry as the schema before 0005 held it: the migrations as they shipped
    // up to 0004, then the rows, copied as they are.
    let dir = tempfile::tempdir().unwrap();
    let shipped = dir.path().join("migrations");
    std::fs::create_dir(&shipped).unwrap();
    for entry in
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap()
    {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() < "0005" {
            std::fs::copy(&path, shipped.join(&name)).unwrap();
        }
    }
    let old = dir.path().join("old.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&old)
        .create_if_missing(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(shipped.as_path())
        .await
        .unwrap()
        .run(&mut conn)
        .await
        .unwrap();
    let current = app.database_url.trim_start_matches("sqlite://");
    // The columns the old schema has (later migrations add more).
    let old_columns: String = sqlx::query_scalar(
        "SELECT group_concat(name, ', ') FROM pragma_table_info('organizations')",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    for sql in [
        format!("ATTACH '{current}' AS current"),
        format!(
            "INSERT INTO organizations ({old_columns}) SELECT {old_columns} FROM current.organizations"
        ),
        "INSERT INTO audit_log SELECT * FROM current.audit_log".into(),
        // The sequence is carried over, not recomputed from the largest id.
        format!(
            "UPDATE sqlite_sequence SET seq = {} WHERE name = 'organizations'",
            last_id + 10
        ),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
    let indexes = |file: &std::path::Path| -> Vec<String> {
        sqlite_schema(file)
            .into_iter()
            .filter(|(kind, name, _)| kind == "index" && name.contains("organizations"))
            .map(|(_, name, _)| name)
            .collect()
    };
    assert!(
        indexes(&old).contains(&"sqlite_autoindex_organizations_1".to_string()),
        "before 0005 the credit code's uniqueness is the column's own: {:?}",
        indexes(&old)
    );

    let store = Store::open(&format!("sqlite://{}", old.display()))
        .await
        .unwrap();
    assert_eq!(everything(&store).await, registry);
    assert_eq!(
        indexes(&old),
        [
            "organizations_cell",
            "organizations_credit_code",
            "organizations_division",
            "organizations_name_division"
        ]
    );
    let with_code = registry
        .0
        .iter()
        .find(|o| o["credit_code"].is_string())
        .unwrap();
    let twin = store
        .get(with_code["id"].as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        store.create(&twin.org, "test").await,
        Err(orgcover::store::StoreError::Duplicate(_))
    ));
    let without_code = registry
        .0
        .iter()
        .find(|o| o["credit_code"].is_null())
        .unwrap();
    let mut newcomer = store
        .get(without_code["id"].as_i64().unwrap())
        .await
        .unwrap()
        .unwrap()
        .org;
    newcomer.name = "升级后登记的社区组织".into();
    let created = store.create(&newcomer, "test").await.unwrap();
    assert_eq!(created.id, last_id + 11);
    store.close().await;
}

/// Runs `orgcover import CSV` against `database_url` and kills it (SIGKILL) once it reports
/// 20,000 rows written inside its transaction; answers the log lines it wrote until then.
async fn kill_import_halfway(database_url: &str, csv: &str) -> Vec<String> {
    let mut import = Command::new(env!("CARGO_BIN_EXE_orgcover"))
        .args(["import", csv, "--log", "orgcover=debug"])
        .env("DATABASE_URL", database_url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = import.stderr.take().unwrap();
    let pid = import.id();
    let (seen, halfway) = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let written = line
                .contains("rows written")
                .then(|| line.split("written=").nth(1))
                .flatten()
                .and_then(|n| n.split_whitespace().next())
                .and_then(|n| n.parse::<usize>().ok());
            seen.push(line);
            if written.is_some_and(|n| n >= 20_000) {
                Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status()
                    .unwrap();
                return (seen, true);
            }
        }
        (seen, false)
    })
    .await
    .unwrap();
    let status = import.wait().unwrap();
    assert!(halfway, "the import never reported writing rows: {seen:?}");
    assert!(!status.success(), "the import was killed, not finished");
    seen
}

/// Samples of an OpenMetrics text as Python's prometheus_client parser reads them:
/// (name, labels, value).
fn parse_metrics(text: &str) -> Vec<(String, serde_json::Map<String, Value>, f64)> {
    let mut python = python_with("prometheus_client")
        .arg("-c")
        .arg(
            "import json, sys\n\
             from prometheus_client.openmetrics.parser import text_string_to_metric_families\n\
             for family in text_string_to_metric_families(sys.stdin.read()):\n\
             \x20   for s in family.samples:\n\
             \x20       print(json.dumps([s.name, s.labels, s.value]))",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    python
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = python.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "not Prometheus text: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (name, labels, value): (String, serde_json::Map<String, Value>, f64) =
                serde_json::from_str(l).unwrap();
            (name, labels, value)
        })
        .collect()
}

async fn metrics_parse_as_prometheus_text_and_count_the_requests_made(app: TestApp) {
    import_fixture(&app);
    for _ in 0..3 {
        assert_eq!(app.get("/api/orgs?limit=1").await.0, 200);
    }
    assert_eq!(app.get("/api/orgs/999999").await.0, 404);
    assert_eq!(app.get("/no/such/page").await.0, 404);
    // The server catches up with the CLI import within a second.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let samples = parse_metrics(&r.text().await.unwrap());
    let value = |name: &str, labels: &[(&str, &str)]| {
        samples
            .iter()
            .find(|(n, l, _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.get(*k).and_then(Value::as_str) == Some(v))
            })
            .map(|(_, _, v)| *v)
    };
    let requests = "orgcover_http_requests_total";
    assert_eq!(
        value(
            requests,
            &[("method", "GET"), ("route", "/api/orgs"), ("status", "200")]
        ),
        Some(3.0)
    );
    assert_eq!(
        value(requests, &[("route", "/api/orgs/{id}"), ("status", "404")]),
        Some(1.0),
        "the route pattern, never the id"
    );
    assert_eq!(
        value(requests, &[("route", "unmatched"), ("status", "404")]),
        Some(1.0)
    );
    assert_eq!(
        value(
            "orgcover_http_request_duration_seconds_count",
            &[("method", "GET"), ("route", "/api/orgs")]
        ),
        Some(3.0)
    );
    // The fixture: 12 active organizations and one deregistered.
    let active = value("orgcover_organizations", &[("status", "active")]).unwrap();
    let deregistered = value("orgcover_organizations", &[("status", "deregistered")]).unwrap();
    assert_eq!((active, deregistered), (12.0, 1.0));
    assert!(value("orgcover_snapshot_age_seconds", &[]).unwrap() < 5.0);
    assert!(value("orgcover_database_pool_connections", &[("state", "idle")]).is_some());
}

/// A raw HTTP request, read to its end.
fn http(address: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// The status of a raw answer.
fn status(answer: &str) -> u16 {
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"))
}

fn get(address: &str, path: &str, token: &str) -> String {
    http(
        address,
        &format!("GET {path} HTTP/1.0\r\nAuthorization: Bearer {token}\r\n\r\n"),
    )
}

fn post_json(address: &str, path: &str, token: &str, body: &Value) -> String {
    let body = body.to_string();
    http(
        address,
        &format!(
            "POST {path} HTTP/1.0\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// A database with the tests' admin and a token for it, made with the CLI as an operator
/// would: the URL and the token.
fn operator_database(dir: &std::path::Path) -> (String, String) {
    let url = format!("sqlite://{}", dir.join("ops.db").display());
    let cli = |args: &[&str], input: &str| {
        let out = orgcover(&url, args, input);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    cli(
        &["user", "add", "ops", "--role", "admin", "--password-stdin"],
        "an operator's password\n",
    );
    let created = cli(&["token", "create", "ops"], "");
    let token = created
        .split_whitespace()
        .find(|w| w.starts_with("oc_"))
        .expect("a token")
        .to_owned();
    (url, token)
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let (url, token) = operator_database(dir.path());
    let mut server = Server::start(
        &["serve", "--bind", "127.0.0.1:0", "--log-format", "json"],
        &[("DATABASE_URL", &url)],
    );
    // A slow client: the headers and half the body now, the rest after SIGTERM.
    let body = community(1).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut stream = TcpStream::connect(&server.address).unwrap();
    write!(
        stream,
        "POST /api/orgs HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
        server.address,
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.signal("-TERM");
    std::thread::sleep(Duration::from_millis(500));
    // No new requests are taken while it stops.
    if TcpStream::connect(&server.address).is_ok() {
        assert_eq!(http(&server.address, "GET /healthz HTTP/1.0\r\n\r\n"), "");
    }
    stream.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert_eq!(status(&answer), 201, "{answer}");
    let status = server.wait(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    // The registration was committed before the process left.
    let restarted = Server::start(
        &["serve", "--bind", "127.0.0.1:0"],
        &[("DATABASE_URL", &url)],
    );
    let health = http(&restarted.address, "GET /healthz HTTP/1.0\r\n\r\n");
    assert!(health.contains("\"organizations\":1"), "{health}");
    drop(restarted);
    // JSON logs: one line per request with method, route, status and time, and no token,
    // query or name in them.
    let logs = server.log_lines();
    let request: Value = logs
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["message"] == "request")
        .unwrap_or_else(|| panic!("no request line in {logs:?}"));
    assert_eq!(request["method"], "POST");
    assert_eq!(request["route"], "/api/orgs");
    assert_eq!(request["status"], 201);
    assert!(request["ms"].is_number());
    for line in &logs {
        assert!(
            !line.contains(&token) && !line.contains("志愿服务队"),
            "{line}"
        );
    }
}

#[test]
fn a_config_file_sets_what_flags_and_variables_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let (url, token) = operator_database(dir.path());
    let config = dir.path().join("orgcover.toml");
    std::fs::write(
        &config,
        format!("bind = \"127.0.0.1:0\"\ndatabase_url = \"{url}\"\nmax_cells = 1\n"),
    )
    .unwrap();
    let config_text = config.display().to_string();
    let server = Server::start(&["serve", "--config", &config_text], &[]);
    // max_cells from the file: two hexagons are more than it allows.
    let far = json!({"name": "远处的社区组织", "kind": "community", "level": "county",
        "division_code": "150102001", "lon": 111.9, "lat": 40.9, "formal_members": 1});
    for org in [community(0), far] {
        let created = post_json(&server.address, "/api/orgs", &token, &org);
        assert_eq!(status(&created), 201, "{created}");
    }
    let ask = |server: &Server| status(&get(&server.address, "/api/coverage/cells?res=9", &token));
    assert_eq!(ask(&server), 422);
    drop(server);
    // A variable wins over the file, and a flag over both.
    let server = Server::start(
        &["serve", "--config", &config_text],
        &[("ORGCOVER_MAX_CELLS", "100")],
    );
    assert_eq!(ask(&server), 200);
    drop(server);
    let server = Server::start(
        &["serve", "--config", &config_text, "--max-cells", "1"],
        &[("ORGCOVER_MAX_CELLS", "100")],
    );
    assert_eq!(ask(&server), 422);
    drop(server);
    // An unknown key is an error naming it, before anything starts.
    std::fs::write(&config, "bind = \"127.0.0.1:0\"\nmax_cell = 1\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_orgcover"))
        .args(["serve", "--config", &config_text])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("max_cell") && message.contains("max_cells"),
        "{message}"
    );
}

/// The environment `docker/compose.yaml` gives the app, read from the file.
fn compose_environment() -> Vec<(String, String)> {
    let compose = std::fs::read_to_string(format!(
        "{}/docker/compose.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let app = compose.split("\n  app:\n").nth(1).expect("an app service");
    let environment = app
        .split("    environment:\n")
        .nth(1)
        .expect("its environment");
    environment
        .lines()
        .take_while(|l| l.starts_with("      "))
        .filter_map(|l| l.trim().split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.trim().trim_matches('"').to_owned()))
        .collect()
}

#[tokio::test]
async fn the_docker_settings_and_health_check_work_with_this_binary_and_postgresql() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        eprintln!("PostgreSQL not configured ({POSTGRES_VAR} unset)");
        return;
    };
    // compose.yaml's variables, each pointed at this machine: its PostgreSQL, a free port.
    let environment = compose_environment();
    let names: Vec<&str> = environment.iter().map(|(k, _)| k.as_str()).collect();
    assert!(
        names.contains(&"DATABASE_URL") && names.contains(&"ORGCOVER_BIND"),
        "{names:?}"
    );
    for (name, _) in &environment {
        assert!(
            orgcover::config::SETTINGS
                .iter()
                .any(|(_, var)| var == name),
            "compose.yaml sets {name}, which orgcover does not read"
        );
    }
    let local: Vec<(&str, &str)> = environment
        .iter()
        .map(|(k, v)| match k.as_str() {
            "DATABASE_URL" => (k.as_str(), app.database_url.as_str()),
            "ORGCOVER_BIND" => (k.as_str(), "127.0.0.1:0"),
            _ => (k.as_str(), v.as_str()),
        })
        .collect();
    let server = Server::start(&["serve"], &local);
    // The Dockerfile's HEALTHCHECK, run as Docker would, on this server's port.
    let dockerfile =
        std::fs::read_to_string(format!("{}/docker/Dockerfile", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
    let check = dockerfile
        .split("CMD [\"bash\", \"-c\", \"")
        .nth(1)
        .and_then(|s| s.split("\"]").next())
        .expect("a bash HEALTHCHECK")
        .replace("\\\\", "\\")
        .replace("8080", server.address.rsplit(':').next().unwrap());
    let healthy = external("bash", "apt-get install bash")
        .args(["-c", &check])
        .status()
        .unwrap();
    assert!(healthy.success(), "the health check failed: {check}");
    let health = http(&server.address, "GET /healthz HTTP/1.0\r\n\r\n");
    assert!(health.contains("\"database\":\"postgres\""), "{health}");
}

#[test]
fn serving_a_database_without_accounts_says_nobody_can_sign_in_and_how_to_add_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("empty.db").display());
    let server = Server::start(
        &["serve", "--bind", "127.0.0.1:0"],
        &[("DATABASE_URL", &url)],
    );
    let started = Instant::now();
    let mut said = String::new();
    while !said.contains("orgcover user add") && started.elapsed() < Duration::from_secs(10) {
        said.extend(server.log_lines().into_iter().map(|l| l + "\n"));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(said.contains("任何人都无法登录"), "{said}");
    assert!(
        said.contains("orgcover user add admin --role admin"),
        "{said}"
    );
}
