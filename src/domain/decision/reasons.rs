//! Each rule that fired, with its facts and its clause, rendered in Chinese or English when shown.

use chrono::NaiveDate;
use serde::Serialize;

use super::clauses::{
    OPINIONS_7, OPINIONS_8, OPINIONS_9, OPINIONS_10, OPINIONS_11, OPINIONS_15, OPINIONS_18,
    OPINIONS_20, ORGANS_5, ORGANS_6, ORGANS_7,
};
use crate::domain::credit_code::CreditCode;
use crate::domain::organization::Status;

/// One rule that fired, with the clause it comes from. The text, in Chinese and English,
/// is rendered from the facts when shown, so deciding a million organizations formats
/// nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub rule: &'static str,
    pub clause: &'static str,
    pub detail: Detail,
}

/// The facts behind a reason.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    Own {
        formal: u32,
        min: u32,
    },
    Committee {
        members: u32,
        formal: u32,
        probationary: u32,
        min: u32,
        term: u32,
    },
    GeneralBranch {
        members: u32,
        formal: u32,
        probationary: u32,
        min: u32,
        max: u32,
        term: u32,
    },
    BranchCommittee {
        members: u32,
        formal: u32,
        min: u32,
        term: u32,
    },
    BranchSecretary {
        members: u32,
        formal: u32,
        min: u32,
        term: u32,
    },
    LargeAssociation {
        units: u32,
        min: u32,
    },
    DeputySecretary {
        members: u32,
        min: u32,
    },
    Transfer {
        formal: u32,
        elsewhere: u32,
        min: u32,
    },
    KeepsIndustryJoint,
    Association {
        code: CreditCode,
        min: u32,
    },
    Industry {
        industry: String,
        area: String,
        min: u32,
    },
    KeepsRegionalJoint,
    RegionalGroup {
        formal: u32,
        others: usize,
        group_id: String,
        distance_m: f64,
    },
    Instructor {
        formal: u32,
        /// It would be a regional-grouping candidate (R4) if its location were known.
        location_unknown: bool,
    },
    Establish {
        formal: u32,
        due: NaiveDate,
        days: u32,
    },
    ElectionOverdue {
        start: NaiveDate,
        years: u32,
        end: NaiveDate,
    },
    ElectionDueSoon {
        years: u32,
        end: NaiveDate,
        months: u32,
    },
    StatusChanged {
        status: Status,
    },
    KeyContact {
        staff: u32,
        min: u32,
    },
    ReportOverdue {
        last: NaiveDate,
        months: u32,
    },
}

impl Reason {
    /// The explanation in Simplified Chinese.
    pub fn text(&self) -> String {
        use Detail::*;
        match &self.detail {
            Own { formal, min } => format!("正式党员{formal}名，达到{min}名，应单独建立党组织"),
            Committee {
                members,
                formal,
                probationary,
                min,
                term,
            } => format!(
                "党员{members}名（正式{formal}、预备{probationary}），达到{min}名，设立党委，每届{term}年"
            ),
            GeneralBranch {
                members,
                formal,
                probationary,
                min,
                max,
                term,
            } => format!(
                "党员{members}名（正式{formal}、预备{probationary}），在{min}至{max}名之间，设立党总支，每届{term}年"
            ),
            BranchCommittee {
                members,
                formal,
                min,
                term,
            } => format!(
                "党员{members}名，设立党支部；正式党员{formal}名，达到{min}名，设支部委员会，每届{term}年"
            ),
            BranchSecretary {
                members,
                formal,
                min,
                term,
            } => format!(
                "党员{members}名，设立党支部；正式党员{formal}名，不足{min}名，不设支部委员会，设书记一名（可设副书记），每届{term}年"
            ),
            LargeAssociation { units, min } => {
                format!("会员单位{units}个，达到{min}个，经县级以上党委批准可设立党委")
            }
            DeputySecretary { members, min } => {
                format!("党员{members}名，达到{min}名，应配备专职副书记")
            }
            Transfer {
                formal,
                elsewhere,
                min,
            } => format!(
                "正式党员{formal}名，不足{min}名；另有{elsewhere}名党员组织关系未转入，转入后可达{}名，应督促转接组织关系后单独建立支部",
                formal + elsewhere
            ),
            KeepsIndustryJoint => "已纳入行业联合党组织，保持现有组织形式".into(),
            Association { code, min } => format!(
                "正式党员不足{min}名；系行业协会（{code}）的会员单位，该协会已建立党组织，可纳入行业党组织"
            ),
            Industry {
                industry,
                area,
                min,
            } => format!(
                "正式党员不足{min}名；本地区（区划{area}）“{industry}”行业已有行业党组织，可纳入"
            ),
            KeepsRegionalJoint => "已纳入区域联合党组织，保持现有组织形式".into(),
            RegionalGroup {
                formal,
                others,
                group_id,
                distance_m,
            } => format!(
                "正式党员{formal}名，可与同一街道（乡镇）{distance_m}米内的{others}个组织就近组建联合党支部（{group_id}）"
            ),
            Instructor {
                formal,
                location_unknown: false,
            } => format!(
                "正式党员{formal}名，暂不具备单独或联合组建条件：选派党建工作指导员或联络员，或先建工会、共青团组织，条件成熟时再组建"
            ),
            Instructor {
                formal,
                location_unknown: true,
            } => format!(
                "正式党员{formal}名，位置未知（无经纬度），无法与附近组织联合组建（R4）：选派党建工作指导员或联络员，或先建工会、共青团组织；补录位置后重新研判"
            ),
            Establish { formal, due, days } => format!(
                "新登记且正式党员{formal}名：应同步建立党组织，由负责的党建工作机构在{due}前（登记后{days}个工作日内）完成"
            ),
            ElectionOverdue { start, years, end } => {
                format!("上次换届（或成立）于{start}，{years}年任期已于{end}届满，应换届未换届")
            }
            ElectionDueSoon { years, end, months } => {
                format!("{years}年任期将于{end}届满，{months}个月内应换届")
            }
            StatusChanged { status } => format!(
                "组织已{}，其党组织应及时报告并相应调整或撤销，党员组织关系应转移",
                status.label_zh()
            ),
            KeyContact { staff, min } => {
                format!("从业人员{staff}人，达到{min}人，列为县级以上组织部门重点联系对象")
            }
            ReportOverdue { last, months } => {
                format!("上次述职（或成立）于{last}，已超过{months}个月未述职")
            }
        }
    }

    /// The explanation in English.
    /// The explanation in the user's language.
    pub fn text_in(&self, lang: crate::domain::lang::Lang) -> String {
        match lang {
            crate::domain::lang::Lang::Zh => self.text(),
            crate::domain::lang::Lang::En => self.text_en(),
        }
    }

    pub fn text_en(&self) -> String {
        use Detail::*;
        match &self.detail {
            Own { formal, min } => format!(
                "{formal} formal members, at least {min}: it should have its own party organization"
            ),
            Committee {
                members, min, term, ..
            } => format!(
                "{members} members (F+P), at least {min}: a party committee, {term}-year terms"
            ),
            GeneralBranch {
                members,
                min,
                max,
                term,
                ..
            } => format!(
                "{members} members (F+P), from {min} to {max}: a general branch, {term}-year terms"
            ),
            BranchCommittee {
                members,
                formal,
                min,
                term,
            } => format!(
                "{members} members: a branch; {formal} formal members, at least {min}: with a branch committee, {term}-year terms"
            ),
            BranchSecretary {
                members,
                formal,
                min,
                term,
            } => format!(
                "{members} members: a branch; {formal} formal members, fewer than {min}: a secretary (and perhaps a deputy) instead of a committee, {term}-year terms"
            ),
            LargeAssociation { units, min } => format!(
                "{units} member units, at least {min}: a party committee is possible with the approval of a county-level or higher party committee"
            ),
            DeputySecretary { members, min } => format!(
                "{members} members, at least {min}: a full-time deputy secretary is required"
            ),
            Transfer {
                formal,
                elsewhere,
                min,
            } => format!(
                "{formal} formal members, fewer than {min}; {elsewhere} more work here with their relation elsewhere, which would make {}: have the relations transferred, then form its own branch",
                formal + elsewhere
            ),
            KeepsIndustryJoint => {
                "already in an industry joint party organization: it keeps that form".into()
            }
            Association { code, min } => format!(
                "fewer than {min} formal members; a member unit of the industry association {code}, which has a party organization: join the industry party organization"
            ),
            Industry {
                industry,
                area,
                min,
            } => format!(
                "fewer than {min} formal members; its industry '{industry}' has an industry party organization in its area (division {area}) to join"
            ),
            KeepsRegionalJoint => {
                "already in a regional joint party organization: it keeps that form".into()
            }
            RegionalGroup {
                formal,
                others,
                group_id,
                distance_m,
            } => format!(
                "{formal} formal members: a regional joint branch ({group_id}) with {others} nearby organizations of the same township within {distance_m} m"
            ),
            Instructor {
                formal,
                location_unknown: false,
            } => format!(
                "{formal} formal members and no group possible yet: assign a party-building instructor or liaison, or build a union or youth-league organization first; re-evaluate when conditions mature"
            ),
            Instructor {
                formal,
                location_unknown: true,
            } => format!(
                "{formal} formal members and the location unknown (no coordinates), so no regional group with nearby organizations (R4): assign a party-building instructor or liaison, or build a union or youth-league organization first; re-evaluate once the location is recorded"
            ),
            Establish { formal, due, days } => format!(
                "newly registered with {formal} formal members: the party organization is to be established with the registration, by {due} ({days} working days after registration)"
            ),
            ElectionOverdue { start, years, end } => format!(
                "last elected (or founded) {start}: the {years}-year term ended {end} and re-election is overdue"
            ),
            ElectionDueSoon { years, end, months } => format!(
                "the {years}-year term ends {end}, within {months} months: re-election is due soon"
            ),
            StatusChanged { status } => format!(
                "the organization is {}: its party organization must be reported, changed or dissolved, and members' relations transferred",
                status.as_str()
            ),
            KeyContact { staff, min } => format!(
                "{staff} staff, at least {min}: a key contact of the county-or-higher organization department"
            ),
            ReportOverdue { last, months } => format!(
                "last report (or founding) {last}: more than {months} months ago, the yearly report is overdue"
            ),
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut r = s.serialize_struct("Reason", 4)?;
        r.serialize_field("rule", self.rule)?;
        r.serialize_field("clause", self.clause)?;
        r.serialize_field("text", &self.text())?;
        r.serialize_field("text_en", &self.text_en())?;
        r.end()
    }
}

/// The schema of the serialization above.
impl utoipa::PartialSchema for Reason {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let text = |description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(description))
        };
        ObjectBuilder::new()
            .description(Some("One rule that fired, with the clause it comes from."))
            .property("rule", text("R1a ... R10"))
            .property("clause", text("the source clause"))
            .property("text", text("the explanation in Chinese"))
            .property("text_en", text("the explanation in English"))
            .required("rule")
            .required("clause")
            .required("text")
            .required("text_en")
            .into()
    }
}

impl utoipa::ToSchema for Reason {}

/// Each source clause with the short form a table cell uses: the title abbreviated as the
/// texts themselves do, the clause in full.
const SHORT_CLAUSES: [(&str, &str); 11] = [
    (OPINIONS_7, "社会组织党建意见第七条"),
    (OPINIONS_8, "社会组织党建意见第八条"),
    (OPINIONS_9, "社会组织党建意见第九条"),
    (OPINIONS_10, "社会组织党建意见第十条"),
    (OPINIONS_11, "社会组织党建意见第十一条"),
    (OPINIONS_15, "社会组织党建意见第十五条"),
    (OPINIONS_18, "社会组织党建意见第十八条"),
    (OPINIONS_20, "社会组织党建意见第二十条"),
    (ORGANS_5, "机关基层组织工作条例第五条"),
    (ORGANS_6, "机关基层组织工作条例第六条"),
    (ORGANS_7, "机关基层组织工作条例第七条"),
];

impl Reason {
    /// The clause as a table cell gives it (a million rows repeat it): "社会组织党建意见第八条"
    /// for 《关于加强社会组织党的建设工作的意见（试行）》第八条.
    pub fn clause_short(&self) -> &'static str {
        SHORT_CLAUSES
            .iter()
            .find(|(full, _)| *full == self.clause)
            .map_or(self.clause, |(_, short)| short)
    }
}
