//! The command line: every command wraps the same library the server uses.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::domain::coords::Crs;
use crate::domain::organization::Organization;
use crate::domain::policy::Policy;
use crate::domain::snapshot::Snapshot;
use crate::generate::{GenerateOptions, generate};
use crate::io::analysis::{groups_geojson, write_decisions};
use crate::io::coverage::{GapFormat, write_gaps_geojson};
use crate::io::csv::{HeaderLanguage, OrgCsvWriter, ParsedFile, read_orgs, write_rejects};
use crate::registry::query::CoverageParams;
use crate::store::{Store, StoreError};
use crate::web::{Application, Limits, ServeOptions};

#[derive(Debug, Parser)]
#[command(
    name = "orgcover",
    version,
    about = "社会组织党建覆盖登记 — registry of social organizations and their party-organization coverage"
)]
pub struct Cli {
    /// A TOML file of settings (bind, database_url, policy, max_cells, tiles_url,
    /// secure_cookies, trusted_proxies, public_url, cors_origins, timezone, shutdown_timeout, client_timeout,
    /// max_connections, log_format, log); flags and environment variables win over it.
    #[arg(long, global = true, env = "ORGCOVER_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// How logs are written to standard error: text for people, json for log collectors.
    #[arg(
        long,
        global = true,
        env = "ORGCOVER_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    log_format: LogFormat,
    /// Which logs are written, e.g. `debug,sqlx=warn` (default: info when serving, warn
    /// for other commands).
    #[arg(long, global = true, env = "RUST_LOG", value_name = "FILTER")]
    log: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web pages and the JSON API.
    Serve(ServeArgs),
    /// Generate demo data in Inner Mongolia (once) and serve it.
    Demo(DemoArgs),
    /// Import organizations from a CSV file (upsert by credit code; all or nothing).
    Import(ImportArgs),
    /// Export every organization as CSV (UTF-8 with BOM, opens in Excel and WPS).
    Export(ExportArgs),
    /// Create or upgrade the database schema.
    Migrate(DatabaseArgs),
    /// Write a synthetic registry of any size as CSV.
    Generate(GenerateArgs),
    /// Decide every organization of a CSV file (no database): decisions.csv, groups.geojson,
    /// gaps.geojson.
    Analyze(AnalyzeArgs),
    /// Print the effective policy (the defaults, or a policy file read over them).
    Policy(PolicyArgs),
    /// Write the statistics report (统计报表) of a period as .xlsx: one row per division one
    /// level down and a total row, the columns of docs/rules.md "Coverage".
    Report(ReportArgs),
    /// Load division outlines (行政区划界线) from a GeoJSON file: the map draws them and
    /// registrations are checked against them.
    #[command(subcommand)]
    Boundaries(BoundariesCommand),
    /// Manage accounts: add, list, disable.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for scripts and QGIS: create, list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write a consistent copy of the SQLite database while the service runs (PostgreSQL:
    /// use pg_dump).
    Backup(BackupArgs),
    /// Restore a backup into an empty database (a new SQLite file).
    Restore(BackupArgs),
}

#[derive(Debug, Args)]
struct BackupArgs {
    /// The backup file (backup: must not exist yet).
    file: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token acting for USER (with USER's role and jurisdiction); printed once.
    Create(TokenCreateArgs),
    /// List tokens (never the tokens themselves).
    List(DatabaseArgs),
    /// Revoke a token by its id.
    Revoke(TokenRevokeArgs),
}

#[derive(Debug, Args)]
struct TokenCreateArgs {
    user: String,
    /// What the token is for (shown in lists).
    #[arg(long, default_value = "script")]
    label: String,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Debug, Args)]
struct TokenRevokeArgs {
    id: i64,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
enum BoundariesCommand {
    /// Import division polygons from your own official file: GeoJSON in WGS84 or CGCS2000
    /// (EPSG:4490) lon/lat, one feature per division with its code (6, 9 or 12 digits, or
    /// Tianditu's `156` + code) and name. All or nothing; importing a division again keeps
    /// the old outline in the database and draws the new one. The demo's file:
    /// seed/boundaries/inner-mongolia-counties.geojson (docs/formats.md, "Boundary files").
    Import(BoundariesImportArgs),
}

#[derive(Debug, Args)]
struct BoundariesImportArgs {
    /// The GeoJSON file (a FeatureCollection of Polygon or MultiPolygon features).
    file: PathBuf,
    /// Every feature must be of this level (by default each feature's code says).
    #[arg(long, value_parser = ["province", "city", "county", "township"])]
    level: Option<String>,
    /// The property that holds the division code (by default the first of gb, code,
    /// adcode, division_code, XZQDM, PAC, 区划代码, 行政区划代码 that a feature has).
    #[arg(long, value_name = "NAME")]
    code_property: Option<String>,
    /// The property that holds the name (by default name, NAME, XZQMC, 名称 or 区划名称;
    /// else the register's name of the code).
    #[arg(long, value_name = "NAME")]
    name_property: Option<String>,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add an account with a role and a jurisdiction; prints a new password unless one is
    /// read from standard input.
    Add(UserAddArgs),
    /// List the accounts.
    List(DatabaseArgs),
    /// Disable an account (accounts are never deleted).
    Disable(UserNameArgs),
}

#[derive(Debug, Args)]
struct UserAddArgs {
    /// The user name (2 to 32 letters, digits, _ - .).
    name: String,
    /// admin, org_dept (组织部门), civil_affairs (民政), planner.
    #[arg(long)]
    role: String,
    /// The jurisdiction: a division-code prefix (1501 = Hohhot); empty for the whole country.
    #[arg(long, default_value = "")]
    division: String,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Debug, Args)]
struct UserNameArgs {
    name: String,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Debug, Args)]
struct PolicyArgs {
    /// A TOML policy file; the keys it names override the defaults of docs/rules.md.
    #[arg(long, env = "ORGCOVER_POLICY")]
    policy: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct AnalyzeArgs {
    /// The organization CSV (same format and checks as import).
    file: PathBuf,
    /// Where decisions.csv and groups.geojson are written (created if missing).
    #[arg(long)]
    out_dir: PathBuf,
    /// The day rules R6, R7 and R10 are judged on (YYYY-MM-DD); default today.
    #[arg(long)]
    today: Option<chrono::NaiveDate>,
    /// H3 resolution of the gap cells (4 to 10).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u8).range(4..=10))]
    res: u8,
    /// Coordinate system of rows that do not name one in a `crs` column.
    #[arg(long, default_value = "wgs84", value_parser = parse_crs)]
    crs: Crs,
    #[command(flatten)]
    policy: PolicyArgs,
}

#[derive(Debug, Args)]
struct DatabaseArgs {
    /// `sqlite://FILE` (created if missing), a file path, or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://orgcover.db")]
    database_url: String,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "ORGCOVER_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// The most hexagons one coverage response carries (a larger request is refused with
    /// the resolution that would fit).
    #[arg(long, env = "ORGCOVER_MAX_CELLS", default_value_t = crate::web::MAX_CELLS)]
    max_cells: usize,
    /// Base-map tiles for the map, a URL template with {z}, {x} and {y} (the tile server of
    /// your network); without one the map shows hexagons on a plain background.
    #[arg(long, env = "ORGCOVER_TILES_URL")]
    tiles_url: Option<String>,
    /// Mark the session cookie Secure (when users reach the service over HTTPS).
    #[arg(long, env = "ORGCOVER_SECURE_COOKIES")]
    secure_cookies: bool,
    /// On SIGTERM or SIGINT, how many seconds requests in flight get to finish before the
    /// service stops anyway.
    #[arg(
        long,
        env = "ORGCOVER_SHUTDOWN_TIMEOUT",
        default_value_t = 30,
        value_name = "SECONDS"
    )]
    shutdown_timeout: u64,
    /// Addresses of the reverse proxies in front (comma-separated IP addresses) whose
    /// X-Forwarded-For header is believed; none by default, so that nobody can claim
    /// another address. Set it when a TLS proxy forwards the requests (docs/operations.md).
    #[arg(
        long,
        env = "ORGCOVER_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "ADDRESSES"
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// The address users and QGIS reach the service at (such as
    /// https://orgcover.example.gov.cn), for the links in OGC API answers; without it the
    /// bound address. Set it behind a proxy or when binding 0.0.0.0.
    #[arg(long, env = "ORGCOVER_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url)]
    public_url: Option<String>,
    /// Web pages of other origins (comma-separated, such as https://gis.example.gov.cn)
    /// whose scripts may read the OGC API with a token (CORS); none by default.
    #[arg(
        long,
        env = "ORGCOVER_CORS_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGINS",
        value_parser = parse_origin
    )]
    cors_origins: Vec<String>,
    /// The time zone the pages show times in (an IANA name); times are stored as UTC.
    #[arg(
        long,
        env = "ORGCOVER_TIMEZONE",
        default_value = "Asia/Shanghai",
        value_name = "ZONE"
    )]
    timezone: chrono_tz::Tz,
    /// Seconds a client gets to send a request's headers and each part of its body, and
    /// that an idle kept-alive connection stays open; a slower client is disconnected.
    #[arg(
        long,
        env = "ORGCOVER_CLIENT_TIMEOUT",
        default_value_t = 60,
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    client_timeout: u64,
    /// Connections served at once; further ones wait until one closes.
    #[arg(
        long,
        env = "ORGCOVER_MAX_CONNECTIONS",
        default_value_t = 1024,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    max_connections: u64,
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    policy: PolicyArgs,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Address and port to listen on.
    #[arg(long, env = "ORGCOVER_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// The demo's own SQLite file, generated on first use and reused after.
    #[arg(
        long,
        env = "ORGCOVER_DEMO_DATABASE_URL",
        default_value = "sqlite://orgcover-demo.db"
    )]
    database_url: String,
    /// How many organizations the demo generates.
    #[arg(long, default_value_t = 20_000)]
    orgs: usize,
    #[command(flatten)]
    policy: PolicyArgs,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The organizations: a CSV file (UTF-8 or GBK/GB18030) or an Excel/WPS workbook
    /// (.xlsx, .xls, .xlsb, .ods), with English, Chinese or the ledger's own headers
    /// (docs/formats.md).
    file: PathBuf,
    /// The workbook's sheet to read; by default the first with a header row of
    /// organization columns.
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// Check every row and report, but write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import the valid rows and write the invalid ones, with reasons, to this file (.xlsx
    /// or .csv); fixed, it imports as it is.
    #[arg(long, value_name = "REJECTS.xlsx|csv")]
    skip_invalid: Option<PathBuf>,
    /// Coordinate system of rows that do not name one in a `crs` column.
    #[arg(long, default_value = "wgs84", value_parser = parse_crs)]
    crs: Crs,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct ExportArgs {
    #[command(subcommand)]
    what: Option<ExportWhat>,
    /// Where to write the organizations: a CSV file, or an Excel ledger when the name ends
    /// in .xlsx (a frozen, filtered header row and a sheet of the code lists).
    #[arg(required = true)]
    file: Option<PathBuf>,
    /// Header row language; with zh the values are Chinese too (社会团体, 县级, 是/否),
    /// and the file imports back as the same registry.
    #[arg(long, value_enum, default_value = "en")]
    headers: HeaderLanguage,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
enum ExportWhat {
    /// The ranked gap list of the registry (docs/formats.md "Gap GeoJSON"), as GeoJSON, CSV, XLSX or FlatGeobuf.
    Gaps(GapsArgs),
}

#[derive(Debug, Args)]
struct GapsArgs {
    /// H3 resolution of the cells (4 to 10).
    #[arg(long, default_value_t = 7)]
    res: u8,
    /// File format; by default from the extension of --out.
    #[arg(long, value_enum)]
    format: Option<GapFormat>,
    /// Where to write the gap list.
    #[arg(long)]
    out: PathBuf,
    /// Only cells touching `west,south,east,north`.
    #[arg(long)]
    bbox: Option<String>,
    /// Only organizations whose division code starts with these digits.
    #[arg(long)]
    division: Option<String>,
    /// Only this kind (social_group, private_non_enterprise, foundation, intermediary, community).
    #[arg(long)]
    kind: Option<String>,
    /// Only this registration level (national, provincial, municipal, county).
    #[arg(long)]
    registration_level: Option<String>,
    /// Only this industry (the `industry` text).
    #[arg(long)]
    industry: Option<String>,
    /// Only organizations with this coverage (own, joint, instructor, uncovered).
    #[arg(long)]
    coverage: Option<String>,
    /// The header row of a CSV or XLSX: en (the GeoJSON's keys) or zh; by default en for
    /// CSV, zh for XLSX.
    #[arg(long, value_enum)]
    headers: Option<HeaderLanguage>,
    /// The gaps at the end of this day (YYYY-MM-DD), as the registry stood then, rebuilt
    /// from the audit log; today by default.
    #[arg(long, value_name = "DAY")]
    as_of: Option<String>,
    /// The time zone whose days the figures of `--as-of` end with (an IANA name).
    #[arg(
        long,
        env = "ORGCOVER_TIMEZONE",
        default_value = "Asia/Shanghai",
        value_name = "ZONE"
    )]
    timezone: chrono_tz::Tz,

    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    policy: PolicyArgs,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// The period: a year (2026) or a quarter (2026Q4). A past period is counted as the
    /// registry stood at the end of its last day, rebuilt from the audit log.
    #[arg(long)]
    period: String,
    /// The time zone whose days the figures of `--as-of` end with (an IANA name).
    #[arg(
        long,
        env = "ORGCOVER_TIMEZONE",
        default_value = "Asia/Shanghai",
        value_name = "ZONE"
    )]
    timezone: chrono_tz::Tz,

    /// The area: the divisions one level below these digits (all provinces without it).
    #[arg(long, default_value = "")]
    division: String,
    /// Where to write the report (.xlsx).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    policy: PolicyArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum GenerateFormat {
    Csv,
    Xlsx,
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// How many organizations.
    #[arg(long)]
    orgs: usize,
    /// Where to write it.
    #[arg(long)]
    out: PathBuf,
    /// csv: the organization CSV of docs/formats.md; xlsx: a ledger as offices keep one
    /// (title row, merged group headers, the ledger's own column names, Chinese values, no
    /// division codes but where nothing else gives them), to try an import with. By
    /// default from the file's extension.
    #[arg(long, value_enum)]
    format: Option<GenerateFormat>,
    /// Same seed, same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only counties whose division code starts with these digits (15 = Inner Mongolia).
    #[arg(long)]
    division: Option<String>,
}

/// An origin as browsers send it: scheme and host (and port), no path.
fn parse_origin(s: &str) -> Result<String, String> {
    let origin = s.trim().trim_end_matches('/');
    let host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    match host {
        Some(h) if !h.is_empty() && !h.contains('/') => Ok(origin.to_owned()),
        _ => Err(format!(
            "应为 http(s)://主机[:端口]，不含路径，现为“{s}” (an origin is http(s)://host[:port] without a path, not '{s}')"
        )),
    }
}

fn parse_public_url(s: &str) -> Result<String, String> {
    match url::Url::parse(s) {
        Ok(u) if ["http", "https"].contains(&u.scheme()) && u.host().is_some() => {
            Ok(s.trim_end_matches('/').to_owned())
        }
        _ => Err(format!(
            "应为 http:// 或 https:// 开头的地址 (an http:// or https:// address, not '{s}')"
        )),
    }
}

fn parse_crs(s: &str) -> Result<Crs, String> {
    Crs::parse(s).map_err(|e| crate::domain::error::FieldError::from(e).message())
}

/// Who the command acts as, for the audit log.
fn cli_actor() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

#[allow(
    unsafe_code,
    reason = "the config file's settings go into the environment before the runtime starts"
)]
pub fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    if let Some(path) = crate::config::config_path(&args) {
        match crate::config::read(&path) {
            // SAFETY: nothing else runs yet; the runtime's threads start below.
            Ok(settings) => unsafe { crate::config::apply(settings) },
            Err(e) => {
                eprintln!("错误 error: {e:#}");
                return ExitCode::from(2);
            }
        }
    }
    let cli = Cli::parse_from(args);
    let serving = matches!(cli.command, Command::Serve(_) | Command::Demo(_));
    init_tracing(serving, cli.log_format, cli.log.as_deref());
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误 error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(serving: bool, format: LogFormat, filter: Option<&str>) {
    use tracing_subscriber::EnvFilter;
    let default = if serving { "info,sqlx=warn" } else { "warn" };
    let filter = filter
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => logs.json().flatten_event(true).init(),
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

fn limits(client_timeout: u64, max_connections: u64) -> Limits {
    Limits {
        client_timeout: std::time::Duration::from_secs(client_timeout),
        max_connections: usize::try_from(max_connections).unwrap_or(usize::MAX),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            let policy = load_policy(&args.policy)?;
            let store = open(&args.database.database_url).await?;
            let options = ServeOptions {
                max_cells: args.max_cells,
                tiles_url: args.tiles_url,
                secure_cookies: args.secure_cookies,
                shutdown_timeout: std::time::Duration::from_secs(args.shutdown_timeout),
                trusted_proxies: args.trusted_proxies,
                public_url: args.public_url.unwrap_or_default(),
                cors_origins: args.cors_origins,
                timezone: args.timezone,
                limits: limits(args.client_timeout, args.max_connections),
            };
            serve(store, policy, &args.bind, options, None).await?;
        }
        Command::Demo(args) => demo(args).await?,
        Command::Import(args) => return import(args).await,
        Command::Export(ExportArgs {
            what: Some(ExportWhat::Gaps(args)),
            ..
        }) => export_gaps(args).await?,
        Command::Export(args) => export(args).await?,
        Command::Migrate(args) => {
            open(&args.database_url).await?;
            println!("数据库已是最新结构 (database schema is up to date)");
        }
        Command::Generate(args) => generate_csv(&args)?,
        Command::Analyze(args) => return analyze(args),
        Command::Policy(args) => print!("{}", load_policy(&args)?.to_commented_toml()),
        Command::Report(args) => report(args).await?,
        Command::Boundaries(BoundariesCommand::Import(args)) => {
            return boundaries_import(args).await;
        }
        Command::User(command) => return user(command).await,
        Command::Token(command) => return token(command).await,
        Command::Backup(args) => backup(args).await?,
        Command::Restore(args) => restore(args).await?,
    }
    Ok(ExitCode::SUCCESS)
}

const PG_DUMP_ADVICE: &str = "PostgreSQL 的备份请用 pg_dump，恢复用 pg_restore，见 docs/operations.md \
    (back up PostgreSQL with pg_dump and restore with pg_restore: see docs/operations.md)";

async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    if is_postgres(&args.database.database_url) {
        anyhow::bail!("{PG_DUMP_ADVICE}");
    }
    if args.file.exists() {
        anyhow::bail!(
            "{} 已存在，请换一个文件名 ({} exists: name a new file)",
            args.file.display(),
            args.file.display()
        );
    }
    let store = open(&args.database.database_url).await?;
    let contents = store
        .backup_into(&args.file)
        .await?
        .expect("an SQLite store");
    store.close().await;
    println!(
        "已备份到 (backed up to) {}: {} 个社会组织 (organizations), {} 条审计记录 (audit rows), {} 个账号 (accounts)",
        args.file.display(),
        contents.organizations,
        contents.audit_rows,
        contents.users
    );
    Ok(())
}

async fn restore(args: BackupArgs) -> anyhow::Result<()> {
    if is_postgres(&args.database.database_url) {
        anyhow::bail!("{PG_DUMP_ADVICE}");
    }
    crate::store::backup::check_backup(&args.file)
        .await
        .with_context(|| format!("cannot restore {}", args.file.display()))?;
    // The target must hold nothing: a restore never overwrites data.
    let target = open(&args.database.database_url).await?;
    let empty = target.is_empty().await?;
    let file = target.sqlite_file().await?.expect("an SQLite store");
    target.close().await;
    if !empty {
        anyhow::bail!(
            "{} 中已有数据，只能恢复到空数据库 ({} holds data: restore into an empty database)",
            redact(&args.database.database_url),
            redact(&args.database.database_url)
        );
    }
    // The empty file just made (schema only) gives way to the copy.
    for suffix in ["", "-wal", "-shm"] {
        let mut name = file.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
    let contents = crate::store::backup::restore_sqlite(&args.file, &file).await?;
    println!(
        "已恢复 (restored) {} → {}: {} 个社会组织 (organizations), {} 条审计记录 (audit rows), {} 个账号 (accounts)",
        args.file.display(),
        file.display(),
        contents.organizations,
        contents.audit_rows,
        contents.users
    );
    Ok(())
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

async fn open(url: &str) -> anyhow::Result<Store> {
    Store::open(url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(url)))
}

/// [`open`] with one connection, for a command that does one thing at a time.
async fn open_single(url: &str) -> anyhow::Result<Store> {
    Store::open_single(url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(url)))
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

async fn serve(
    store: Store,
    policy: Policy,
    bind: &str,
    options: ServeOptions,
    note: Option<String>,
) -> anyhow::Result<()> {
    let nobody_can_sign_in = store.users().await?.iter().all(|a| a.disabled);
    // The village names are unpacked now, beside the snapshot's build, not on the first
    // request that shows one.
    tokio::task::spawn_blocking(crate::domain::division::preload_villages);
    let app = Application::build(store, policy, bind, options).await?;
    let url = format!("http://{}/", app.local_addr());
    println!("orgcover 已启动 (serving) at {url}");
    if nobody_can_sign_in {
        eprintln!(
            "注意：数据库中还没有可用的账号，任何人都无法登录。请先添加管理员：\n  \
             orgcover user add admin --role admin\n\
             (note: the database has no account that can sign in; add one first: \
             orgcover user add admin --role admin)"
        );
    }
    if let Some(note) = note {
        println!("{note}");
    }
    app.run_until_stopped().await?;
    Ok(())
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let policy = load_policy(&args.policy)?;
    let store = open(&args.database_url).await?;
    if store.count().await? == 0 {
        println!(
            "正在生成 {} 个内蒙古社会组织演示数据 (generating {} demo organizations in Inner Mongolia)…",
            args.orgs, args.orgs
        );
        let options = GenerateOptions {
            orgs: args.orgs,
            seed: 2024,
            division_prefix: Some("15".into()),
        };
        let mut orgs = Vec::with_capacity(args.orgs);
        generate(&options, |o| {
            orgs.push(o);
            Ok::<_, std::convert::Infallible>(())
        })?;
        let actor = crate::registry::Actor::operator("demo".into());
        crate::registry::import(&store, &actor, &orgs, |_| {}).await?;
    }
    if store.last_boundary_id().await? == 0 {
        let actor = crate::registry::Actor::operator("demo".into());
        crate::registry::import_boundaries(
            &store,
            &actor,
            "inner-mongolia-counties.geojson",
            crate::generate::DEMO_BOUNDARIES,
            &Default::default(),
        )
        .await?;
    }
    let note = format!(
        "演示数据库 (demo database): {} — {} 个社会组织 (organizations)\n{}",
        redact(&args.database_url),
        store.count().await?,
        demo_accounts(&store).await?
    );
    serve(
        store,
        policy,
        &args.bind,
        ServeOptions::default(),
        Some(note),
    )
    .await
}

/// A password nobody chose: 20 characters from an alphabet without look-alikes.
fn random_password() -> anyhow::Result<String> {
    use rand::TryRng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY3479";
    let mut bytes = [0u8; 20];
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| anyhow::anyhow!("no randomness from the system: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

async fn user(command: UserCommand) -> anyhow::Result<ExitCode> {
    use crate::domain::access::{Role, check_name, check_password};
    use crate::domain::division::parse_prefix;
    match command {
        UserCommand::Add(args) => {
            let problems: Vec<_> = [
                check_name(&args.name).err(),
                Role::parse(&args.role).err(),
                (!args.division.is_empty())
                    .then(|| {
                        parse_prefix(&args.division)
                            .map_err(|e| e.at("division"))
                            .err()
                    })
                    .flatten(),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !problems.is_empty() {
                for p in problems {
                    eprintln!("{}: {}", p.field, p.message());
                }
                return Ok(ExitCode::from(2));
            }
            let (password, generated) = if args.password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (random_password()?, true)
            };
            if let Err(e) = check_password(&password) {
                eprintln!("password: {}", e.message());
                return Ok(ExitCode::from(2));
            }
            let store = open(&args.db.database_url).await?;
            let role = Role::parse(&args.role).expect("checked above");
            let hash = crate::passwords::hash(&password)?;
            match store
                .add_user(&args.name, role, &args.division, &hash, &cli_actor())
                .await
            {
                Ok(a) => {
                    println!(
                        "已添加用户 (user added): {} {} {}",
                        a.name,
                        a.role.as_str(),
                        if a.jurisdiction.is_empty() {
                            "全国 (national)"
                        } else {
                            &a.jurisdiction
                        }
                    );
                    if generated {
                        println!("初始密码 (password, shown once): {password}");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(StoreError::UserExists(name)) => {
                    eprintln!("用户“{name}”已存在 (a user named {name} already exists)");
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
        UserCommand::List(db) => {
            let store = open(&db.database_url).await?;
            println!("name\trole\tjurisdiction\tstatus");
            for a in store.users().await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    a.name,
                    a.role.as_str(),
                    a.jurisdiction,
                    if a.disabled { "disabled" } else { "active" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Disable(args) => {
            let store = open(&args.db.database_url).await?;
            match store.disable_user(&args.name, &cli_actor()).await {
                Ok(a) => {
                    println!("已停用 (disabled): {}", a.name);
                    Ok(ExitCode::SUCCESS)
                }
                Err(StoreError::UnknownUser(name)) => {
                    eprintln!("没有名为“{name}”的用户 (no user is named {name})");
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}

async fn token(command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create(args) => {
            let store = open(&args.db.database_url).await?;
            let Some(user) = store.user_named(&args.user).await? else {
                eprintln!("没有名为“{0}”的用户 (no user is named {0})", args.user);
                return Ok(ExitCode::from(2));
            };
            let (token, hash) = crate::passwords::new_token()?;
            let id = store
                .add_token(&user.account, &args.label, &hash, &cli_actor())
                .await?;
            println!("令牌 {id} (token {id}) for {}: {token}", user.account.name);
            println!("请妥善保存，此后不再显示 (keep it safe: it is not shown again)");
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::List(db) => {
            let store = open(&db.database_url).await?;
            println!("id\tuser\tlabel\tcreated\tlast_used\tstatus");
            for t in store.tokens(None).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.user,
                    t.label,
                    t.created_at.format("%Y-%m-%d %H:%M"),
                    t.last_used_at
                        .map_or("-".into(), |d| d.format("%Y-%m-%d %H:%M").to_string()),
                    if t.revoked { "revoked" } else { "active" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Revoke(args) => {
            let store = open(&args.db.database_url).await?;
            if store.revoke_token(args.id, None, &cli_actor()).await? {
                println!("已撤销令牌 {} (token revoked)", args.id);
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("没有可撤销的令牌 {} (no active token {})", args.id, args.id);
                Ok(ExitCode::from(2))
            }
        }
    }
}

/// The demo's accounts, one per role, with passwords printed at start (demo data only).
const DEMO_ACCOUNTS: [(&str, &str, &str, &str); 4] = [
    ("admin", "admin", "", "demo-admin-2026"),
    ("zuzhibu", "org_dept", "1501", "demo-orgdept-2026"),
    ("minzheng", "civil_affairs", "1501", "demo-civil-2026"),
    ("guihua", "planner", "15", "demo-planner-2026"),
];

async fn demo_accounts(store: &Store) -> anyhow::Result<String> {
    use crate::domain::access::Role;
    let mut lines = vec!["演示账号 (demo accounts) — 用户名 / 角色 / 辖区 / 密码:".to_owned()];
    for (name, role, division, password) in DEMO_ACCOUNTS {
        let role = Role::parse(role).expect("a role");
        if store.user_named(name).await?.is_none() {
            let hash = crate::passwords::hash(password)?;
            store.add_user(name, role, division, &hash, "demo").await?;
        }
        lines.push(format!(
            "  {name} / {} / {} / {password}",
            role.as_str(),
            if division.is_empty() {
                "全国"
            } else {
                division
            }
        ));
    }
    Ok(lines.join("\n"))
}

const SHOWN_ERRORS: usize = 100;

/// Reads and checks an organization file (CSV, or an Excel/WPS workbook by its
/// extension), printing its bad rows (the first hundred).
fn read_checked(
    path: &std::path::Path,
    sheet: Option<&str>,
    crs: Crs,
    today: chrono::NaiveDate,
) -> anyhow::Result<ParsedFile> {
    if !crate::io::workbook::is_workbook(path) {
        return read_checked_csv(path, crs, today);
    }
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar.set_message("正在读取工作簿 (reading the workbook)");
    let ledger = crate::io::workbook::read_ledger_reporting(path, sheet, crs, today, &mut |p| {
        use crate::io::workbook::ReadProgress;
        match p {
            ReadProgress::Rows { read, of } if of > 0 => {
                if bar.length().is_none() {
                    bar.set_length(u64::from(of));
                    bar.set_style(
                        ProgressStyle::with_template(
                            "读取 (reading) {bar:40} {pos}/{len} 行 (rows) {elapsed}",
                        )
                        .expect("valid template"),
                    );
                }
                bar.set_position(u64::from(read));
            }
            ReadProgress::Rows { .. } => {}
            ReadProgress::Checking { rows } => {
                bar.set_style(ProgressStyle::default_spinner());
                bar.set_message(format!("正在检查 {rows} 行 (checking {rows} rows)"));
            }
        }
    });
    bar.finish_and_clear();
    let ledger = ledger.with_context(|| path.display().to_string())?;
    eprintln!(
        "工作表“{}”，表头在第 {} 行 (sheet '{}', header on row {})",
        ledger.sheet, ledger.header_row, ledger.sheet, ledger.header_row
    );
    print_ignored(&ledger.ignored);
    let parsed = ledger.parsed;
    print_errors(&parsed, |e| {
        let place = crate::io::workbook::CellPlace {
            sheet: &ledger.sheet,
            row: e.line,
            column: &e.column,
        };
        format!("{place}: {}", e.message)
    });
    print_warnings(&parsed, |line| {
        format!("sheet {}, row {line}", ledger.sheet)
    });
    Ok(parsed)
}

/// Prints what the valid rows will be listed to verify for (the first hundred rows to
/// check, then how many had their division found or have no point): warnings, which
/// refuse nothing.
fn print_warnings(parsed: &ParsedFile, place: impl Fn(u64) -> String) {
    let warnings = parsed.warnings();
    for (line, doubt) in warnings.rows.iter().take(SHOWN_ERRORS) {
        eprintln!(
            "{}: 提示 (warning): {} ({})",
            place(*line),
            doubt.message(crate::domain::lang::Lang::Zh),
            doubt.message(crate::domain::lang::Lang::En)
        );
    }
    if warnings.rows.len() > SHOWN_ERRORS {
        let more = warnings.rows.len() - SHOWN_ERRORS;
        eprintln!("… 另有 {more} 处提示 (and {more} more warnings)");
    }
    if warnings.divisions_found > 0 {
        let n = warnings.divisions_found;
        eprintln!(
            "{n} 行未填行政区划代码，已由住所或统一社会信用代码推断，导入后列入“待核实” ({n} rows had no division code: found from the address or the credit code, listed to verify)"
        );
    }
    if warnings.without_point > 0 {
        let n = warnings.without_point;
        eprintln!(
            "{n} 行没有经纬度：计入所属区划，不计入网格，导入后列入“待核实位置” ({n} rows have no coordinates: counted in their division, in no hexagon, listed as locations to verify)"
        );
    }
}

/// Names, once, the columns a file has that only describe (read past by name).
fn print_ignored(ignored: &[String]) {
    if !ignored.is_empty() {
        eprintln!(
            "未导入的说明性列 (descriptive columns not imported): {}",
            ignored.join(", ")
        );
    }
}

/// Prints the first hundred bad cells of a file, each as `shown` says, and how many more.
fn print_errors(parsed: &ParsedFile, shown: impl Fn(&crate::io::csv::RowError) -> String) {
    let errors = parsed.errors().count();
    for e in parsed.errors().take(SHOWN_ERRORS) {
        eprintln!("{}", shown(e));
    }
    if errors > SHOWN_ERRORS {
        let more = errors - SHOWN_ERRORS;
        eprintln!("… 另有 {more} 处错误 (and {more} more errors)");
    }
}

/// Reads and checks an organization CSV, printing its bad rows (the first hundred).
#[allow(
    unsafe_code,
    reason = "memory-mapping the input file (memmap2 has no safe constructor)"
)]
fn read_checked_csv(
    path: &std::path::Path,
    crs: Crs,
    today: chrono::NaiveDate,
) -> anyhow::Result<ParsedFile> {
    let cannot_read = || format!("cannot read {}", path.display());
    let file = File::open(path).with_context(cannot_read)?;
    // Mapped rather than read: the workers read the system's cached copy of the file
    // in place, where a read would first copy it (200 MB at a million rows) on one core.
    let map = match file.metadata().with_context(cannot_read)?.len() {
        0 => None,
        // SAFETY: the map is only read, and only while this function runs. A file another
        // program changes meanwhile reads as wrong rows, as with read(); one it truncates
        // ends this process (SIGBUS) before anything is written.
        _ => Some(unsafe { memmap2::Mmap::map(&file) }.with_context(cannot_read)?),
    };
    let bytes: &[u8] = map.as_deref().unwrap_or_default();
    let parsed = read_orgs(bytes, crs, today).context(path.display().to_string())?;
    print_ignored(&parsed.ignored);
    print_errors(&parsed, ToString::to_string);
    print_warnings(&parsed, |line| format!("line {line}"));
    Ok(parsed)
}

async fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    // Opened first: its division outlines check the rows' points, as the server would.
    let store = open_single(&args.database.database_url).await?;
    crate::registry::install_boundaries(&store).await?;
    let parsed = read_checked(
        &args.file,
        args.sheet.as_deref(),
        args.crs,
        crate::registry::today(),
    )?;
    let rejected = parsed.rejected.len();
    if rejected > 0 && args.skip_invalid.is_none() {
        eprintln!(
            "{rejected} 行有错误，未写入任何数据；改正后重新导入，或用 --skip-invalid REJECTS.csv 只导入正确的行 \
             ({rejected} rows are invalid: nothing was written. Fix them and import again, or use \
             --skip-invalid REJECTS.csv to import the valid rows only)"
        );
        return Ok(ExitCode::FAILURE);
    }
    if let Some(path) = &args.skip_invalid {
        let cannot = || format!("cannot write {}", path.display());
        let xlsx = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        if xlsx {
            std::fs::write(path, crate::io::workbook::rejects_xlsx(&parsed)?)
                .with_context(cannot)?;
        } else if crate::io::workbook::is_workbook(path) {
            anyhow::bail!(
                "错误行文件应为 .xlsx 或 .csv (a rejects file is written as .xlsx or .csv): {}",
                path.display()
            );
        } else {
            write_rejects(
                BufWriter::new(File::create(path).with_context(cannot)?),
                &parsed,
            )?;
        }
    }
    let valid: Vec<_> = parsed.rows.into_iter().map(|(_, org)| org).collect();
    if args.dry_run {
        println!(
            "检查完毕，未写入 (dry run, nothing written): read {}, valid {}, rejected {rejected}",
            valid.len() + rejected,
            valid.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(valid.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} ETA {eta}")
                .expect("valid template"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let total = valid.len();
    let mut written = 0;
    let actor = crate::registry::Actor::operator(cli_actor());
    let summary = crate::registry::import(&store, &actor, &valid, |n| {
        progress.inc(n as u64);
        written += n;
        // For logs when no terminal shows the bar (`--log orgcover=debug`).
        tracing::debug!(written, total, "rows written, committed only when all are");
    })
    .await
    .context("import failed: nothing was written")?;
    progress.finish_and_clear();
    println!(
        "导入完成 (imported): read {}, inserted {}, updated {}, unchanged {}, rejected {rejected}",
        valid.len() + rejected,
        summary.inserted,
        summary.updated,
        summary.unchanged
    );
    if let Some(path) = &args.skip_invalid
        && rejected > 0
    {
        println!("错误行已写入 (rejected rows written to) {}", path.display());
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn boundaries_import(args: BoundariesImportArgs) -> anyhow::Result<ExitCode> {
    use crate::domain::lang::Lang;
    use crate::io::boundaries::BoundaryOptions;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let options = BoundaryOptions {
        level: args
            .level
            .as_deref()
            .and_then(|l| crate::registry::query::parse_level(l).ok()),
        code_property: args.code_property,
        name_property: args.name_property,
    };
    let store = open_single(&args.database.database_url).await?;
    let actor = crate::registry::Actor::operator(cli_actor());
    let file_name = args
        .file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let done =
        crate::registry::import_boundaries(&store, &actor, &file_name, &bytes, &options).await;
    store.close().await;
    match done {
        Ok(done) => {
            for note in &done.notes {
                println!("{}\n  ({})", note.message(Lang::Zh), note.message(Lang::En));
            }
            let levels: Vec<String> = done
                .by_level
                .iter()
                .map(|(l, n)| format!("{l} {n}"))
                .collect();
            println!(
                "界线导入完成 (boundaries imported): {} ({}), {} repairs or skipped features",
                levels.join(", "),
                done.crs,
                done.notes.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(crate::registry::RegistryError::Invalid(errors)) => {
            for e in &errors.0 {
                eprintln!("{}\n  ({})", e.zh, e.en);
            }
            eprintln!("未写入任何界线 (nothing was written)");
            Ok(ExitCode::FAILURE)
        }
        Err(other) => Err(other).context("boundary import failed: nothing was written"),
    }
}

async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let path = args.file.expect("clap requires the file");
    let store = open(&args.database.database_url).await?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
    {
        let mut writer = crate::io::workbook::OrgXlsxWriter::new(args.headers)?;
        let mut count = 0u64;
        store
            .for_each(|org| -> anyhow::Result<()> {
                writer.write(&org.org)?;
                count += 1;
                Ok(())
            })
            .await?;
        std::fs::write(&path, writer.finish()?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!(
            "已导出 {count} 个社会组织 (exported {count} organizations) to {}",
            path.display()
        );
        store.close().await;
        return Ok(());
    }
    let file = File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut writer = OrgCsvWriter::new(BufWriter::new(file), args.headers)?;
    let mut count = 0u64;
    store
        .for_each(|org| -> anyhow::Result<()> {
            writer.write_stored(&org)?;
            count += 1;
            Ok(())
        })
        .await?;
    writer.finish()?.flush()?;
    println!(
        "已导出 {count} 个社会组织 (exported {count} organizations) to {}",
        path.display()
    );
    store.close().await;
    Ok(())
}

/// The registry at the end of `day` (today's when none or today): every organization read,
/// and for a past day rebuilt as it stood then (`registry::past`).
async fn registry_on(
    store: &Store,
    policy: Policy,
    day: Option<chrono::NaiveDate>,
    zone: chrono_tz::Tz,
) -> anyhow::Result<Snapshot> {
    let today = crate::registry::today();
    let orgs = store.all_organizations().await?;
    let Some(day) = day.filter(|d| *d != today) else {
        return Ok(Snapshot::new(policy, orgs));
    };
    let day =
        crate::registry::past::check_as_of(day, today).map_err(|e| anyhow::anyhow!(e.message()))?;
    let history = crate::registry::past::history_after(store, day, zone).await?;
    Ok(crate::registry::past::snapshot_on(
        &orgs, &policy, &history, day, zone,
    ))
}

async fn report(args: ReportArgs) -> anyhow::Result<()> {
    let policy = load_policy(&args.policy)?;
    // Bad flags are told before the registry is read.
    let period = crate::domain::report::Period::parse(&args.period)
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    let figures_on = period
        .figures_date(crate::registry::today())
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    let division = if args.division.is_empty() {
        String::new()
    } else {
        crate::domain::division::parse_prefix(&args.division)
            .map_err(|e| anyhow::anyhow!(e.at("division").message()))?
    };
    let store = open(&args.database.database_url).await?;
    let snapshot = registry_on(&store, policy, Some(figures_on), args.timezone).await?;
    store.close().await;
    let report = snapshot.report(&division);
    let bytes = crate::io::report::report_xlsx(&report, &period, figures_on)?;
    std::fs::write(&args.out, bytes)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "已写出统计报表 (wrote the report): {}，{} 个区划 (divisions)，数据日期 {figures_on}，to {}",
        crate::io::report::title(&report, &period),
        report.rows.len(),
        args.out.display()
    );
    Ok(())
}

async fn export_gaps(args: GapsArgs) -> anyhow::Result<()> {
    let policy = load_policy(&args.policy)?;
    let format = match args.format {
        Some(f) => f,
        None => match args
            .out
            .extension()
            .and_then(|e| e.to_str())
            .and_then(GapFormat::of_extension)
        {
            Some(f) => f,
            None => anyhow::bail!(
                "请用 --format geojson|csv|xlsx|fgb 指明格式 (say --format geojson, csv, xlsx or \
                 fgb: the extension of {} does not tell)",
                args.out.display()
            ),
        },
    };
    let params = CoverageParams {
        res: Some(args.res),
        bbox: args.bbox,
        kind: args.kind,
        registration_level: args.registration_level,
        industry: args.industry,
        division: args.division,
        coverage: args.coverage,
        headers: None,
        as_of: args.as_of,
        since: None,
    };
    // Bad flags are told before the registry is read.
    let res = params
        .res(crate::registry::query::DEFAULT_GAP_RESOLUTION)
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    params.bbox().map_err(|e| anyhow::anyhow!(e.message()))?;
    let as_of = params.as_of().map_err(|e| anyhow::anyhow!(e.message()))?;
    let store = open(&args.database.database_url).await?;
    let snapshot = registry_on(&store, policy, as_of, args.timezone).await?;
    store.close().await;
    let gaps = params
        .gaps(&snapshot)
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    let policy = snapshot.policy();
    let bytes = format.write(&gaps, policy, args.headers)?;
    std::fs::write(&args.out, bytes)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "已导出 {} 个缺口网格 (exported {} gap cells at res {res}) to {}",
        gaps.len(),
        gaps.len(),
        args.out.display()
    );
    Ok(())
}

fn generate_csv(args: &GenerateArgs) -> anyhow::Result<()> {
    let xlsx = args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if args.format.unwrap_or(if xlsx {
        GenerateFormat::Xlsx
    } else {
        GenerateFormat::Csv
    }) == GenerateFormat::Xlsx
    {
        return generate_ledger(args);
    }
    let file =
        File::create(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    let mut writer =
        OrgCsvWriter::new(BufWriter::with_capacity(1 << 20, file), HeaderLanguage::En)?;
    let options = GenerateOptions {
        orgs: args.orgs,
        seed: args.seed,
        division_prefix: args.division.clone(),
    };
    generate(&options, |org| {
        writer.write_with_point(&org, crate::generate::written_point(&org))
    })?;
    writer.finish()?.flush()?;
    println!(
        "已生成 {} 个社会组织 (generated {} organizations) to {}",
        args.orgs,
        args.orgs,
        args.out.display()
    );
    Ok(())
}

/// `generate` as an office's ledger workbook.
fn generate_ledger(args: &GenerateArgs) -> anyhow::Result<()> {
    let mut writer = crate::io::workbook::LedgerXlsxWriter::new(
        "社会组织党建工作台账（orgcover generate 生成的示例数据）",
    )?;
    let options = GenerateOptions {
        orgs: args.orgs,
        seed: args.seed,
        division_prefix: args.division.clone(),
    };
    generate(&options, |org| {
        writer.write(&org, crate::generate::written_point(&org))
    })?;
    std::fs::write(&args.out, writer.finish()?)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "已生成 {} 个社会组织的台账 (generated a ledger of {} organizations) to {}",
        args.orgs,
        args.orgs,
        args.out.display()
    );
    Ok(())
}

/// The policy of `--policy` (else the defaults), reading this year's plans.
fn load_policy(args: &PolicyArgs) -> anyhow::Result<Policy> {
    let policy = match &args.policy {
        None => Policy::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the policy file {}", path.display()))?;
            Policy::from_toml(&text).with_context(|| path.display().to_string())?
        }
    };
    Ok(policy.in_year(chrono::Datelike::year(&crate::registry::today())))
}

/// Reads an organization CSV for a command that writes nothing to the database; a file
/// with bad rows is refused whole, as an import would be.
fn read_valid_orgs(
    path: &std::path::Path,
    crs: Crs,
    today: chrono::NaiveDate,
) -> anyhow::Result<Option<Vec<Organization>>> {
    let parsed = read_checked(path, None, crs, today)?;
    if !parsed.rejected.is_empty() {
        eprintln!(
            "{} 行有错误，请改正后重试 ({} rows are invalid: fix them and try again)",
            parsed.rejected.len(),
            parsed.rejected.len()
        );
        return Ok(None);
    }
    Ok(Some(parsed.rows.into_iter().map(|(_, org)| org).collect()))
}

fn analyze(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let policy = load_policy(&args.policy)?;
    let today = args
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    // Phase times are logged at debug level (RUST_LOG=orgcover=debug) for profiling.
    let started = std::time::Instant::now();
    let phase = |name: &str| tracing::debug!(phase = name, elapsed = ?started.elapsed());
    let Some(orgs) = read_valid_orgs(&args.file, args.crs, today)? else {
        return Ok(ExitCode::FAILURE);
    };
    phase("read");
    let analysis = crate::domain::analysis::analyze(&orgs, None, &policy, today);
    phase("decided and grouped");
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("cannot create {}", args.out_dir.display()))?;
    let decisions_path = args.out_dir.join("decisions.csv");
    let groups_path = args.out_dir.join("groups.geojson");
    let gaps_path = args.out_dir.join("gaps.geojson");
    // The decisions are written while the gaps are counted: the two share nothing.
    let gaps = std::thread::scope(|scope| -> anyhow::Result<_> {
        let writer = scope.spawn(|| -> anyhow::Result<()> {
            let file = File::create(&decisions_path)
                .with_context(|| format!("cannot write {}", decisions_path.display()))?;
            let mut out = BufWriter::new(file);
            write_decisions(&mut out, &orgs, &analysis, &policy)?;
            out.flush()?;
            std::fs::write(&groups_path, groups_geojson(&orgs, &analysis).to_string())
                .with_context(|| format!("cannot write {}", groups_path.display()))?;
            phase("decisions and groups written");
            Ok(())
        });
        let gaps = analysis.gaps(&orgs, args.res, &policy);
        let file = File::create(&gaps_path)
            .with_context(|| format!("cannot write {}", gaps_path.display()))?;
        let mut out = BufWriter::new(file);
        write_gaps_geojson(&mut out, &gaps, &policy)?;
        out.flush()?;
        phase("gaps written");
        writer.join().expect("the decisions writer panicked")?;
        Ok(gaps)
    })?;

    // Counted in the recommendations' own order (R1a first), each with its Chinese label
    // beside the code the CSV carries.
    let mut counts: Vec<(Option<crate::domain::decision::Recommendation>, usize)> = Vec::new();
    for r in &analysis.recommendations {
        match counts.iter_mut().find(|(k, _)| k == r) {
            Some((_, n)) => *n += 1,
            None => counts.push((*r, 1)),
        }
    }
    counts.sort_by_key(|(r, _)| r.map_or(usize::MAX, |r| r as usize));
    println!(
        "分析完成 (analysed) {} 个社会组织 (organizations)，判定日期 (as of) {today}:",
        orgs.len()
    );
    for (recommendation, n) in counts {
        match recommendation {
            Some(r) => println!("  {} ({}): {n}", r.label_zh(), r.as_str()),
            None => println!("  已注销或合并，不再判定 (not operating): {n}"),
        }
    }
    println!(
        "  拟建区域联合党支部 (regional joint branches proposed): {}",
        analysis.groups.len()
    );
    println!("  缺口网格 (gap cells) at res {}: {}", args.res, gaps.len());
    // A million organizations take a second to free, and the process ends next anyway.
    std::mem::forget((orgs, analysis));
    println!(
        "wrote {}, {} and {}",
        decisions_path.display(),
        groups_path.display(),
        gaps_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_left_out_of_database_urls_in_messages() {
        assert_eq!(
            redact("postgres://app:secret@db:5432/orgcover"),
            "postgres://app@db:5432/orgcover"
        );
        assert_eq!(redact("sqlite://orgcover.db"), "sqlite://orgcover.db");
    }
}
