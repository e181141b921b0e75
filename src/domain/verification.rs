//! What a clerk should verify about a record that was accepted: facts the rules cannot
//! refuse (a ledger may be right where the register is behind) but must not pass silently.
//! Like the task lists, nothing here is stored: a doubt lasts while its cause does.

use serde::Serialize;

use super::boundary::{self, Boundaries, LocationCheck};
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
    /// The point lies outside the loaded boundary of the declared division: in
    /// `found_code` (`found_name`), or in no loaded boundary when those are null. Ledgers'
    /// points are often wrong (a geocoder's guess, swapped digits), and so are codes.
    OutsideDivision {
        division_code: String,
        found_code: Option<String>,
        found_name: Option<String>,
    },
}

impl Doubt {
    /// The key of the check, as in the JSON and the task list's URL.
    pub fn key(&self) -> &'static str {
        match self {
            Doubt::DivisionNotInRegister { .. } => "division_not_in_register",
            Doubt::ProvinceDisagrees { .. } => "province_disagrees",
            Doubt::DivisionDerived { .. } => "division_derived",
            Doubt::OutsideDivision { .. } => "outside_division",
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
            (
                Doubt::OutsideDivision {
                    division_code,
                    found_code,
                    found_name,
                },
                lang,
            ) => {
                let declared = division::name_chain(division_code);
                match (found_code, found_name, lang) {
                    (Some(code), Some(name), Lang::Zh) => format!(
                        "坐标位于{name}（{code}），不在登记的行政区划 {division_code}（{declared}）界线内，请核实坐标或区划代码"
                    ),
                    (Some(code), Some(name), _) => format!(
                        "the point lies in {name} ({code}), outside the boundary of its division {division_code} ({declared}): verify the point or the code"
                    ),
                    (_, _, Lang::Zh) => format!(
                        "坐标不在登记的行政区划 {division_code}（{declared}）界线内，也不在已导入的任何区划界线内，请核实坐标"
                    ),
                    _ => format!(
                        "the point lies outside the boundary of its division {division_code} ({declared}) and of every loaded division: verify it"
                    ),
                }
            }
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

/// Everything to verify about an organization, in a fixed order, against the boundaries
/// the registry installed.
pub fn doubts(org: &Organization) -> Vec<Doubt> {
    doubts_within(org, &boundary::installed())
}

/// Where an organization's point lies against its division's loaded boundary; None without
/// a point or a boundary (the organization's `location_check`).
pub fn location_check(org: &Organization, boundaries: &Boundaries) -> Option<LocationCheck> {
    boundaries.check(&org.division_code, org.location?)
}

/// [`doubts`] against the given boundaries.
pub fn doubts_within(org: &Organization, boundaries: &Boundaries) -> Vec<Doubt> {
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
    if let Some(check) = location_check(org, boundaries)
        && !check.inside
    {
        found.push(Doubt::OutsideDivision {
            division_code: org.division_code.to_string(),
            found_code: check.division_code,
            found_name: check.division_name,
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
    fn a_point_outside_its_countys_boundary_is_a_doubt_naming_the_county_it_is_in() {
        use crate::domain::boundary::Boundary;
        use crate::domain::coords::LonLat;
        use geo::polygon;
        let county = |code: &str, name: &str, x: f64| Boundary {
            code: DivisionCode::parse(code).unwrap(),
            level: crate::domain::division::DivisionLevel::County,
            name: name.into(),
            shape: geo::MultiPolygon::new(vec![polygon![
                (x: x, y: 40.0), (x: x + 0.5, y: 40.0), (x: x + 0.5, y: 41.0), (x: x, y: 41.0)
            ]]),
        };
        let outlines = Boundaries::new([
            county("150102", "新城区", 111.5),
            county("150103", "回民区", 111.0),
        ]);
        let mut o = org(3);
        assert_eq!(o.division_code.county(), "150102");
        o.location = Some(LonLat {
            lon: 111.7,
            lat: 40.8,
        });
        assert_eq!(doubts_within(&o, &outlines), []);
        assert!(location_check(&o, &outlines).unwrap().inside);
        o.location = Some(LonLat {
            lon: 111.2,
            lat: 40.8,
        });
        let found = doubts_within(&o, &outlines);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].key(), "outside_division");
        assert!(
            found[0]
                .message(Lang::Zh)
                .contains("坐标位于回民区（150103）")
        );
        // Hulunbuir, 1,000 km away: in no loaded county.
        o.location = Some(LonLat {
            lon: 121.0,
            lat: 49.0,
        });
        assert!(
            doubts_within(&o, &outlines)[0]
                .message(Lang::En)
                .contains("of every loaded division")
        );
        // No point, or no outline: nothing to say.
        o.location = None;
        assert_eq!(location_check(&o, &outlines), None);
        assert_eq!(doubts_within(&o, &Boundaries::default()), []);
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
