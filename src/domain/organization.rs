//! The organization (社会组织) with every field of formats.md, and its validation.
//!
//! Raw input (a CSV row, a JSON body, a form) is an [`OrgInput`] of optional texts; it becomes
//! an [`Organization`] only through [`OrgInput::validate`], which reports every bad field.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use super::coords::{Crs, LonLat};
use super::credit_code::CreditCode;
use super::division::DivisionCode;
use super::error::{FieldError, ValidationErrors};

/// Declares a closed vocabulary with its English wire name, Chinese label and accepted
/// Chinese spellings, so that parsing, display and the error text stay in one place.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $field:literal, $what_zh:literal, $what_en:literal {
        $($variant:ident = $en:literal / $label_en:literal, $zh:literal $(| $alias:literal)*;)+
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),+];

            /// The English name of formats.md.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }

            /// The Chinese label shown to users.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            /// The English label shown to users who chose English.
            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $label_en),+ }
            }

            /// The label in the user's language.
            pub fn label(self, lang: super::lang::Lang) -> &'static str {
                lang.pick(self.label_zh(), self.label_en())
            }

            /// Reads the English name or a Chinese spelling.
            pub fn parse(input: &str) -> Result<Self, FieldError> {
                let s = input.trim();
                $(if s.eq_ignore_ascii_case($en) || s == $zh $(|| s == $alias)* {
                    return Ok($name::$variant);
                })+
                Err(FieldError::new(
                    $field,
                    format!(concat!($what_zh, "应为 {}，现为“{}”"), Self::choices_zh(), s),
                    format!(concat!($what_en, " is one of {}, not '{}'"), Self::choices_en(), s),
                ))
            }

            fn choices_zh() -> String {
                [$($zh),+].join("、")
            }

            fn choices_en() -> String {
                [$($en),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// Kind of social organization (clause 1).
    Kind, "kind", "类型", "the kind" {
        SocialGroup = "social_group" / "Social group", "社会团体";
        PrivateNonEnterprise = "private_non_enterprise" / "Private non-enterprise unit", "民办非企业单位" | "社会服务机构";
        Foundation = "foundation" / "Foundation", "基金会";
        Intermediary = "intermediary" / "Intermediary", "社会中介组织";
        Community = "community" / "Community organization", "城乡社区社会组织" | "社区社会组织";
    }
);

vocabulary!(
    /// Registration level (登记层级).
    Level, "level", "登记层级", "the registration level" {
        National = "national" / "National", "全国" | "全国性";
        Provincial = "provincial" / "Provincial", "省级";
        Municipal = "municipal" / "Municipal", "市级";
        County = "county" / "County", "县级";
    }
);

vocabulary!(
    /// Registration status; deregistration is a status, nothing is deleted.
    Status, "status", "状态", "the status" {
        Active = "active" / "Active", "正常" | "存续";
        Changed = "changed" / "Changed", "变更";
        Merged = "merged" / "Merged", "合并";
        Deregistered = "deregistered" / "Deregistered", "注销";
    }
);

vocabulary!(
    /// The party organization recorded for an organization (党组织形式).
    PartyOrg, "party_org", "党组织形式", "the party organization" {
        None = "none" / "None", "无";
        Committee = "committee" / "Party committee", "党委";
        GeneralBranch = "general_branch" / "General branch", "党总支";
        Branch = "branch" / "Branch", "党支部";
        JointIndustry = "joint_industry" / "Industry joint organization", "行业联合党组织";
        JointRegional = "joint_regional" / "Regional joint organization", "区域联合党组织";
    }
);

impl Kind {
    /// The category character (credit code char 2) civil affairs gives this kind.
    pub fn civil_affairs_category(self) -> u8 {
        match self {
            Kind::SocialGroup => b'1',
            Kind::PrivateNonEnterprise => b'2',
            Kind::Foundation => b'3',
            Kind::Intermediary | Kind::Community => b'9',
        }
    }
}

/// A validated organization: every field of formats.md, location in WGS84.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Organization {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<CreditCode>,
    pub name: String,
    pub kind: Kind,
    pub level: Level,
    pub division_code: DivisionCode,
    pub address: Option<String>,
    #[serde(flatten)]
    pub location: LonLat,
    pub industry: Option<String>,
    pub supervisor: Option<String>,
    pub is_industry_association: bool,
    pub association: Option<CreditCode>,
    pub member_units: Option<u32>,
    pub staff: Option<u32>,
    pub formal_members: u32,
    pub probationary_members: u32,
    pub members_elsewhere: u32,
    pub registered_on: Option<NaiveDate>,
    pub status: Status,
    pub party_org: PartyOrg,
    pub party_org_established_on: Option<NaiveDate>,
    pub last_election_on: Option<NaiveDate>,
    pub last_report_on: Option<NaiveDate>,
    pub instructor: Option<String>,
}

impl Organization {
    /// Every field as text, in the order of [`FIELDS`]: what a CSV row or a form holds
    /// (coordinates in WGS84, empty for what is not recorded).
    pub fn field_texts(&self) -> [String; 25] {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let number = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
        let date = |v: Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
        let code = |v: &Option<CreditCode>| v.as_ref().map(|c| c.to_string()).unwrap_or_default();
        [
            code(&self.credit_code),
            self.name.clone(),
            self.kind.as_str().to_owned(),
            self.level.as_str().to_owned(),
            self.division_code.to_string(),
            text(&self.address),
            self.location.lon.to_string(),
            self.location.lat.to_string(),
            Crs::Wgs84.as_str().to_owned(),
            text(&self.industry),
            text(&self.supervisor),
            self.is_industry_association.to_string(),
            code(&self.association),
            number(self.member_units),
            number(self.staff),
            self.formal_members.to_string(),
            self.probationary_members.to_string(),
            self.members_elsewhere.to_string(),
            date(self.registered_on),
            self.status.as_str().to_owned(),
            self.party_org.as_str().to_owned(),
            date(self.party_org_established_on),
            date(self.last_election_on),
            date(self.last_report_on),
            text(&self.instructor),
        ]
    }

    /// The key rows are upserted by: the credit code, or name + division for community
    /// organizations that have none (formats.md).
    pub fn key(&self) -> OrgKey {
        match &self.credit_code {
            Some(code) => OrgKey::CreditCode(code.clone()),
            None => OrgKey::NameDivision(self.name.clone(), self.division_code),
        }
    }
}

/// How an organization is identified across files and systems.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrgKey {
    CreditCode(CreditCode),
    NameDivision(String, DivisionCode),
}

impl std::fmt::Display for OrgKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OrgKey::CreditCode(c) => write!(f, "{c}"),
            OrgKey::NameDivision(n, d) => write!(f, "{n} ({d})"),
        }
    }
}

/// The 25 fields of formats.md, declared once in their documented order: each with its
/// Chinese header, its English label and how JSON gives it. The macro makes the raw input
/// ([`OrgInput`]), the field list ([`FIELDS`]), the English labels and the setter by name,
/// so a field added here reaches the CSV reader, the forms and the API together.
macro_rules! organization_fields {
    ($($field:ident: $zh:literal, $en:literal, $json:literal;)*) => {
        /// Raw organization input: every field optional text, as a CSV cell or form field
        /// gives it. From JSON, each field takes its own JSON type (numbers as numbers,
        /// booleans as booleans, formats.md) and is kept as text, so one validation serves
        /// the API, forms and files.
        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        #[serde(deny_unknown_fields, bound(deserialize = "S: From<String>"))]
        pub struct OrgInput<S = String> {
            $(
                #[serde(default, deserialize_with = $json)]
                pub $field: Option<S>,
            )*
        }

        /// The fields of formats.md in their documented order, with their Chinese headers.
        pub const FIELDS: &[(&str, &str)] = &[$((stringify!($field), $zh)),*];

        /// The English label of a formats.md field, for users who chose English.
        pub fn field_label_en(field: &str) -> &'static str {
            match field {
                $(stringify!($field) => $en,)*
                _ => "",
            }
        }

        impl<S> OrgInput<S> {
            /// Sets a field by its formats.md name; false if there is no such field.
            pub fn set(&mut self, field: &str, value: Option<S>) -> bool {
                let slot = match field {
                    $(stringify!($field) => &mut self.$field,)*
                    _ => return false,
                };
                *slot = value;
                true
            }
        }
    };
}

organization_fields! {
    credit_code: "统一社会信用代码", "Unified social credit code", "json_text";
    name: "名称", "Name", "json_text";
    kind: "类型", "Kind", "json_text";
    level: "登记层级", "Registration level", "json_text";
    division_code: "行政区划代码", "Division code", "json_text";
    address: "地址", "Address", "json_text";
    lon: "经度", "Longitude", "json_number";
    lat: "纬度", "Latitude", "json_number";
    crs: "坐标系", "Coordinate system", "json_text";
    industry: "行业", "Industry", "json_text";
    supervisor: "业务主管单位", "Business supervisory unit", "json_text";
    is_industry_association: "是否行业协会商会", "Industry association or chamber", "json_bool";
    association: "所属行业协会", "Member of the industry association", "json_text";
    member_units: "会员单位数", "Member units", "json_number";
    staff: "从业人员数", "Staff", "json_number";
    formal_members: "正式党员数", "Formal party members", "json_number";
    probationary_members: "预备党员数", "Probationary party members", "json_number";
    members_elsewhere: "组织关系未转入党员数", "Members whose relations are elsewhere", "json_number";
    registered_on: "成立登记日期", "Registered on", "json_text";
    status: "状态", "Status", "json_text";
    party_org: "党组织形式", "Party organization", "json_text";
    party_org_established_on: "党组织成立日期", "Party organization founded on", "json_text";
    last_election_on: "上次换届日期", "Last election on", "json_text";
    last_report_on: "上次述职日期", "Last secretary's report on", "json_text";
    instructor: "党建工作指导员", "Party-building instructor", "json_text";
}

/// The fields every organization must have (formats.md); the rest may be empty.
pub const REQUIRED_FIELDS: [&str; 7] = [
    "name",
    "kind",
    "level",
    "division_code",
    "lon",
    "lat",
    "formal_members",
];

// `Organization::field_texts` gives one text per field.
const _: () = assert!(FIELDS.len() == 25);

/// The Chinese header of a formats.md field.
pub fn field_label_zh(field: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|(en, _)| *en == field)
        .map_or("", |(_, zh)| zh)
}

/// A formats.md field's label in the user's language.
pub fn field_label(field: &str, lang: super::lang::Lang) -> &'static str {
    lang.pick(field_label_zh(field), field_label_en(field))
}

/// A JSON text field: a string or null (formats.md "Organization JSON").
fn json_text<'de, D: Deserializer<'de>, S: From<String>>(d: D) -> Result<Option<S>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(S::from))
}

/// A JSON number field, kept as its text for the one validation that CSV cells and form
/// fields go through too.
fn json_number<'de, D: Deserializer<'de>, S: From<String>>(d: D) -> Result<Option<S>, D::Error> {
    Ok(Option::<serde_json::Number>::deserialize(d)?.map(|n| S::from(n.to_string())))
}

/// A JSON boolean field, kept as its text.
fn json_bool<'de, D: Deserializer<'de>, S: From<String>>(d: D) -> Result<Option<S>, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.map(|b| S::from(b.to_string())))
}

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
                .map(CreditCode::parse)
                .transpose()
                .map(|c| out.credit_code = c),
        );
        check(text(&self.name, "name", 200, true).map(|n| out.name = n.unwrap_or_default()));
        check(
            required(&self.level, "level")
                .and_then(Level::parse)
                .map(|l| out.level = Some(l)),
        );
        check(
            required(&self.division_code, "division_code")
                .and_then(DivisionCode::parse)
                .map(|d| out.division_code = Some(d)),
        );
        check(text(&self.address, "address", 500, false).map(|a| out.address = a));
        check(self.location(default_crs).map(|l| out.location = Some(l)));
        check(text(&self.industry, "industry", 100, false).map(|v| out.industry = v));
        check(text(&self.supervisor, "supervisor", 200, false).map(|v| out.supervisor = v));
        check(
            optional(&self.is_industry_association)
                .map(|s| parse_bool(s, "is_industry_association"))
                .transpose()
                .map(|b| out.is_industry_association = b.unwrap_or(false)),
        );
        check(
            optional(&self.association)
                .map(|s| CreditCode::parse(s).map_err(|e| renamed(e, "association")))
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
        check(
            text(
                &self.instructor,
                "instructor",
                super::party_work::INSTRUCTOR_MAX_CHARS,
                false,
            )
            .map(|v| out.instructor = v),
        );

        // Rules that relate fields, checked once both sides are valid.
        if let Some(kind) = out.kind {
            // A code that was given but is wrong has its own message; it is not missing.
            let code_given = optional(&self.credit_code).is_some();
            match &out.credit_code {
                Some(code) => check(code.check_kind(kind)),
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
            location: out.location.expect("checked"),
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
        })
    }

    fn kind_field(&self) -> Result<Option<Kind>, FieldError> {
        required(&self.kind, "kind").and_then(Kind::parse).map(Some)
    }

    fn location(&self, default_crs: Crs) -> Result<LonLat, FieldError> {
        let crs = match optional(&self.crs) {
            Some(s) => Crs::parse(s)?,
            None => default_crs,
        };
        let lon = parse_degrees(required(&self.lon, "lon")?, "lon", "经度", "longitude")?;
        let lat = parse_degrees(required(&self.lat, "lat")?, "lat", "纬度", "latitude")?;
        LonLat::parse(lon, lat, crs)
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
    Ok(Some(s.to_owned()))
}

/// Whether a text holds a control character (Unicode category Cc), found on its bytes: the
/// C0 controls and DEL are single bytes, the C1 controls U+0080..U+009F are 0xC2 followed
/// by 0x80..0x9F, and no other character's encoding holds those sequences.
fn has_control_character(s: &str) -> bool {
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

fn parse_count(s: &str, field: &'static str) -> Result<u32, FieldError> {
    s.parse::<u32>().map_err(|_| {
        FieldError::new(
            field,
            format!("“{}”应为不小于0的整数，现为“{s}”", field_label_zh(field)),
            format!("{field} is a whole number of at least 0, not '{s}'"),
        )
    })
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
    let mut number = || -> Option<u32> {
        let p = parts.next()?;
        (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())?
    };
    let (y, m, d) = (number()?, number()?, number()?);
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

fn date<S: AsRef<str>>(
    value: &Option<S>,
    field: &'static str,
) -> Result<Option<NaiveDate>, FieldError> {
    let Some(s) = optional(value) else {
        return Ok(None);
    };
    quick_date(s)
        .or_else(|| {
            ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        })
        .map(Some)
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!(
                    "“{}”应为有效日期 YYYY-MM-DD，现为“{s}”",
                    field_label_zh(field)
                ),
                format!("{field} is a valid date YYYY-MM-DD, not '{s}'"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_on_the_bytes_exactly_as_by_character() {
        let mut buffer = [0u8; 4];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let text = c.encode_utf8(&mut buffer);
            assert_eq!(
                has_control_character(text),
                c.is_control(),
                "{:#x}",
                c as u32
            );
            let within = format!("社会{c}组织");
            assert_eq!(
                has_control_character(&within),
                c.is_control(),
                "{:#x}",
                c as u32
            );
        }
    }

    #[test]
    fn every_field_has_an_english_label_for_the_english_pages() {
        for (field, _) in FIELDS {
            assert!(
                !field_label_en(field).is_empty(),
                "{field} lacks an English label"
            );
        }
    }

    pub fn valid_input() -> OrgInput {
        OrgInput {
            credit_code: Some("91350200776049653A".into()),
            name: Some("厦门市软件行业协会".into()),
            kind: Some("intermediary".into()),
            level: Some("municipal".into()),
            division_code: Some("350203".into()),
            lon: Some("118.08".into()),
            lat: Some("24.48".into()),
            formal_members: Some("4".into()),
            ..OrgInput::default()
        }
    }

    fn error_of(input: OrgInput, field: &str) -> FieldError {
        let errors = input.validate(Crs::Wgs84).unwrap_err();
        errors
            .field(field)
            .cloned()
            .unwrap_or_else(|| panic!("no {field} error in {errors}"))
    }

    #[test]
    fn a_complete_row_becomes_an_organization_with_defaults() {
        let org = valid_input().validate(Crs::Wgs84).unwrap();
        assert_eq!(org.division_code.as_str(), "350203000000");
        assert_eq!(org.status, Status::Active);
        assert_eq!(org.party_org, PartyOrg::None);
        assert_eq!(org.probationary_members, 0);
        assert!(!org.is_industry_association);
    }

    #[test]
    fn chinese_vocabulary_is_accepted() {
        let input = OrgInput {
            kind: Some("社会中介组织".into()),
            level: Some("市级".into()),
            status: Some("注销".into()),
            party_org: Some("党支部".into()),
            ..valid_input()
        };
        let org = input.validate(Crs::Wgs84).unwrap();
        assert_eq!(org.level, Level::Municipal);
        assert_eq!(org.status, Status::Deregistered);
        assert_eq!(org.party_org, PartyOrg::Branch);
        assert_eq!(
            Kind::parse("社会服务机构").unwrap(),
            Kind::PrivateNonEnterprise
        );
    }

    #[test]
    fn every_bad_field_is_reported_in_column_order() {
        let input = OrgInput {
            name: None,
            formal_members: Some("-1".into()),
            lon: Some("east".into()),
            ..valid_input()
        };
        let errors = input.validate(Crs::Wgs84).unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "lon", "formal_members"]);
    }

    #[test]
    fn a_missing_name_is_required_in_both_languages() {
        let err = error_of(
            OrgInput {
                name: Some("  ".into()),
                ..valid_input()
            },
            "name",
        );
        assert_eq!(err.zh, "缺少必填项“名称”");
        assert_eq!(err.en, "name is required");
    }

    #[test]
    fn a_name_over_200_characters_is_rejected() {
        let err = error_of(
            OrgInput {
                name: Some("会".repeat(201)),
                ..valid_input()
            },
            "name",
        );
        assert!(err.en.contains("at most 200"), "{}", err.en);
        assert!(
            OrgInput {
                name: Some("会".repeat(200)),
                ..valid_input()
            }
            .validate(Crs::Wgs84)
            .is_ok()
        );
    }

    #[test]
    fn markup_in_a_name_is_kept_as_typed() {
        let name = "<script>alert(\"x\")</script> 协会";
        let org = OrgInput {
            name: Some(name.into()),
            ..valid_input()
        }
        .validate(Crs::Wgs84)
        .unwrap();
        assert_eq!(org.name, name);
    }

    #[test]
    fn counts_must_be_whole_numbers_of_at_least_zero() {
        for bad in ["-1", "2.5", "three"] {
            let err = error_of(
                OrgInput {
                    staff: Some(bad.into()),
                    ..valid_input()
                },
                "staff",
            );
            assert!(err.zh.contains("不小于0的整数"), "{}", err.zh);
            assert!(err.en.contains("whole number of at least 0"), "{}", err.en);
        }
    }

    #[test]
    fn formal_members_are_required() {
        let err = error_of(
            OrgInput {
                formal_members: None,
                ..valid_input()
            },
            "formal_members",
        );
        assert!(err.zh.contains("正式党员数"), "{}", err.zh);
    }

    #[test]
    fn dates_must_be_real_calendar_days() {
        let err = error_of(
            OrgInput {
                registered_on: Some("2023-02-30".into()),
                ..valid_input()
            },
            "registered_on",
        );
        assert!(err.en.contains("YYYY-MM-DD"), "{}", err.en);
        let org = OrgInput {
            registered_on: Some("2023/2/28".into()),
            ..valid_input()
        }
        .validate(Crs::Wgs84)
        .unwrap();
        assert_eq!(org.registered_on, NaiveDate::from_ymd_opt(2023, 2, 28));
    }

    #[test]
    fn a_mistyped_credit_code_is_one_error_not_also_a_missing_one() {
        for code in ["XXXXXXXXXXXXXXXXXX", "51150102MJ0000114A"] {
            let mut input = valid_input();
            input.credit_code = Some(code.into());
            let errors = input.validate(Crs::Wgs84).unwrap_err();
            assert_eq!(errors.0.len(), 1, "{code}: {errors}");
            assert_eq!(errors.first().field, "credit_code");
            assert!(!errors.first().zh.contains("缺少"), "{code}");
        }
    }

    #[test]
    fn only_community_organizations_may_lack_a_credit_code() {
        let err = error_of(
            OrgInput {
                credit_code: None,
                ..valid_input()
            },
            "credit_code",
        );
        assert!(err.zh.contains("仅城乡社区社会组织"), "{}", err.zh);
        let org = OrgInput {
            credit_code: None,
            kind: Some("community".into()),
            ..valid_input()
        }
        .validate(Crs::Wgs84)
        .unwrap();
        assert_eq!(
            org.key(),
            OrgKey::NameDivision("厦门市软件行业协会".into(), org.division_code)
        );
    }

    #[test]
    fn a_civil_affairs_code_that_disagrees_with_the_kind_is_an_error() {
        let social_group_code =
            crate::domain::credit_code::CreditCode::compose(b'5', b'1', "350203", "MJ000123");
        let input = OrgInput {
            credit_code: Some(social_group_code.to_string()),
            kind: Some("foundation".into()),
            ..valid_input()
        };
        let err = error_of(input.clone(), "credit_code");
        assert!(
            err.zh.contains("社会团体") && err.zh.contains("基金会"),
            "{}",
            err.zh
        );
        let fixed = OrgInput {
            kind: Some("social_group".into()),
            ..input
        };
        assert!(fixed.validate(Crs::Wgs84).is_ok());
    }

    #[test]
    fn an_unknown_kind_lists_the_choices() {
        let err = error_of(
            OrgInput {
                kind: Some("club".into()),
                ..valid_input()
            },
            "kind",
        );
        assert!(err.zh.contains("社会团体、民办非企业单位"), "{}", err.zh);
        assert!(
            err.en.contains("social_group, private_non_enterprise"),
            "{}",
            err.en
        );
    }

    #[test]
    fn unknown_levels_statuses_and_party_organizations_list_the_choices() {
        let err = error_of(
            OrgInput {
                level: Some("village".into()),
                ..valid_input()
            },
            "level",
        );
        assert!(err.zh.contains("全国、省级、市级、县级"), "{}", err.zh);
        let err = error_of(
            OrgInput {
                status: Some("closed".into()),
                ..valid_input()
            },
            "status",
        );
        assert!(
            err.en.contains("active, changed, merged, deregistered"),
            "{}",
            err.en
        );
        let err = error_of(
            OrgInput {
                party_org: Some("cell".into()),
                ..valid_input()
            },
            "party_org",
        );
        assert!(err.zh.contains("党委、党总支、党支部"), "{}", err.zh);
    }

    #[test]
    fn only_social_groups_can_be_industry_associations() {
        let err = error_of(
            OrgInput {
                is_industry_association: Some("是".into()),
                ..valid_input()
            },
            "is_industry_association",
        );
        assert!(err.en.contains("are social groups"), "{}", err.en);
        let err = error_of(
            OrgInput {
                is_industry_association: Some("maybe".into()),
                ..valid_input()
            },
            "is_industry_association",
        );
        assert!(err.en.contains("true or false"), "{}", err.en);
    }

    #[test]
    fn an_association_reference_is_a_checked_credit_code() {
        let err = error_of(
            OrgInput {
                association: Some("91350200776049653B".into()),
                ..valid_input()
            },
            "association",
        );
        assert!(err.en.contains("character 18"), "{}", err.en);
        let err = error_of(
            OrgInput {
                association: Some("91350200776049653A".into()),
                ..valid_input()
            },
            "association",
        );
        assert!(err.en.contains("member unit of itself"), "{}", err.en);
    }

    #[test]
    fn gcj02_input_is_stored_as_wgs84() {
        let org = OrgInput {
            crs: Some("gcj02".into()),
            ..valid_input()
        }
        .validate(Crs::Wgs84)
        .unwrap();
        assert!((org.location.lon - 118.08).abs() > 1e-4);
        let default_gcj = valid_input().validate(Crs::Gcj02).unwrap();
        assert_eq!(org.location, default_gcj.location);
    }

    #[test]
    fn control_characters_in_text_are_rejected() {
        let err = error_of(
            OrgInput {
                address: Some("一楼\u{0}二楼".into()),
                ..valid_input()
            },
            "address",
        );
        assert!(err.zh.contains("控制字符"), "{}", err.zh);
    }

    #[test]
    fn json_numbers_are_read_like_text() {
        let input: OrgInput = serde_json::from_value(serde_json::json!({
            "credit_code": "91350200776049653A", "name": "协会", "kind": "intermediary",
            "level": "county", "division_code": "350203", "lon": 118.08, "lat": 24.48,
            "formal_members": 3, "is_industry_association": false
        }))
        .unwrap();
        let org = input.validate(Crs::Wgs84).unwrap();
        assert_eq!(org.formal_members, 3);
        assert!(serde_json::from_value::<OrgInput>(serde_json::json!({"nmae": "x"})).is_err());
    }
}
