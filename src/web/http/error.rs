//! One error type for every handler: JSON `{"error", "field"}` with the right status.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::domain::error::{FieldError, ValidationErrors};
use crate::registry::RegistryError;
use crate::store::StoreError;

/// Paths whose callers are programs, which want the JSON error.
pub fn is_api(path: &str) -> bool {
    ["/api/", "/ogc", "/assets/", "/healthz", "/metrics"]
        .iter()
        .any(|p| path.starts_with(p))
        || path == "/api"
}

/// A message in both languages: the API sends "中文 (English)", a page shows its half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub zh: String,
    pub en: String,
}

impl Said {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.zh, self.en)
    }
}

/// What an error answer told its caller, kept on the response beside the JSON body: the
/// pages' layer renders the error page from it (it never reads the JSON back). `None`
/// when the cause is not for the user (not found, a server error).
#[derive(Debug, Clone)]
pub struct ErrorNote(pub Option<Said>);

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request itself is malformed (not JSON, a bad query string).
    #[error("{0}")]
    BadRequest(Said),
    /// Well-formed input that breaks a rule; names the field(s).
    #[error("{0}")]
    Validation(ValidationErrors),
    #[error("not found")]
    NotFound,
    #[error("{message}")]
    Conflict {
        message: Said,
        field: Option<&'static str>,
    },
    /// A well-formed request the server declines (too large an answer, say), with
    /// what would work instead.
    #[error("{message}")]
    Refused {
        status: StatusCode,
        message: Said,
        field: &'static str,
        extra: Box<serde_json::Value>,
    },
    #[error(transparent)]
    Store(StoreError),
    /// A failure of ours outside the store (writing a file format, say), with its causes:
    /// the log shows the whole chain, the caller none of it.
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl AppError {
    /// A failure of ours, keeping its cause chain for the log.
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }

    /// The refusal of a malformed value as a 400, with the same body: OGC API - Features
    /// answers a bad query parameter so (Part 1, 7.6), where the rest of the API says 422
    /// for a value that breaks a rule.
    pub fn as_bad_request(self) -> Self {
        match self {
            AppError::Validation(errors) => {
                let first = errors.first();
                let all: Vec<_> = errors
                    .0
                    .iter()
                    .map(|e| json!({ "field": e.field, "error": e.message() }))
                    .collect();
                AppError::Refused {
                    status: StatusCode::BAD_REQUEST,
                    message: Said::new(first.zh.clone(), first.en.clone()),
                    field: first.field,
                    extra: Box::new(json!({ "errors": all })),
                }
            }
            other => other,
        }
    }

    /// A malformed request, said in both languages.
    pub fn bad_request(zh: impl Into<String>, en: impl Into<String>) -> Self {
        AppError::BadRequest(Said::new(zh, en))
    }

    /// What a caller may be told of this error, in both languages.
    fn said(&self) -> Option<Said> {
        match self {
            AppError::BadRequest(m) => Some(m.clone()),
            AppError::Validation(errors) => {
                let first = errors.first();
                Some(Said::new(first.zh.clone(), first.en.clone()))
            }
            AppError::Conflict { message, .. } | AppError::Refused { message, .. } => {
                Some(message.clone())
            }
            AppError::NotFound | AppError::Store(_) | AppError::Internal(_) => None,
        }
    }
}

/// An answer of `status` with a message, as JSON for programs and with its note for pages.
pub fn refusal(status: StatusCode, message: Said) -> Response {
    let mut response = (status, Json(json!({ "error": message.to_string() }))).into_response();
    response.extensions_mut().insert(ErrorNote(Some(message)));
    response
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Validation(ValidationErrors(vec![e]))
    }
}

impl From<ValidationErrors> for AppError {
    fn from(e: ValidationErrors) -> Self {
        AppError::Validation(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::StaleVersion { expected, current } => AppError::Conflict {
                message: Said::new(
                    format!(
                        "此记录已被他人修改（您读取的是第{expected}版，当前为第{current}版），请重新读取后再修改"
                    ),
                    format!(
                        "someone changed this meanwhile: you read version {expected}, it is now at \
                         version {current}; read it again and redo your change"
                    ),
                ),
                field: Some("version"),
            },
            StoreError::Duplicate(key) => AppError::Conflict {
                message: Said::new(
                    format!("“{key}”已登记，请修改已有记录"),
                    format!("{key} is already registered: change that record instead"),
                ),
                field: Some("credit_code"),
            },
            other => AppError::Store(other),
        }
    }
}

impl From<RegistryError> for AppError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::Invalid(errors) => AppError::Validation(errors),
            RegistryError::NotFound => AppError::NotFound,
            RegistryError::RoleRefused => AppError::Refused {
                status: StatusCode::FORBIDDEN,
                message: role_refused(),
                field: "role",
                extra: Box::new(json!({})),
            },
            RegistryError::FieldsRefused(fields) => AppError::Refused {
                status: StatusCode::FORBIDDEN,
                message: Said::new(
                    format!(
                        "您的角色不能修改 {}：党组织、换届、述职和指导员由组织部门记录，登记信息由民政部门修改",
                        fields.join(", ")
                    ),
                    format!(
                        "your role may not change {}: party work is recorded by organization departments, \
                         registration by civil affairs",
                        fields.join(", ")
                    ),
                ),
                field: fields.first().copied().unwrap_or("role"),
                extra: Box::new(json!({ "fields": fields })),
            },
            RegistryError::AlreadyDeregistered => AppError::Conflict {
                message: Said::new("该组织已注销", "this organization is already deregistered"),
                field: Some("status"),
            },
            RegistryError::Stale { read, current } => StoreError::StaleVersion {
                expected: read,
                current,
            }
            .into(),
            RegistryError::Duplicate(key) => StoreError::Duplicate(key).into(),
            RegistryError::Store(e) => AppError::Store(e),
        }
    }
}

/// What a role that may not do something is told.
pub fn role_refused() -> Said {
    Said::new("您的角色不能进行此操作", "your role may not do this")
}

/// A request body over the limit.
pub fn too_large() -> AppError {
    AppError::Refused {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: Said::new("请求内容过大", "the request body is too large"),
        field: "body",
        extra: Box::new(json!({})),
    }
}

impl From<JsonRejection> for AppError {
    fn from(e: JsonRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return too_large();
        }
        match e {
            // serde's message names the unknown or mistyped field; it is safe to show.
            JsonRejection::JsonDataError(e) => AppError::bad_request(
                format!("请求内容有误：{}", e.body_text()),
                format!("the request body does not fit: {}", e.body_text()),
            ),
            other => AppError::bad_request(
                format!("请求内容不是有效的 JSON：{}", other.body_text()),
                format!("the request body is not valid JSON: {}", other.body_text()),
            ),
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(e: QueryRejection) -> Self {
        AppError::bad_request(
            format!("查询参数有误：{}", e.body_text()),
            format!("bad query parameters: {}", e.body_text()),
        )
    }
}

impl From<PathRejection> for AppError {
    fn from(_: PathRejection) -> Self {
        // An id that is not a number names no organization.
        AppError::NotFound
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let note = ErrorNote(self.said());
        let (status, body) = match &self {
            AppError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                json!({ "error": message.to_string() }),
            ),
            AppError::Validation(errors) => {
                let first = errors.first();
                let all: Vec<_> = errors
                    .0
                    .iter()
                    .map(|e| json!({ "field": e.field, "error": e.message() }))
                    .collect();
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({ "error": first.message(), "field": first.field, "errors": all }),
                )
            }
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                json!({ "error": "未找到 (not found)" }),
            ),
            AppError::Conflict { message, field } => (
                StatusCode::CONFLICT,
                json!({ "error": message.to_string(), "field": field }),
            ),
            AppError::Refused {
                status,
                message,
                field,
                extra,
            } => {
                let mut body = json!({ "error": message.to_string(), "field": field });
                if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
                    body.extend(extra.clone());
                }
                (*status, body)
            }
            AppError::Internal(e) => {
                // `{:#}` writes the whole cause chain on one line.
                tracing::error!(error = format!("{e:#}"), "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, internal_body())
            }
            AppError::Store(e) => {
                tracing::error!(error = %e, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, internal_body())
            }
        };
        let mut response = (status, Json(body)).into_response();
        response.extensions_mut().insert(note);
        response
    }
}

fn internal_body() -> serde_json::Value {
    json!({ "error": "服务器内部错误，已记录 (internal error; it has been logged)" })
}
