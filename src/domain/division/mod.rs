//! Administrative division codes (行政区划代码): 6, 9 or 12 digits, kept as 12.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::FieldError;

mod derive;
mod register;
pub use derive::{Derived, DivisionSource, derive};
pub use register::{
    Division, REGISTER_YEAR, children, counties_with_centroids, county_centroid, division_name,
    is_county_level_city, is_registered, name_chain, preload_villages, push_name_chain,
    search_names, townships_under,
};

/// The two-digit province codes of GB/T 2260 (mainland, Taiwan, Hong Kong, Macao).
pub const PROVINCES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

const FIELD: &str = "division_code";

/// The level of a division, by how many leading digits identify it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DivisionLevel {
    Province,
    City,
    County,
    Township,
    Village,
}

impl DivisionLevel {
    /// The level's name as the API, the command line and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::City => "city",
            Self::County => "county",
            Self::Township => "township",
            Self::Village => "village",
        }
    }

    /// The level as Chinese tables name it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Province => "省级",
            Self::City => "市级",
            Self::County => "县级",
            Self::Township => "乡级",
            Self::Village => "村级",
        }
    }

    /// How many leading digits of the 12-digit code identify a division of this level.
    pub fn prefix_len(self) -> usize {
        match self {
            Self::Province => 2,
            Self::City => 4,
            Self::County => 6,
            Self::Township => 9,
            Self::Village => 12,
        }
    }
}

/// A 12-digit statistical division code; shorter input is right-padded with zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode([u8; 12]);

impl DivisionCode {
    pub fn parse(input: &str) -> Result<Self, DivisionCodeError> {
        let code = input.trim();
        if !code.bytes().all(|b| b.is_ascii_digit()) || ![6, 9, 12].contains(&code.len()) {
            return Err(DivisionCodeError::Format {
                code: code.to_owned(),
            });
        }
        if !PROVINCES.contains(&&code[..2]) {
            return Err(DivisionCodeError::Province {
                province: code[..2].to_owned(),
            });
        }
        let mut digits = [b'0'; 12];
        digits[..code.len()].copy_from_slice(code.as_bytes());
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }

    /// The leading digits that identify the division of `level` containing this one.
    pub fn prefix(&self, level: DivisionLevel) -> &str {
        &self.as_str()[..level.prefix_len()]
    }

    pub fn province(&self) -> &str {
        self.prefix(DivisionLevel::Province)
    }

    pub fn city(&self) -> &str {
        self.prefix(DivisionLevel::City)
    }

    pub fn county(&self) -> &str {
        self.prefix(DivisionLevel::County)
    }

    pub fn township(&self) -> &str {
        self.prefix(DivisionLevel::Township)
    }

    /// The most precise level this code names (trailing zero groups are "not given").
    pub fn level(&self) -> DivisionLevel {
        let s = self.as_str();
        if &s[9..] != "000" {
            DivisionLevel::Village
        } else if &s[6..9] != "000" {
            DivisionLevel::Township
        } else if &s[4..6] != "00" {
            DivisionLevel::County
        } else if &s[2..4] != "00" {
            DivisionLevel::City
        } else {
            DivisionLevel::Province
        }
    }
}

/// A filter prefix of a division code (1 to 12 digits), as users type it in a filter.
pub fn parse_prefix(input: &str) -> Result<String, DivisionCodeError> {
    let p = input.trim();
    if p.is_empty() || p.len() > 12 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DivisionCodeError::Prefix { text: p.to_owned() });
    }
    Ok(p.to_owned())
}

/// Why a division code or prefix cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionCodeError {
    #[error("a division code has 6, 9 or 12 digits, not '{code}'")]
    Format { code: String },
    #[error("'{province}' is not a province code (the first two digits)")]
    Province { province: String },
    #[error("a division prefix has 1 to 12 digits, not '{text}'")]
    Prefix { text: String },
}

impl DivisionCodeError {
    /// The error shown beside `field` (a filter's name: `division`, `parent`).
    pub fn at(self, field: &'static str) -> FieldError {
        let (zh, en) = match &self {
            Self::Format { code } => (
                format!("行政区划代码应为6、9或12位数字，现为“{code}”"),
                format!("a division code has 6, 9 or 12 digits, not '{code}'"),
            ),
            Self::Province { province } => (
                format!("“{province}”不是有效的省级代码（前两位）"),
                format!("'{province}' is not a province code (the first two digits)"),
            ),
            Self::Prefix { text } => (
                format!("区划代码前缀应为1至12位数字，现为“{text}”"),
                format!("a division prefix has 1 to 12 digits, not '{text}'"),
            ),
        };
        FieldError::new(field, zh, en)
    }
}

impl From<DivisionCodeError> for FieldError {
    fn from(e: DivisionCodeError) -> Self {
        e.at(FIELD)
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = DivisionCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

/// A division code travels as its 12 digits.
impl utoipa::PartialSchema for DivisionCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("statistical division code (行政区划代码), 12 digits"))
            .pattern(Some("^[0-9]{12}$"))
            .examples([serde_json::json!("150102000000")])
            .into()
    }
}

impl utoipa::ToSchema for DivisionCode {}

impl From<DivisionCode> for String {
    fn from(code: DivisionCode) -> Self {
        code.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_and_nine_digit_codes_are_stored_as_twelve() {
        assert_eq!(
            DivisionCode::parse("150102").unwrap().as_str(),
            "150102000000"
        );
        assert_eq!(
            DivisionCode::parse("150102003").unwrap().as_str(),
            "150102003000"
        );
        assert_eq!(
            DivisionCode::parse("150102003004").unwrap().as_str(),
            "150102003004"
        );
    }

    #[test]
    fn prefixes_give_the_hierarchy() {
        let code = DivisionCode::parse("150102003004").unwrap();
        assert_eq!(code.province(), "15");
        assert_eq!(code.city(), "1501");
        assert_eq!(code.county(), "150102");
        assert_eq!(code.township(), "150102003");
        assert_eq!(code.level(), DivisionLevel::Village);
        assert_eq!(
            DivisionCode::parse("150102").unwrap().level(),
            DivisionLevel::County
        );
        assert_eq!(
            DivisionCode::parse("150100").unwrap().level(),
            DivisionLevel::City
        );
    }

    #[test]
    fn a_code_of_another_length_or_with_letters_is_rejected() {
        for bad in [
            "15010",
            "1501020",
            "15010200300",
            "1501020030045",
            "15010A",
            "",
        ] {
            assert_eq!(
                DivisionCode::parse(bad),
                Err(DivisionCodeError::Format { code: bad.into() })
            );
        }
        let shown = FieldError::from(DivisionCode::parse("15010").unwrap_err());
        assert_eq!(shown.field, "division_code");
    }

    #[test]
    fn an_unknown_province_is_rejected() {
        assert_eq!(
            DivisionCode::parse("990102"),
            Err(DivisionCodeError::Province {
                province: "99".into()
            })
        );
    }

    #[test]
    fn a_filter_prefix_must_be_digits() {
        assert_eq!(parse_prefix("1501").unwrap(), "1501");
        let err = parse_prefix("15x").unwrap_err();
        assert_eq!(err, DivisionCodeError::Prefix { text: "15x".into() });
        assert_eq!(err.at("division").field, "division");
    }
}
