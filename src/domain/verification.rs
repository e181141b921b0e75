//! What a clerk should verify about a record that was accepted: facts the rules cannot
//! refuse (a ledger may be right where the register is behind) but must not pass silently.
//! Like the task lists, nothing here is stored: a doubt lasts while its cause does.

use serde::Serialize;

use super::credit_code::CreditCode;
use super::division::{self, DivisionSource, REGISTER_YEAR};
use super::lang::Lang;
use super::organization::{Level, Organization};

/// One thing to verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Doubt {
    /// The division code is not in the division register of [`REGISTER_YEAR`] (a new
    /// division, or a typing error).
    DivisionNotInRegister { division_code: String },
    /// The credit code's registering authority (characters 3-8) is in another province
    /// than the division code: one of the two is wrong, or the organization moved.
    ProvinceDisagrees {
        credit_code_division: String,
        division_code: String,
    },
    /// The record had no division code: it was derived from the address or the credit
    /// code, and a person should confirm it.
    DivisionDerived {
        division_code: String,
        division_source: DivisionSource,
    },
}

impl Doubt {
    /// The key of the check, as in the JSON and the task list's URL.
    pub fn key(&self) -> &'static str {
        match self {
            Doubt::DivisionNotInRegister { .. } => "division_not_in_register",
            Doubt::ProvinceDisagrees { .. } => "province_disagrees",
            Doubt::DivisionDerived { .. } => "division_derived",
        }
    }

    /// What the clerk reads, in the user's language.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (
                Doubt::DivisionDerived {
                    division_code,
                    division_source,
                },
                Lang::Zh,
            ) => format!(
                "记录未填行政区划代码，{division_code}（{}）由{}得出，请核实",
                division::name_chain(division_code),
                match division_source {
                    DivisionSource::Address => "住所中的乡镇（街道）名称",
                    _ => "统一社会信用代码的登记管理机关区划",
                }
            ),
            (
                Doubt::DivisionDerived {
                    division_code,
                    division_source,
                },
                Lang::En,
            ) => format!(
                "the record had no division code: {division_code} ({}) was found from {}; verify it",
                division::name_chain(division_code),
                match division_source {
                    DivisionSource::Address => "the township the address names",
                    _ => "the credit code's registering division",
                }
            ),
            (Doubt::DivisionNotInRegister { division_code }, Lang::Zh) => format!(
                "行政区划代码 {division_code} 不在{REGISTER_YEAR}年统计用区划代码中，请核实"
            ),
            (Doubt::DivisionNotInRegister { division_code }, Lang::En) => format!(
                "division code {division_code} is not in the {REGISTER_YEAR} register: verify it"
            ),
            (
                Doubt::ProvinceDisagrees {
                    credit_code_division,
                    division_code,
                },
                Lang::Zh,
            ) => format!(
                "统一社会信用代码的登记管理机关区划 {credit_code_division}（{}）与行政区划代码 {division_code}（{}）不在同一省，请核实",
                province_name(credit_code_division),
                province_name(division_code)
            ),
            (
                Doubt::ProvinceDisagrees {
                    credit_code_division,
                    division_code,
                },
                Lang::En,
            ) => format!(
                "the credit code's registering division {credit_code_division} ({}) is in another province than division code {division_code} ({}): verify them",
                province_name(credit_code_division),
                province_name(division_code)
            ),
        }
    }
}

fn province_name(code: &str) -> &'static str {
    code.get(..2)
        .and_then(division::division_name)
        .unwrap_or("?")
}

/// Everything to verify about an organization, in a fixed order.
pub fn doubts(org: &Organization) -> Vec<Doubt> {
    let mut found = Vec::new();
    if org.division_source != DivisionSource::Given {
        found.push(Doubt::DivisionDerived {
            division_code: org.division_code.to_string(),
            division_source: org.division_source,
        });
    }
    if !division::is_registered(&org.division_code) {
        found.push(Doubt::DivisionNotInRegister {
            division_code: org.division_code.to_string(),
        });
    }
    if org.level != Level::National
        && let Some(registered) = org
            .credit_code
            .as_ref()
            .and_then(CreditCode::registering_division)
        && registered[..2] != *org.division_code.province()
    {
        found.push(Doubt::ProvinceDisagrees {
            credit_code_division: registered.to_owned(),
            division_code: org.division_code.to_string(),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::division::DivisionCode;
    use crate::domain::testing::org;

    #[test]
    fn a_registered_division_in_the_credit_codes_province_raises_no_doubt() {
        assert_eq!(doubts(&org(3)), []);
    }

    #[test]
    fn a_code_not_in_the_2023_register_is_a_doubt_never_silent() {
        let mut o = org(3);
        o.division_code = DivisionCode::parse("150102999000").unwrap();
        let found = doubts(&o);
        assert_eq!(
            found,
            [Doubt::DivisionNotInRegister {
                division_code: "150102999000".into()
            }]
        );
        assert!(
            found[0]
                .message(Lang::Zh)
                .contains("不在2023年统计用区划代码中")
        );
        assert!(
            found[0]
                .message(Lang::En)
                .contains("not in the 2023 register")
        );
    }

    #[test]
    fn a_credit_code_of_another_province_is_a_doubt() {
        let mut o = org(3);
        // A Hohhot credit code (150102) on an organization placed in Beijing.
        o.division_code = DivisionCode::parse("110101001001").unwrap();
        let found = doubts(&o);
        assert_eq!(
            found,
            [Doubt::ProvinceDisagrees {
                credit_code_division: "150102".into(),
                division_code: "110101001001".into()
            }]
        );
        assert!(found[0].message(Lang::Zh).contains("内蒙古自治区"));
        assert!(found[0].message(Lang::Zh).contains("北京市"));
        // National organizations carry 民政部's code and are registered anywhere.
        o.level = Level::National;
        assert_eq!(doubts(&o), []);
    }
}
