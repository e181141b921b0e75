//! Raw input to an organization: every field checked, every bad one named, cross-field rules
//! once both sides are valid.

use chrono::NaiveDate;

use super::fields::{FIELDS, OrgInput, field_label_zh};
use super::{Kind, Level, Organization, PartyOrg, Status};
use crate::domain::coords::{Crs, LonLat};
use crate::domain::credit_code::CreditCode;
use crate::domain::division::{DivisionCode, DivisionSource, derive};
use crate::domain::error::{FieldError, ValidationErrors};

/// Validation reads text only: a CSV row is checked on its borrowed cells (`OrgInput<&str>`),
/// a JSON body on its owned strings.
impl<S: AsRef<str>> OrgInput<S> {
    /// Validates every field; `default_crs` applies when the input names no system.
    /// Reports all bad fields, not just the first.
    pub fn validate(&self, default_crs: Crs) -> Result<Organization, ValidationErrors> {
        let mut errors = Vec::new();
        let mut check = |r: Result<(), FieldError>| {
            if let Err(e) = r {
                errors.push(e);
            }
        };
        let mut out = Partial::default();

        check(self.kind_field().map(|k| out.kind = k));
        check(
            optional(&self.credit_code)
                .map(|s| CreditCode::parse(s).map_err(FieldError::from))
                .transpose()
                .map(|c| out.credit_code = c),
        );
        check(
            text(&self.name, "name", max_chars("name"), true)
                .map(|n| out.name = n.unwrap_or_default()),
        );
        check(
            required(&self.level, "level")
                .and_then(Level::parse)
                .map(|l| out.level = Some(l)),
        );
        check(
            optional(&self.division_code)
                .map(DivisionCode::parse)
                .transpose()
                .map(|d| out.division_code = d)
                .map_err(FieldError::from),
        );
        check(
            optional(&self.division_source)
                .map(|s| {
                    DivisionSource::parse(s).ok_or_else(|| {
                        FieldError::new(
                            "division_source",
                            format!(
                                "区划来源应为{}之一，现为“{s}”",
                                DivisionSource::CHINESE.join("、")
                            ),
                            format!(
                                "division_source is one of {}, not '{s}'",
                                DivisionSource::ENGLISH.join(", ")
                            ),
                        )
                    })
                })
                .transpose()
                .map(|d| out.division_source = d.unwrap_or_default()),
        );
        check(text(&self.address, "address", max_chars("address"), false).map(|a| out.address = a));
        check(self.location(default_crs).map(|l| out.location = l));
        check(
            text(&self.industry, "industry", max_chars("industry"), false)
                .map(|v| out.industry = v),
        );
        check(
            text(
                &self.supervisor,
                "supervisor",
                max_chars("supervisor"),
                false,
            )
            .map(|v| out.supervisor = v),
        );
        check(
            optional(&self.is_industry_association)
                .map(|s| parse_bool(s, "is_industry_association"))
                .transpose()
                .map(|b| out.is_industry_association = b.unwrap_or(false)),
        );
        check(
            optional(&self.association)
                .map(|s| CreditCode::parse(s).map_err(|e| renamed(e.into(), "association")))
                .transpose()
                .map(|c| out.association = c),
        );
        check(count(&self.member_units, "member_units").map(|v| out.member_units = v));
        check(count(&self.staff, "staff").map(|v| out.staff = v));
        check(
            required(&self.formal_members, "formal_members")
                .and_then(|s| parse_count(s, "formal_members"))
                .map(|v| out.formal_members = v),
        );
        check(
            count(&self.probationary_members, "probationary_members")
                .map(|v| out.probationary_members = v.unwrap_or(0)),
        );
        check(
            count(&self.members_elsewhere, "members_elsewhere")
                .map(|v| out.members_elsewhere = v.unwrap_or(0)),
        );
        check(date(&self.registered_on, "registered_on").map(|d| out.registered_on = d));
        check(
            optional(&self.status)
                .map(Status::parse)
                .transpose()
                .map(|s| out.status = Some(s.unwrap_or(Status::Active))),
        );
        check(
            optional(&self.party_org)
                .map(PartyOrg::parse)
                .transpose()
                .map(|p| out.party_org = Some(p.unwrap_or(PartyOrg::None))),
        );
        check(
            date(&self.party_org_established_on, "party_org_established_on")
                .map(|d| out.party_org_established_on = d),
        );
        check(date(&self.last_election_on, "last_election_on").map(|d| out.last_election_on = d));
        check(date(&self.last_report_on, "last_report_on").map(|d| out.last_report_on = d));
        check(date(&self.deregistered_on, "deregistered_on").map(|d| out.deregistered_on = d));
        check(
            text(
                &self.instructor,
                "instructor",
                max_chars("instructor"),
                false,
            )
            .map(|v| out.instructor = v),
        );

        // Rules that relate fields, checked once both sides are valid.
        if let Some(kind) = out.kind {
            // A code that was given but is wrong has its own message; it is not missing.
            let code_given = optional(&self.credit_code).is_some();
            match &out.credit_code {
                Some(code) => check(code.check_kind(kind).map_err(FieldError::from)),
                None if kind != Kind::Community && !code_given => check(Err(FieldError::new(
                    "credit_code",
                    "缺少统一社会信用代码（仅城乡社区社会组织可以没有）",
                    "the unified social credit code is required (only community organizations may have none)",
                ))),
                None => {}
            }
            if out.is_industry_association && kind != Kind::SocialGroup {
                check(Err(FieldError::new(
                    "is_industry_association",
                    format!(
                        "行业协会商会属于社会团体，而此组织类型为“{}”",
                        kind.label_zh()
                    ),
                    format!(
                        "industry associations and chambers of commerce are social groups, this one is {}",
                        kind.as_str()
                    ),
                )));
            }
        }
        // No division code: the township the address names within the registering
        // division of the credit code (characters 3-8), or that division itself.
        if optional(&self.division_code).is_none() {
            let derived = out
                .credit_code
                .as_ref()
                .filter(|_| out.level != Some(Level::National))
                .and_then(CreditCode::registering_division)
                .and_then(|area| derive(out.address.as_deref(), area));
            match derived {
                Some(d) => {
                    out.division_code = Some(d.code);
                    out.division_source = d.source;
                }
                // A credit code given but wrong has its own message.
                None if optional(&self.credit_code).is_some() && out.credit_code.is_none() => {}
                None => check(Err(FieldError::new(
                    "division_code",
                    "缺少行政区划代码：没有民政部门登记的统一社会信用代码可据以推断（全国性社会组织和无代码的社区社会组织须填写）",
                    "the division code is missing, and there is no civil-affairs credit code to find it from (national organizations and community organizations without a code must give it)",
                ))),
            }
        }
        if let Some(on) = out.deregistered_on {
            if out.status.is_some_and(|s| s != Status::Deregistered) {
                check(Err(FieldError::new(
                    "deregistered_on",
                    format!("已填写注销日期 {on}，而状态不是“已注销”"),
                    format!("deregistered on {on}, but the status is not deregistered"),
                )));
            }
            if let Some(registered) = out.registered_on.filter(|r| *r > on) {
                check(Err(FieldError::new(
                    "deregistered_on",
                    format!("注销日期 {on} 早于成立登记日期 {registered}"),
                    format!("deregistered on {on}, before the registration on {registered}"),
                )));
            }
        }
        if let (Some(own), Some(assoc)) = (&out.credit_code, &out.association)
            && own == assoc
        {
            check(Err(FieldError::new(
                "association",
                "所属行业协会不能是本组织自身",
                "an organization cannot be a member unit of itself",
            )));
        }

        if !errors.is_empty() {
            // Field order of formats.md, so the first error is the leftmost column.
            errors.sort_by_key(|e| FIELDS.iter().position(|(f, _)| *f == e.field));
            return Err(ValidationErrors(errors));
        }
        Ok(Organization {
            credit_code: out.credit_code,
            name: out.name,
            kind: out.kind.expect("checked"),
            level: out.level.expect("checked"),
            division_code: out.division_code.expect("checked"),
            address: out.address,
            location: out.location,
            industry: out.industry,
            supervisor: out.supervisor,
            is_industry_association: out.is_industry_association,
            association: out.association,
            member_units: out.member_units,
            staff: out.staff,
            formal_members: out.formal_members,
            probationary_members: out.probationary_members,
            members_elsewhere: out.members_elsewhere,
            registered_on: out.registered_on,
            status: out.status.expect("checked"),
            party_org: out.party_org.expect("checked"),
            party_org_established_on: out.party_org_established_on,
            last_election_on: out.last_election_on,
            last_report_on: out.last_report_on,
            instructor: out.instructor,
            division_source: out.division_source,
            deregistered_on: out.deregistered_on,
        })
    }

    fn kind_field(&self) -> Result<Option<Kind>, FieldError> {
        required(&self.kind, "kind").and_then(Kind::parse).map(Some)
    }

    /// The point, or None when neither coordinate is given (a ledger that keeps only the
    /// address); one without the other is an error naming the missing one.
    fn location(&self, default_crs: Crs) -> Result<Option<LonLat>, FieldError> {
        let crs = match optional(&self.crs) {
            Some(s) => Crs::parse(s)?,
            None => default_crs,
        };
        let (lon, lat) = match (optional(&self.lon), optional(&self.lat)) {
            (None, None) => return Ok(None),
            (Some(lon), Some(lat)) => (lon, lat),
            (Some(_), None) => return Err(half_a_point("lat", "lon")),
            (None, Some(_)) => return Err(half_a_point("lon", "lat")),
        };
        let lon = parse_degrees(lon, "lon", "经度", "longitude")?;
        let lat = parse_degrees(lat, "lat", "纬度", "latitude")?;
        Ok(Some(LonLat::parse(lon, lat, crs)?))
    }
}

/// Fields as they are validated, before the organization is assembled.
#[derive(Default)]
struct Partial {
    credit_code: Option<CreditCode>,
    name: String,
    kind: Option<Kind>,
    level: Option<Level>,
    division_code: Option<DivisionCode>,
    address: Option<String>,
    location: Option<LonLat>,
    industry: Option<String>,
    supervisor: Option<String>,
    is_industry_association: bool,
    association: Option<CreditCode>,
    member_units: Option<u32>,
    staff: Option<u32>,
    formal_members: u32,
    probationary_members: u32,
    members_elsewhere: u32,
    registered_on: Option<NaiveDate>,
    status: Option<Status>,
    party_org: Option<PartyOrg>,
    party_org_established_on: Option<NaiveDate>,
    last_election_on: Option<NaiveDate>,
    last_report_on: Option<NaiveDate>,
    instructor: Option<String>,
    division_source: DivisionSource,
    deregistered_on: Option<NaiveDate>,
}

/// The error for a point given by one coordinate only: `missing` is the other.
fn half_a_point(missing: &'static str, given: &'static str) -> FieldError {
    FieldError::new(
        missing,
        format!(
            "已填写“{}”而缺少“{}”：经纬度须同时填写，或都留空（位置未知）",
            field_label_zh(given),
            field_label_zh(missing)
        ),
        format!(
            "{given} is given without {missing}: give both, or neither when the location is unknown"
        ),
    )
}

fn renamed(mut e: FieldError, field: &'static str) -> FieldError {
    e.field = field;
    e
}

/// A present, non-blank value.
fn optional<S: AsRef<str>>(value: &Option<S>) -> Option<&str> {
    value
        .as_ref()
        .map(|s| s.as_ref().trim())
        .filter(|s| !s.is_empty())
}

fn required<'a, S: AsRef<str>>(
    value: &'a Option<S>,
    field: &'static str,
) -> Result<&'a str, FieldError> {
    optional(value).ok_or_else(|| {
        FieldError::new(
            field,
            format!("缺少必填项“{}”", field_label_zh(field)),
            format!("{field} is required"),
        )
    })
}

/// The text fields and the most characters each holds once trimmed.
pub const TEXT_FIELDS: [(&str, usize); 5] = [
    ("name", 200),
    ("address", 500),
    ("industry", 100),
    ("supervisor", 200),
    (
        "instructor",
        crate::domain::party_work::INSTRUCTOR_MAX_CHARS,
    ),
];

fn max_chars(field: &str) -> usize {
    TEXT_FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, n)| *n)
        .expect("a text field of TEXT_FIELDS")
}

fn text<S: AsRef<str>>(
    value: &Option<S>,
    field: &'static str,
    max_chars: usize,
    is_required: bool,
) -> Result<Option<String>, FieldError> {
    let Some(s) = optional(value) else {
        return if is_required {
            required(value, field).map(|_| None)
        } else {
            Ok(None)
        };
    };
    // A text of no more bytes than the limit has no more characters either (most do).
    let n = if s.len() <= max_chars {
        0
    } else {
        s.chars().count()
    };
    if n > max_chars {
        return Err(FieldError::new(
            field,
            format!(
                "“{}”最多{max_chars}个字符，现为{n}个",
                field_label_zh(field)
            ),
            format!("{field} has at most {max_chars} characters, this has {n}"),
        ));
    }
    if has_control_character(s) {
        return Err(FieldError::new(
            field,
            format!("“{}”含有控制字符（如换行），请删除", field_label_zh(field)),
            format!("{field} contains a control character (such as a line break): remove it"),
        ));
    }
    if let Some((position, c)) = hidden_character(s) {
        let code = format!("U+{:04X}", u32::from(c));
        return Err(FieldError::new(
            field,
            format!(
                "“{}”第{position}个字符是不可见或改变文字方向的字符 {code}（常因复制粘贴带入），请删除",
                field_label_zh(field)
            ),
            format!(
                "{field} holds an invisible or direction-changing character, {code}, at character {position} (often pasted in): remove it"
            ),
        ));
    }
    Ok(Some(s.to_owned()))
}

/// Characters that do not show, or that reorder the text around them: a name holding one
/// looks like another name (U+202E reverses what follows, U+200B splits a word unseen), so
/// duplicates and look-alikes would slip past a clerk's eye.
pub fn is_hidden(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// The first hidden character of a text, with its position (1-based, in characters).
/// Found on the bytes first: every such character's encoding starts with one of these
/// bytes, which Chinese text (0xE3-0xE9) and ASCII do not use.
pub(super) fn hidden_character(s: &str) -> Option<(usize, char)> {
    if !s
        .bytes()
        .any(|b| matches!(b, 0xC2 | 0xD8 | 0xE1 | 0xE2 | 0xEF))
    {
        return None;
    }
    s.chars()
        .enumerate()
        .find(|(_, c)| is_hidden(*c))
        .map(|(i, c)| (i + 1, c))
}

/// The most of any count (members, staff, member units) the registry believes: more than
/// any social organization has. A larger number is a typing or column mistake.
pub const MOST_PLAUSIBLE_COUNT: u32 = 1_000_000;

/// The earliest date the registry believes: the founding of the People's Republic, before
/// which no social organization of today's registration system was registered, nor any of
/// its party organizations founded.
pub fn earliest_plausible_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1949, 10, 1).expect("a valid date")
}

/// The checks that need today's date: a registration or a deregistration is never dated
/// after today. (Party work dates are checked against today by
/// `party_work::check_recorded`.)
pub fn check_dated(org: &Organization, today: NaiveDate) -> Result<(), ValidationErrors> {
    let mut errors = Vec::new();
    if let Some(on) = org.registered_on.filter(|on| *on > today) {
        errors.push(FieldError::new(
            "registered_on",
            format!("成立登记日期 {on} 晚于今天（{today}）"),
            format!("registered on {on}, which is after today ({today})"),
        ));
    }
    if let Some(on) = org.deregistered_on.filter(|on| *on > today) {
        errors.push(FieldError::new(
            "deregistered_on",
            format!("注销日期 {on} 晚于今天（{today}）"),
            format!("deregistered on {on}, which is after today ({today})"),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ValidationErrors(errors))
    }
}

/// Whether a text holds a control character (Unicode category Cc), found on its bytes: the
/// C0 controls and DEL are single bytes, the C1 controls U+0080..U+009F are 0xC2 followed
/// by 0x80..0x9F, and no other character's encoding holds those sequences.
pub(super) fn has_control_character(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b < 0x20
            || b == 0x7F
            || (b == 0xC2
                && bytes
                    .get(i + 1)
                    .is_some_and(|next| (0x80..=0x9F).contains(next)))
    })
}

/// A whole number as text: `12`, or `12.0` as spreadsheets and JSON encoders write one.
fn whole_number(s: &str) -> Option<u64> {
    s.parse::<u64>()
        .ok()
        .or_else(|| u64::try_from(exact_whole(s.parse::<f64>().ok()?)?).ok())
}

/// The whole number a float holds exactly (`3.0`), within 2^53: beyond it a float is not
/// one whole number but many.
pub fn exact_whole(v: f64) -> Option<i64> {
    (v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0).then_some(v as i64)
}

fn parse_count(s: &str, field: &'static str) -> Result<u32, FieldError> {
    let n = whole_number(s)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!("“{}”应为不小于0的整数，现为“{s}”", field_label_zh(field)),
                format!("{field} is a whole number of at least 0, not '{s}'"),
            )
        })?;
    if n > MOST_PLAUSIBLE_COUNT {
        return Err(FieldError::new(
            field,
            format!(
                "“{}”为{n}，超过任何社会组织可能的数目（至多{MOST_PLAUSIBLE_COUNT}）：请核对是否输错或错列",
                field_label_zh(field)
            ),
            format!(
                "{field} is {n}, more than any social organization has (at most {MOST_PLAUSIBLE_COUNT}): check for a typing or column mistake"
            ),
        ));
    }
    Ok(n)
}

fn count<S: AsRef<str>>(value: &Option<S>, field: &'static str) -> Result<Option<u32>, FieldError> {
    optional(value).map(|s| parse_count(s, field)).transpose()
}

fn parse_degrees(s: &str, field: &'static str, zh: &str, en: &str) -> Result<f64, FieldError> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!("{zh}应为十进制度数（如 111.75），现为“{s}”"),
                format!("{en} is decimal degrees (such as 111.75), not '{s}'"),
            )
        })
}

fn parse_bool(s: &str, field: &'static str) -> Result<bool, FieldError> {
    let is = |words: [&str; 5]| words.iter().any(|w| s.eq_ignore_ascii_case(w));
    match s {
        _ if is(["true", "1", "yes", "y", "是"]) => Ok(true),
        _ if is(["false", "0", "no", "n", "否"]) => Ok(false),
        _ => Err(FieldError::new(
            field,
            format!(
                "“{}”应为 是/否（true/false），现为“{s}”",
                field_label_zh(field)
            ),
            format!("{field} is true or false (是/否), not '{s}'"),
        )),
    }
}

/// Dates as YYYY-MM-DD; the slash and dot forms that Excel and WPS produce are accepted too.
/// `YYYY-MM-DD` (or with `/` or `.`) without chrono's format interpreter: a million rows
/// carry several dates each.
fn quick_date(s: &str) -> Option<NaiveDate> {
    let sep = s.bytes().find(|b| !b.is_ascii_digit())?;
    let mut parts = s.split(sep as char);
    // The year has four digits ("26-1-1" is no date of 2026), month and day one or two.
    let mut number = |digits: std::ops::RangeInclusive<usize>| -> Option<u32> {
        let p = parts.next()?;
        (digits.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())?
    };
    let (y, m, d) = (number(4..=4)?, number(1..=2)?, number(1..=2)?);
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

fn date<S: AsRef<str>>(
    value: &Option<S>,
    field: &'static str,
) -> Result<Option<NaiveDate>, FieldError> {
    optional(value).map(|s| date_of(s, field)).transpose()
}

/// A date as every door reads it (YYYY-MM-DD, or with `/` or `.`; a four-digit year; not
/// before [`earliest_plausible_date`]), or why not, beside `field`.
pub fn date_of(s: &str, field: &'static str) -> Result<NaiveDate, FieldError> {
    let s = s.trim();
    let on = quick_date(s).ok_or_else(|| {
        FieldError::new(
            field,
            format!(
                "“{}”应为有效日期 YYYY-MM-DD（四位年份），现为“{s}”",
                field_label_zh(field)
            ),
            format!("{field} is a valid date YYYY-MM-DD (a four-digit year), not '{s}'"),
        )
    })?;
    let earliest = earliest_plausible_date();
    if on < earliest {
        return Err(FieldError::new(
            field,
            format!(
                "“{}”为{on}，早于{earliest}：请核对年份",
                field_label_zh(field)
            ),
            format!("{field} is {on}, before {earliest}: check the year"),
        ));
    }
    Ok(on)
}
