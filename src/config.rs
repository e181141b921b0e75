//! `--config FILE`: the settings as a TOML file, for operators who prefer one. Every key is
//! also a flag and an environment variable; a flag wins over the variable, the variable
//! over the file, the file over the default. The file is read before the command line is
//! parsed and its values handed on as the variables that are not set, so there is one
//! parser and one precedence for all three.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Each key of the file with the environment variable it stands for (the flag is the key
/// with `-` for `_`).
pub const SETTINGS: &[(&str, &str)] = &[
    ("bind", "ORGCOVER_BIND"),
    ("database_url", "DATABASE_URL"),
    ("policy", "ORGCOVER_POLICY"),
    ("max_cells", "ORGCOVER_MAX_CELLS"),
    ("tiles_url", "ORGCOVER_TILES_URL"),
    ("secure_cookies", "ORGCOVER_SECURE_COOKIES"),
    ("shutdown_timeout", "ORGCOVER_SHUTDOWN_TIMEOUT"),
    ("trusted_proxies", "ORGCOVER_TRUSTED_PROXIES"),
    ("public_url", "ORGCOVER_PUBLIC_URL"),
    ("cors_origins", "ORGCOVER_CORS_ORIGINS"),
    ("timezone", "ORGCOVER_TIMEZONE"),
    ("client_timeout", "ORGCOVER_CLIENT_TIMEOUT"),
    ("max_connections", "ORGCOVER_MAX_CONNECTIONS"),
    ("log_format", "ORGCOVER_LOG_FORMAT"),
    ("log", "RUST_LOG"),
];

pub const CONFIG_VAR: &str = "ORGCOVER_CONFIG";

/// The config file named by `--config FILE`, `--config=FILE` or `ORGCOVER_CONFIG`.
pub fn config_path(args: &[OsString]) -> Option<PathBuf> {
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let arg = arg.to_string_lossy();
        if arg == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os(CONFIG_VAR).map(PathBuf::from)
}

/// The file's settings as (environment variable, value) pairs; an unknown key or a value
/// that is not text, a number or a boolean is an error naming it.
pub fn read(path: &Path) -> anyhow::Result<Vec<(&'static str, String)>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    parse(&text).with_context(|| format!("config file {}", path.display()))
}

fn parse(text: &str) -> anyhow::Result<Vec<(&'static str, String)>> {
    let table: toml::Table = toml::from_str(text)?;
    let mut settings = Vec::new();
    for (key, value) in table {
        let Some((_, var)) = SETTINGS.iter().find(|(k, _)| *k == key) else {
            let known: Vec<_> = SETTINGS.iter().map(|(k, _)| *k).collect();
            bail!(
                "未知设置“{key}” (unknown setting '{key}'); the settings are: {}",
                known.join(", ")
            );
        };
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => bail!(
                "设置“{key}”应为文本、数字或真假值 ('{key}' is text, a number or a boolean, not {})",
                other.type_str()
            ),
        };
        settings.push((*var, value));
    }
    Ok(settings)
}

/// Hands the file's settings on as environment variables, leaving those already set.
///
/// # Safety
/// Changes the process environment: call it before any other thread starts.
#[allow(
    unsafe_code,
    reason = "setting the environment is unsafe since Rust 2024; done before any thread starts"
)]
pub unsafe fn apply(settings: Vec<(&'static str, String)>) {
    for (var, value) in settings {
        if std::env::var_os(var).is_none() {
            // SAFETY: the caller runs this before any other thread exists.
            unsafe { std::env::set_var(var, value) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_their_environment_variables() {
        let settings = parse(
            "bind = \"0.0.0.0:8080\"\nmax_cells = 5000\nsecure_cookies = true\n\
             database_url = \"postgres://orgcover@db/orgcover\"\n",
        )
        .unwrap();
        assert!(settings.contains(&("ORGCOVER_BIND", "0.0.0.0:8080".into())));
        assert!(settings.contains(&("ORGCOVER_MAX_CELLS", "5000".into())));
        assert!(settings.contains(&("ORGCOVER_SECURE_COOKIES", "true".into())));
        assert!(settings.contains(&("DATABASE_URL", "postgres://orgcover@db/orgcover".into())));
    }

    #[test]
    fn an_unknown_key_is_named() {
        let e = parse("bind = \"x\"\nmax_cell = 5\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_cell"), "{e}");
        assert!(e.contains("max_cells"), "the known ones are listed: {e}");
    }

    #[test]
    fn a_table_is_not_a_setting() {
        let e = parse("[bind]\nport = 1\n").unwrap_err().to_string();
        assert!(e.contains("bind"), "{e}");
    }

    #[test]
    fn the_file_is_found_by_flag_or_variable() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            config_path(&args(&["orgcover", "serve", "--config", "a.toml"])),
            Some(PathBuf::from("a.toml"))
        );
        assert_eq!(
            config_path(&args(&["orgcover", "--config=b.toml", "serve"])),
            Some(PathBuf::from("b.toml"))
        );
    }
}
