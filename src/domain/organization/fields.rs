//! The 27 fields of formats.md, declared once, and how JSON gives each as text.

use serde::{Deserialize, Deserializer};

/// The 27 fields of formats.md, declared once in their documented order: each with its
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
    division_source: "区划来源", "Division found from", "json_text";
    deregistered_on: "注销日期", "Deregistered on", "json_text";
}

/// The column names of the ledgers civil-affairs offices keep (the registration systems'
/// exports and their party-building templates), each with the field it holds.
pub const LEDGER_NAMES: &[(&str, &str)] = &[
    ("社会组织名称", "name"),
    ("组织名称", "name"),
    ("单位名称", "name"),
    ("社会组织类型", "kind"),
    ("组织类型", "kind"),
    ("登记状态", "status"),
    ("住所", "address"),
    ("地址", "address"),
    ("成立日期", "registered_on"),
    ("登记日期", "registered_on"),
    ("从业人员", "staff"),
    ("组织建制", "party_org"),
    ("党组织类型", "party_org"),
    ("建立党组织时间", "party_org_established_on"),
    ("党组织建立时间", "party_org_established_on"),
    ("党建指导员", "instructor"),
    ("党建工作指导员或联络员", "instructor"),
    ("正式党员", "formal_members"),
    ("预备党员", "probationary_members"),
    ("组织关系未转入", "members_elsewhere"),
    ("组织关系未转入党员", "members_elsewhere"),
    ("注销时间", "deregistered_on"),
    ("注销登记日期", "deregistered_on"),
];

/// Ledger columns that describe an organization without bearing on its party
/// organization: read past by name (and listed once), never an error.
pub const DESCRIPTIVE_COLUMNS: &[&str] = &[
    "序号",
    "法定代表人",
    "负责人",
    "业务范围",
    "注册资金",
    "开办资金",
    "原始基金",
    "证书有效期",
    "联系人",
    "联系电话",
    "备注",
    // What orgcover's own exports add, derived from the division code.
    "division_name",
    "所属区划",
    // A rejects file's line and reason, so the fixed file imports as it is.
    "line",
    "reason",
];

/// The column an export writes after the division code: the division's names from the
/// register (English header, Chinese header). Derived, so an import reads past it.
pub const DIVISION_NAME_COLUMN: (&str, &str) = ("division_name", "所属区划");

/// The field a column header names: a formats.md name in English (any case) or Chinese,
/// or a ledger's own name for it.
pub fn field_of_header(header: &str) -> Option<&'static str> {
    let h = header.trim();
    FIELDS
        .iter()
        .find(|(en, zh)| h.eq_ignore_ascii_case(en) || h == *zh)
        .map(|(en, _)| *en)
        .or_else(|| {
            LEDGER_NAMES
                .iter()
                .find(|(name, _)| *name == h)
                .map(|(_, field)| *field)
        })
}

/// The fields every organization must have (formats.md); the rest may be empty.
/// The division code is not among them: a record without one gets the division its
/// address names within its credit code's registering division (`division::derive`).
pub const REQUIRED_FIELDS: [&str; 4] = ["name", "kind", "level", "formal_members"];

// `Organization::field_texts` gives one text per field.
const _: () = assert!(FIELDS.len() == 27);

/// The Chinese header of a formats.md field.
pub fn field_label_zh(field: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|(en, _)| *en == field)
        .map_or("", |(_, zh)| zh)
}

/// A formats.md field's label in the user's language.
pub fn field_label(field: &str, lang: crate::domain::lang::Lang) -> &'static str {
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
