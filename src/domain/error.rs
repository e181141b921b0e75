//! Validation errors that name the field and say, in Chinese and English, what is wrong.

use std::fmt;

/// One invalid field: which field (its formats.md name) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The English field name of formats.md (`credit_code`, `lon`, ...).
    pub field: &'static str,
    /// What is wrong and what is expected, in Simplified Chinese.
    pub zh: String,
    /// The same in English.
    pub en: String,
}

impl FieldError {
    pub fn new(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            field,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The bilingual text users see: Chinese first, English after.
    pub fn message(&self) -> String {
        format!("{} ({})", self.zh, self.en)
    }

    /// The text in the user's language, for pages that show one language.
    pub fn message_in(&self, lang: super::lang::Lang) -> String {
        lang.pick(&self.zh, &self.en).to_owned()
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message())
    }
}

impl std::error::Error for FieldError {}

/// All the invalid fields of one organization, in field order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn first(&self) -> &FieldError {
        &self.0[0]
    }

    pub fn field(&self, name: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == name)
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}
