//! The request side of the OpenAPI document stated as the server reads it. Each input the
//! server parses with a closed vocabulary or a shape (kinds, levels, statuses, coverage,
//! division codes and prefixes, coordinate systems, dates, boxes) gets a pattern built from
//! that very parser's spellings: trimmed as the parser trims (Rust's whitespace, not the
//! regex `\s`), English names in any case, the Chinese words, and blank where blank means
//! "not given". A client or a fuzzer then finds no value the document allows that the
//! server refuses for its spelling, nor one it forbids that the server takes. What a JSON
//! schema cannot state (check characters, dates against today, a box's west below its
//! east) stays a 422 naming the field.

use utoipa::Modify;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, path::Operation};

use crate::domain::coords::{CHINA_LAT, CHINA_LON};
use crate::domain::division::{DivisionSource, PROVINCES};
use crate::domain::organization::{
    Kind, Level, MOST_PLAUSIBLE_COUNT, PartyOrg, REQUIRED_FIELDS, Status, TEXT_FIELDS, is_hidden,
};

/// `char::is_whitespace`, which `str::trim` strips, as a regex class: ECMA's and Python's
/// `\s` differ from it (U+FEFF, U+0085, U+180E).
const SPACE: &str =
    r"[\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*";

/// How blank is read: a query parameter or optional field left blank is not given; a
/// required body field must have a value.
#[derive(Clone, Copy, PartialEq)]
enum Blank {
    Absent,
    Refused,
}

/// `core` as the parser takes it after trimming.
fn trimmed(core: &str, blank: Blank) -> String {
    let optional = if blank == Blank::Absent { "?" } else { "" };
    format!("^{SPACE}(?:{core}){optional}{SPACE}$")
}

/// An ASCII word in any case, a character class per letter (JSON Schema regexes have no
/// case-insensitive flag). The vocabularies hold letters, digits, `_` and Chinese words,
/// none of them special in a regex.
fn any_case(word: &str, between: &str) -> String {
    word.chars()
        .map(|c| {
            let class = if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
            } else {
                c.to_string()
            };
            format!("{class}{between}")
        })
        .collect()
}

fn vocabulary(english: &[&str], chinese: &[&str]) -> String {
    english
        .iter()
        .map(|w| any_case(w, ""))
        .chain(chinese.iter().map(|w| (*w).to_owned()))
        .collect::<Vec<_>>()
        .join("|")
}

fn exact(words: &[&str]) -> String {
    words.join("|")
}

/// `Crs::parse`: the name in any case with `-` and `_` anywhere; blank is WGS84.
fn crs() -> String {
    ["wgs84", "gcj02", "bd09"]
        .iter()
        .map(|n| format!("[-_]*{}", any_case(n, "[-_]*")))
        .collect::<Vec<_>>()
        .join("|")
}

/// `DivisionCode::parse`: 6, 9 or 12 digits starting with a province code.
fn division_code() -> String {
    format!("(?:{})[0-9]{{4}}(?:[0-9]{{3}}){{0,2}}", PROVINCES.join("|"))
}

/// `date_of`'s shape (its calendar and range checks answer 422).
const DATE: &str = r"[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}";

/// `Bbox::parse`'s shape: four decimal numbers as Rust's `f64` parser reads them, each
/// trimmed (that west < east and south < north answers 422).
fn bbox() -> String {
    let number = format!(r"{SPACE}[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?{SPACE}");
    format!("{number},{number},{number},{number}")
}

/// A character class of the characters `keep` refuses in the Basic Multilingual Plane
/// (where every control, hidden and whitespace character lies), as `[^...]`.
fn all_but(refused: impl Fn(char) -> bool) -> String {
    let mut class = String::from("[^");
    let mut run: Option<(u32, u32)> = None;
    let close = |run: (u32, u32), class: &mut String| {
        if run.0 == run.1 {
            class.push_str(&format!("\\u{:04X}", run.0));
        } else {
            class.push_str(&format!("\\u{:04X}-\\u{:04X}", run.0, run.1));
        }
    };
    for c in (0..=0xFFFF).filter_map(char::from_u32) {
        let code = u32::from(c);
        if refused(c) {
            run = match run {
                Some((start, end)) if end + 1 == code => Some((start, code)),
                Some(done) => {
                    close(done, &mut class);
                    Some((code, code))
                }
                None => Some((code, code)),
            };
        }
    }
    if let Some(done) = run {
        close(done, &mut class);
    }
    class.push(']');
    class
}

/// A text field as `text()` in validation reads it: trimmed, at most `max` characters,
/// none of them a control or hidden character.
fn plain_text(max: usize) -> String {
    let printable = all_but(|c| c.is_control() || is_hidden(c));
    let visible = all_but(|c| c.is_control() || is_hidden(c) || c.is_whitespace());
    format!(
        "{visible}(?:{printable}{{0,{}}}{visible})?",
        max.saturating_sub(2)
    )
}

/// The pattern of a query parameter, by name; None for free text and numbers.
fn pattern_of_parameter(name: &str) -> Option<String> {
    let core = match name {
        "kind" => vocabulary(Kind::ENGLISH, Kind::CHINESE),
        "status" => vocabulary(Status::ENGLISH, Status::CHINESE),
        "registration_level" => vocabulary(Level::ENGLISH, Level::CHINESE),
        "coverage" => exact(&["own", "joint", "instructor", "uncovered"]),
        "level" => exact(&["province", "city", "county", "township"]),
        "division" | "parent" => "[0-9]{1,12}".into(),
        "format" => exact(&["csv", "json"]),
        "bbox" => bbox(),
        // `name_search`: any text without a control character.
        "q" => format!("{}*", all_but(char::is_control)),
        _ => return None,
    };
    Some(trimmed(&core, Blank::Absent))
}

/// The pattern of a registration field, by name.
fn property(name: &str, required: bool) -> Option<String> {
    let blank = if required {
        Blank::Refused
    } else {
        Blank::Absent
    };
    let core = match name {
        "kind" => vocabulary(Kind::ENGLISH, Kind::CHINESE),
        "level" => vocabulary(Level::ENGLISH, Level::CHINESE),
        "status" => vocabulary(Status::ENGLISH, Status::CHINESE),
        "party_org" => vocabulary(PartyOrg::ENGLISH, PartyOrg::CHINESE),
        "division_source" => vocabulary(&DivisionSource::ENGLISH, &DivisionSource::CHINESE),
        "crs" => crs(),
        "division_code" => division_code(),
        "registered_on" | "party_org_established_on" | "last_election_on" | "last_report_on" => {
            DATE.into()
        }
        _ => match TEXT_FIELDS.iter().find(|(f, _)| *f == name) {
            Some((_, max)) => plain_text(*max),
            None => return None,
        },
    };
    Some(trimmed(&core, blank))
}

fn text(pattern: String, nullable: bool, description: Option<String>) -> RefOr<Schema> {
    let kind = if nullable {
        utoipa::openapi::schema::SchemaType::from_iter([Type::String, Type::Null])
    } else {
        utoipa::openapi::schema::SchemaType::new(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(kind)
        .pattern(Some(pattern))
        .description(description)
        .build()
        .into()
}

/// A description already given, kept; else the values in canonical form.
fn description_of(schema: &RefOr<Schema>) -> Option<String> {
    match schema {
        RefOr::T(Schema::Object(o)) => o.description.clone(),
        RefOr::T(Schema::OneOf(o)) => o.description.clone(),
        _ => None,
    }
}

/// Sets the patterns on the query parameters and the request bodies' fields.
pub struct ExactInputs;

/// A registration's required fields may be left out of a change, never emptied.
fn registration_refuses_blank(name: &str) -> bool {
    REQUIRED_FIELDS.contains(&name)
}

impl Modify for ExactInputs {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in [&mut item.get, &mut item.post, &mut item.patch]
                .into_iter()
                .flatten()
            {
                exact_parameters(operation);
                // The change of an organization, the one body written inline.
                if let Some(RefOr::T(body)) = operation.request_body.as_mut() {
                    for content in body.content.values_mut() {
                        let RefOr::T(content) = content else { continue };
                        if let Some(RefOr::T(Schema::Object(fields))) = content.schema.as_mut() {
                            exact_properties(fields, &registration_refuses_blank);
                        }
                    }
                }
            }
        }
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for (name, schema) in components.schemas.iter_mut() {
            let RefOr::T(Schema::Object(fields)) = schema else {
                continue;
            };
            if name == "NewOrganization" {
                exact_properties(fields, &registration_refuses_blank);
            } else if name.ends_with("Body") {
                let required = fields.required.clone();
                exact_properties(fields, &|f: &str| required.iter().any(|r| r == f));
                if name == "FoundingBody" {
                    founded_forms(fields);
                }
            }
        }
    }
}

/// Recording a party organization names one: any form but `none`.
fn founded_forms(fields: &mut utoipa::openapi::schema::Object) {
    let english: Vec<&str> = PartyOrg::ENGLISH
        .iter()
        .copied()
        .filter(|w| *w != PartyOrg::None.as_str())
        .collect();
    let chinese: Vec<&str> = PartyOrg::CHINESE
        .iter()
        .copied()
        .filter(|w| *w != PartyOrg::None.label_zh())
        .collect();
    if let Some(schema) = fields.properties.get_mut("party_org") {
        let description = description_of(schema);
        *schema = text(
            trimmed(&vocabulary(&english, &chinese), Blank::Refused),
            false,
            description,
        );
    }
}

fn exact_parameters(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(parameter) = parameter else {
            continue;
        };
        if parameter.parameter_in != utoipa::openapi::path::ParameterIn::Query {
            continue;
        }
        if let Some(pattern) = pattern_of_parameter(&parameter.name) {
            parameter.schema = Some(text(pattern, false, None));
        }
    }
}

/// A number field's bounds as validation holds them.
fn bounds(name: &str) -> Option<(f64, f64)> {
    match name {
        "lon" => Some(CHINA_LON),
        "lat" => Some(CHINA_LAT),
        "formal_members"
        | "probationary_members"
        | "members_elsewhere"
        | "staff"
        | "member_units" => Some((0.0, f64::from(MOST_PLAUSIBLE_COUNT))),
        _ => None,
    }
}

fn exact_properties(
    fields: &mut utoipa::openapi::schema::Object,
    refuses_blank: &dyn Fn(&str) -> bool,
) {
    for (name, schema) in fields.properties.iter_mut() {
        let refused = refuses_blank(name);
        if let Some(pattern) = property(name, refused) {
            let description = description_of(schema);
            *schema = text(pattern, !refused, description);
        } else if let (Some((low, high)), RefOr::T(Schema::Object(number))) =
            (bounds(name), &mut *schema)
        {
            number.minimum = Some(low.into());
            number.maximum = Some(high.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coords::Crs;
    use crate::domain::division::{DivisionCode, parse_prefix};
    use regex::Regex;

    fn matches(pattern: &str, s: &str) -> bool {
        Regex::new(pattern).unwrap().is_match(s)
    }

    /// Every spelling each parser takes matches its pattern, and what it refuses does
    /// not: the document is the parser.
    #[test]
    fn each_pattern_accepts_exactly_what_its_parser_takes() {
        let kind = pattern_of_parameter("kind").unwrap();
        for s in [
            "social_group",
            " Social_Group ",
            "社会团体",
            "社会服务机构",
            "",
            "\u{3000}",
            "FOUNDATION",
        ] {
            assert!(matches(&kind, s), "{s:?}");
            assert!(s.trim().is_empty() || Kind::parse(s).is_ok(), "{s:?}");
        }
        for s in ["social group", "社团", "\u{feff}foundation", "foundation2"] {
            assert!(!matches(&kind, s), "{s:?}");
            assert!(Kind::parse(s).is_err(), "{s:?}");
        }
        let crs = property("crs", false).unwrap();
        for s in ["", "wgs84", "WGS-84", "gcj_02", " bd-09 ", "-w-g-s-8-4-"] {
            assert!(matches(&crs, s), "{s:?}");
            assert!(Crs::parse(s).is_ok(), "{s:?}");
        }
        for s in ["wgs 84", "utm", "epsg:4326"] {
            assert!(!matches(&crs, s), "{s:?}");
            assert!(Crs::parse(s).is_err(), "{s:?}");
        }
        let code = property("division_code", true).unwrap();
        for s in ["150102", "150102001", " 150102001002 "] {
            assert!(matches(&code, s) && DivisionCode::parse(s).is_ok(), "{s:?}");
        }
        for s in ["", "990102", "1501020", "15010200100"] {
            assert!(
                !matches(&code, s) && DivisionCode::parse(s).is_err(),
                "{s:?}"
            );
        }
        let prefix = pattern_of_parameter("division").unwrap();
        for s in ["1", "15", "150102001002"] {
            assert!(matches(&prefix, s) && parse_prefix(s).is_ok(), "{s:?}");
        }
        for s in ["1501020010021", "15a"] {
            assert!(!matches(&prefix, s) && parse_prefix(s).is_err(), "{s:?}");
        }
        let bbox = pattern_of_parameter("bbox").unwrap();
        for s in ["111,40,112,41", " 111.5 , 40. ,112,.5e2", "-1e1,0,1,2"] {
            assert!(matches(&bbox, s), "{s:?}");
            assert!(
                s.split(',').all(|n| n.trim().parse::<f64>().is_ok()),
                "{s:?}"
            );
        }
        for s in ["111,40,112", "a,b,c,d", "1,2,3,4,5"] {
            assert!(!matches(&bbox, s), "{s:?}");
        }
    }
}
