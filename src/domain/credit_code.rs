//! Unified social credit codes (统一社会信用代码, GB 32100-2015) with their two check characters.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::FieldError;
use super::organization::Kind;

/// The 31 symbols of GB 32100 in value order (no I, O, S, V, Z).
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// GB 11714 weights of the eight body characters of the organization code.
const ORG_CODE_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
/// Registering authority `5`: civil affairs (民政).
pub const CIVIL_AFFAIRS: u8 = b'5';

/// A unified social credit code whose structure and both check characters are valid.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

const FIELD: &str = "credit_code";

/// Symbol values by ASCII byte (`u8::MAX` for a byte outside the alphabet).
const VALUES: [u8; 128] = {
    let mut table = [u8::MAX; 128];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

fn symbol_value(c: u8) -> Option<u32> {
    VALUES
        .get(usize::from(c))
        .filter(|&&v| v != u8::MAX)
        .map(|&v| u32::from(v))
}

/// GB 32100 check character for the first 17 symbols (which must be valid symbols).
pub fn gb32100_check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| w * symbol_value(c).expect("valid symbol"))
        .sum();
    let check = (31 - sum % 31) % 31;
    ALPHABET[check as usize]
}

/// GB 11714 check character of an 8-character organization-code body (digits and capitals).
pub fn gb11714_check_char(body: &[u8]) -> u8 {
    let value = |c: u8| match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        _ => unreachable!("body symbols were checked"),
    };
    let sum: u32 = body
        .iter()
        .zip(ORG_CODE_WEIGHTS)
        .map(|(&c, w)| w * value(c))
        .sum();
    match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        d => b'0' + d as u8,
    }
}

/// What is wrong with a credit code, with the position and characters involved; shown to
/// users through [`FieldError`] in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// Not 18 characters.
    #[error("a unified social credit code has 18 characters, this one has {found}")]
    Length { found: usize },
    /// A character outside GB 32100's 31 symbols, at `position` (1-based).
    #[error("character {position} '{character}' is not allowed")]
    Character { position: usize, character: char },
    /// Character 17, the organization code's own check (GB 11714), is wrong.
    #[error("character 17 should be '{expected}', not '{found}'")]
    OrganizationCheck { expected: char, found: char },
    /// Character 18, the code's check character (GB 32100), is wrong.
    #[error("character 18 should be '{expected}', not '{found}'")]
    Check { expected: char, found: char },
    /// A civil-affairs code whose category (character 2) is not the declared kind's.
    #[error("character 2 '{category}' disagrees with the kind {}", kind.as_str())]
    KindMismatch { category: char, kind: Kind },
}

impl From<CreditCodeError> for FieldError {
    fn from(e: CreditCodeError) -> Self {
        use CreditCodeError as E;
        let (zh, en) = match e {
            E::Length { found } => (
                format!("统一社会信用代码应为18位，现为{found}位"),
                format!("a unified social credit code has 18 characters, this one has {found}"),
            ),
            E::Character {
                position,
                character,
            } => {
                let (hint_zh, hint_en) = if character.is_ascii_lowercase() {
                    ("，请使用大写字母", ", use capital letters")
                } else {
                    (
                        "（不使用 I、O、S、V、Z）",
                        " (I, O, S, V and Z are not used)",
                    )
                };
                (
                    format!("第{position}位字符“{character}”不允许{hint_zh}"),
                    format!("character {position} '{character}' is not allowed{hint_en}"),
                )
            }
            E::OrganizationCheck { expected, found } => (
                format!("第17位（组织机构代码校验码）应为“{expected}”，现为“{found}”，请核对代码"),
                format!(
                    "character 17 (organization-code check, GB 11714) should be '{expected}', not '{found}': check the code"
                ),
            ),
            E::Check { expected, found } => (
                format!("第18位校验码应为“{expected}”，现为“{found}”，请核对代码"),
                format!(
                    "character 18 (check character, GB 32100) should be '{expected}', not '{found}': check the code"
                ),
            ),
            E::KindMismatch { category, kind } => {
                let expected = kind.civil_affairs_category() as char;
                let (declared_zh, declared_en) = match category {
                    '1' => ("社会团体", "social group"),
                    '2' => ("民办非企业单位", "private non-enterprise unit"),
                    '3' => ("基金会", "foundation"),
                    '9' => ("其他", "other"),
                    _ => ("未知", "unknown"),
                };
                (
                    format!(
                        "代码第2位“{category}”表示{declared_zh}，与类型“{}”不符（应为“{expected}”）",
                        kind.label_zh()
                    ),
                    format!(
                        "character 2 '{category}' means {declared_en}, which disagrees with the kind {} (expected '{expected}')",
                        kind.as_str()
                    ),
                )
            }
        };
        FieldError::new(FIELD, zh, en)
    }
}

impl CreditCode {
    /// Parses an 18-character code as typed (surrounding spaces are ignored, case is not).
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code = input.trim();
        let bytes = code.as_bytes();
        let found = code.chars().count();
        if found != 18 {
            return Err(CreditCodeError::Length { found });
        }
        if let Some((pos, character)) = code
            .char_indices()
            .find(|&(_, c)| !c.is_ascii() || symbol_value(c as u8).is_none())
        {
            return Err(CreditCodeError::Character {
                position: code[..pos].chars().count() + 1,
                character,
            });
        }
        let org_check = gb11714_check_char(&bytes[8..16]);
        if bytes[16] != org_check {
            return Err(CreditCodeError::OrganizationCheck {
                expected: org_check as char,
                found: bytes[16] as char,
            });
        }
        let check = gb32100_check_char(&bytes[..17]);
        if bytes[17] != check {
            return Err(CreditCodeError::Check {
                expected: check as char,
                found: bytes[17] as char,
            });
        }
        Ok(Self(code.to_owned()))
    }

    /// Builds a valid code from its parts, computing both check characters.
    /// `division` is the 6-digit code of the registering authority, `body` the 8 body
    /// characters of the organization code; all must be GB 32100 symbols.
    pub fn compose(authority: u8, category: u8, division: &str, body: &str) -> Self {
        let mut code = Vec::with_capacity(18);
        code.push(authority);
        code.push(category);
        code.extend_from_slice(&division.as_bytes()[..6]);
        code.extend_from_slice(&body.as_bytes()[..8]);
        code.push(gb11714_check_char(&code[8..16]));
        code.push(gb32100_check_char(&code));
        let code = String::from_utf8(code).expect("ASCII symbols");
        debug_assert!(Self::parse(&code).is_ok(), "{code}");
        Self(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Character 1: the registering authority (`5` = civil affairs).
    pub fn authority(&self) -> u8 {
        self.0.as_bytes()[0]
    }

    /// Character 2: the category within the registering authority.
    pub fn category(&self) -> u8 {
        self.0.as_bytes()[1]
    }

    /// The registering authority's division (characters 3-8) of a civil-affairs code, when
    /// it is a province's division (not 民政部's 100000, national organizations).
    pub fn registering_division(&self) -> Option<&str> {
        let division = &self.0[2..8];
        (self.authority() == CIVIL_AFFAIRS
            && crate::domain::division::PROVINCES.contains(&&division[..2]))
        .then_some(division)
    }

    /// A civil-affairs code's category must agree with the declared kind (docs/rules.md).
    /// Codes of other authorities (an intermediary registered elsewhere) are not checked.
    pub fn check_kind(&self, kind: Kind) -> Result<(), CreditCodeError> {
        if self.authority() != CIVIL_AFFAIRS || self.category() == kind.civil_affairs_category() {
            return Ok(());
        }
        Err(CreditCodeError::KindMismatch {
            category: self.category() as char,
            kind,
        })
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

/// A credit code travels as its 18 characters.
impl utoipa::PartialSchema for CreditCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "unified social credit code (统一社会信用代码), GB 32100 check characters",
            ))
            .pattern(Some("^[0-9A-HJ-NPQRTUWXY]{18}$"))
            .examples([serde_json::json!("51150102AN0000015L")])
            .into()
    }
}

impl utoipa::ToSchema for CreditCode {}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> Self {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: [&str; 2] = ["91350200776049653A", "9135021359498494XQ"];

    #[test]
    fn the_reference_codes_are_valid() {
        for code in VALID {
            assert_eq!(CreditCode::parse(code).unwrap().as_str(), code);
        }
    }

    #[test]
    fn every_one_character_change_of_a_valid_code_is_rejected() {
        let mut candidates: Vec<char> = ALPHABET.iter().map(|&c| c as char).collect();
        candidates.extend(['I', 'O', 'S', 'V', 'Z', 'a', 'x', '-', ' ', '中']);
        for code in VALID {
            for pos in 0..18 {
                for &c in &candidates {
                    let mut chars: Vec<char> = code.chars().collect();
                    if chars[pos] == c {
                        continue;
                    }
                    chars[pos] = c;
                    let changed: String = chars.into_iter().collect();
                    assert!(
                        CreditCode::parse(&changed).is_err(),
                        "{changed} (from {code}) should be rejected"
                    );
                }
            }
        }
    }

    #[test]
    fn a_credit_code_with_a_wrong_check_char_is_rejected_with_the_expected_char() {
        let err = CreditCode::parse("91350200776049653B").unwrap_err();
        assert_eq!(
            err,
            CreditCodeError::Check {
                expected: 'A',
                found: 'B'
            }
        );
        let shown = FieldError::from(err);
        assert_eq!(shown.field, "credit_code");
        assert!(shown.zh.contains("第18位校验码应为“A”"), "{}", shown.zh);
    }

    #[test]
    fn a_wrong_organization_code_check_char_is_named() {
        assert_eq!(
            CreditCode::parse("91350200776049654A").unwrap_err(),
            CreditCodeError::OrganizationCheck {
                expected: '3',
                found: '4'
            }
        );
    }

    #[test]
    fn a_code_of_the_wrong_length_says_how_long_it_is() {
        assert_eq!(
            CreditCode::parse("9135020077604965").unwrap_err(),
            CreditCodeError::Length { found: 16 }
        );
    }

    #[test]
    fn letters_outside_the_alphabet_and_lower_case_are_named_with_their_position() {
        assert_eq!(
            CreditCode::parse("91350200776049653O").unwrap_err(),
            CreditCodeError::Character {
                position: 18,
                character: 'O'
            }
        );
        assert_eq!(
            CreditCode::parse("9135中200776049653A").unwrap_err(),
            CreditCodeError::Character {
                position: 5,
                character: '中'
            }
        );
        let lower = FieldError::from(CreditCode::parse("91350200776049653a").unwrap_err());
        assert!(lower.zh.contains("大写"), "{}", lower.zh);
    }

    #[test]
    fn surrounding_spaces_are_ignored() {
        assert!(CreditCode::parse(" 91350200776049653A ").is_ok());
    }

    fn civil_affairs_code(category: u8) -> CreditCode {
        let code = CreditCode::compose(CIVIL_AFFAIRS, category, "150102", "MJ000123");
        CreditCode::parse(code.as_str()).unwrap()
    }

    #[test]
    fn a_civil_affairs_category_must_agree_with_the_kind() {
        assert!(
            civil_affairs_code(b'1')
                .check_kind(Kind::SocialGroup)
                .is_ok()
        );
        assert!(
            civil_affairs_code(b'2')
                .check_kind(Kind::PrivateNonEnterprise)
                .is_ok()
        );
        assert!(
            civil_affairs_code(b'3')
                .check_kind(Kind::Foundation)
                .is_ok()
        );
        let err = civil_affairs_code(b'3')
            .check_kind(Kind::SocialGroup)
            .unwrap_err();
        assert_eq!(
            err,
            CreditCodeError::KindMismatch {
                category: '3',
                kind: Kind::SocialGroup
            }
        );
        let shown = FieldError::from(err);
        assert!(
            shown.zh.contains("基金会") && shown.zh.contains("社会团体"),
            "{}",
            shown.zh
        );
        assert!(shown.en.contains("expected '1'"), "{}", shown.en);
    }

    #[test]
    fn codes_of_other_authorities_are_not_checked_against_the_kind() {
        let code = CreditCode::parse("91350200776049653A").unwrap();
        assert!(code.check_kind(Kind::Intermediary).is_ok());
    }
}
