//! Rules R1-R10 (domain.md 3): what party organization each organization should have, the
//! flags that need attention, its coverage, and the reasons with their clauses.
//!
//! Pure functions: the date is passed in, never read from the clock inside a rule.

// Fx hashing: keys are our own data, not attacker-chosen, and SipHash showed in profiles.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use chrono::{Datelike, Months, NaiveDate, Weekday};
use serde::Serialize;

use super::credit_code::CreditCode;
use super::division::DivisionLevel;
use super::organization::{Kind, Level, Organization, PartyOrg, Status};
use super::policy::Policy;

/// What an organization should have: exactly one (formats.md "Decision").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    OwnCommittee,
    OwnGeneralBranch,
    OwnBranchCommittee,
    OwnBranch,
    TransferRelations,
    IndustryJoint,
    RegionalJoint,
    Instructor,
}

impl Recommendation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OwnCommittee => "own_committee",
            Self::OwnGeneralBranch => "own_general_branch",
            Self::OwnBranchCommittee => "own_branch_committee",
            Self::OwnBranch => "own_branch",
            Self::TransferRelations => "transfer_relations",
            Self::IndustryJoint => "industry_joint",
            Self::RegionalJoint => "regional_joint",
            Self::Instructor => "instructor",
        }
    }

    /// What users read: the form of party organization to found or join.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::OwnCommittee => "单独建立党委",
            Self::OwnGeneralBranch => "单独建立党总支",
            Self::OwnBranchCommittee => "单独建立党支部（设支部委员会）",
            Self::OwnBranch => "单独建立党支部",
            Self::TransferRelations => "转接党员组织关系后单独建立党支部",
            Self::IndustryJoint => "纳入行业党组织",
            Self::RegionalJoint => "组建区域联合党支部",
            Self::Instructor => "选派党建工作指导员或联络员",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::OwnCommittee => "Found its own party committee",
            Self::OwnGeneralBranch => "Found its own general branch",
            Self::OwnBranchCommittee => "Found its own branch (with a branch committee)",
            Self::OwnBranch => "Found its own branch",
            Self::TransferRelations => "Transfer members' relations, then found its own branch",
            Self::IndustryJoint => "Join the industry party organization",
            Self::RegionalJoint => "Form a regional joint branch",
            Self::Instructor => "Assign a party-building instructor or liaison",
        }
    }

    pub fn label(self, lang: super::lang::Lang) -> &'static str {
        lang.pick(self.label_zh(), self.label_en())
    }
}

/// Conditions that need attention beside the recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    CommitteeWithApproval,
    FullTimeDeputySecretary,
    EstablishWithRegistration,
    ElectionOverdue,
    ElectionDueSoon,
    DissolvePartyOrg,
    KeyContact,
    ReportOverdue,
    ShouldBuildNotBuilt,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CommitteeWithApproval => "committee_with_approval",
            Self::FullTimeDeputySecretary => "full_time_deputy_secretary",
            Self::EstablishWithRegistration => "establish_with_registration",
            Self::ElectionOverdue => "election_overdue",
            Self::ElectionDueSoon => "election_due_soon",
            Self::DissolvePartyOrg => "dissolve_party_org",
            Self::KeyContact => "key_contact",
            Self::ReportOverdue => "report_overdue",
            Self::ShouldBuildNotBuilt => "should_build_not_built",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::CommitteeWithApproval => "经批准可设党委",
            Self::FullTimeDeputySecretary => "须配备专职副书记",
            Self::EstablishWithRegistration => "须与登记同步建立党组织",
            Self::ElectionOverdue => "应换届未换届",
            Self::ElectionDueSoon => "即将到期换届",
            Self::DissolvePartyOrg => "党组织须报告、调整或撤销",
            Self::KeyContact => "重点联系",
            Self::ReportOverdue => "逾期未述职",
            Self::ShouldBuildNotBuilt => "应建未建",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::CommitteeWithApproval => "Committee possible with approval",
            Self::FullTimeDeputySecretary => "Full-time deputy secretary required",
            Self::EstablishWithRegistration => "Found the party organization with the registration",
            Self::ElectionOverdue => "Re-election overdue",
            Self::ElectionDueSoon => "Re-election due soon",
            Self::DissolvePartyOrg => "Party organization to report, change or dissolve",
            Self::KeyContact => "Key contact",
            Self::ReportOverdue => "Report overdue",
            Self::ShouldBuildNotBuilt => "Should build, not built",
        }
    }

    pub fn label(self, lang: super::lang::Lang) -> &'static str {
        lang.pick(self.label_zh(), self.label_en())
    }
}

/// The coverage an organization has now, from its recorded party organization and
/// instructor (domain.md 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    Own,
    Joint,
    Instructor,
    Uncovered,
}

impl Coverage {
    pub fn of(org: &Organization) -> Self {
        match org.party_org {
            PartyOrg::Committee | PartyOrg::GeneralBranch | PartyOrg::Branch => Self::Own,
            PartyOrg::JointIndustry | PartyOrg::JointRegional => Self::Joint,
            PartyOrg::None if org.instructor.is_some() => Self::Instructor,
            PartyOrg::None => Self::Uncovered,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Own => "own",
            Self::Joint => "joint",
            Self::Instructor => "instructor",
            Self::Uncovered => "uncovered",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Own => "单独组建",
            Self::Joint => "联合组建",
            Self::Instructor => "派驻指导员",
            Self::Uncovered => "未覆盖",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Own => "Own organization",
            Self::Joint => "Joint organization",
            Self::Instructor => "Instructor assigned",
            Self::Uncovered => "Uncovered",
        }
    }

    pub fn label(self, lang: super::lang::Lang) -> &'static str {
        lang.pick(self.label_zh(), self.label_en())
    }
}

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
            Instructor { formal } => format!(
                "正式党员{formal}名，暂不具备单独或联合组建条件：选派党建工作指导员或联络员，或先建工会、共青团组织，条件成熟时再组建"
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
    pub fn text_in(&self, lang: super::lang::Lang) -> String {
        match lang {
            super::lang::Lang::Zh => self.text(),
            super::lang::Lang::En => self.text_en(),
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
            Instructor { formal } => format!(
                "{formal} formal members and no group possible yet: assign a party-building instructor or liaison, or build a union or youth-league organization first; re-evaluate when conditions mature"
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

/// The regional joint branch an organization is proposed for.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GroupRef {
    pub id: String,
    /// Member keys: credit codes (name and division for those without one).
    pub members: Vec<String>,
}

/// The decision for one organization (formats.md "Decision").
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Decision {
    /// None for an organization that no longer operates (deregistered or merged).
    pub recommendation: Option<Recommendation>,
    pub flags: Vec<Flag>,
    pub coverage: Option<Coverage>,
    pub group: Option<GroupRef>,
    pub reasons: Vec<Reason>,
}

// Sources of the rules (domain.md 3). "Opinions" = the 2015 Opinions on party building in
// social organizations (trial); "organs regulation" = the 2019 regulation on basic-level
// party organizations in party and state organs.
const OPINIONS_7: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第七条 (Opinions, clause 7)";
const OPINIONS_8: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第八条 (Opinions, clause 8)";
const OPINIONS_9: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第九条 (Opinions, clause 9)";
const OPINIONS_10: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第十条 (Opinions, clause 10)";
const OPINIONS_11: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第十一条 (Opinions, clause 11)";
const OPINIONS_15: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第十五条 (Opinions, clause 15)";
const OPINIONS_18: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第十八条 (Opinions, clause 18)";
const OPINIONS_20: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第二十条 (Opinions, clause 20)";
const ORGANS_5: &str =
    "《中国共产党党和国家机关基层组织工作条例》第五条 (organs regulation, art. 5)";
const ORGANS_6: &str =
    "《中国共产党党和国家机关基层组织工作条例》第六条 (organs regulation, art. 6)";
const ORGANS_7: &str =
    "《中国共产党党和国家机关基层组织工作条例》第七条 (organs regulation, art. 7)";

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

/// Facts about the whole registry that single decisions depend on (R3).
#[derive(Debug, Clone, Default)]
pub struct RegistryContext {
    /// Industry associations that host an industry party organization (R3).
    associations_with_party_org: HashSet<CreditCode>,
    /// Per industry, the areas (division-code prefixes) where an industry party
    /// organization exists: an industry association with its own party organization, or
    /// an organization recorded in an industry joint party organization. The area is the
    /// host's registration level: national (all), provincial, municipal or county.
    industry_areas: HashMap<String, HashSet<String>>,
}

/// The recommendation of an organization given its R1-R3 placement and whether a regional
/// joint branch is proposed for it (R4), R5 otherwise; None once it no longer operates.
pub fn recommendation(
    org: &Organization,
    placement: Option<Recommendation>,
    grouped: bool,
) -> Option<Recommendation> {
    if !operates(org) {
        return None;
    }
    Some(match placement {
        Some(r) => r,
        None if grouped => Recommendation::RegionalJoint,
        None => Recommendation::Instructor,
    })
}

/// Whether an organization still operates: deregistered and merged ones have no decision
/// and count in no rate.
pub fn operates(org: &Organization) -> bool {
    matches!(org.status, Status::Active | Status::Changed)
}

pub fn has_own_party_org(org: &Organization) -> bool {
    matches!(
        org.party_org,
        PartyOrg::Committee | PartyOrg::GeneralBranch | PartyOrg::Branch
    )
}

/// R3: whether an organization hosts an industry party organization (依托行业协会商会建立
/// 行业党组织, clause 9): an industry association with its own party organization, or an
/// organization recorded in an industry joint one. Membership of a regional joint branch
/// makes no association a host: that branch serves its neighbourhood, not the industry.
pub fn hosts_industry_party_org(org: &Organization) -> bool {
    (org.is_industry_association && has_own_party_org(org))
        || org.party_org == PartyOrg::JointIndustry
}

/// The division-code prefix of the area an industry party organization hosted by this
/// organization serves: its registration level's province, city or county. A national
/// association's party organization serves its member units, not the whole country's
/// industry, so it opens no area (its members still join by R3's first condition).
fn area_prefix(org: &Organization) -> Option<&str> {
    let level = match org.level {
        Level::National => return None,
        Level::Provincial => DivisionLevel::Province,
        Level::Municipal => DivisionLevel::City,
        Level::County => DivisionLevel::County,
    };
    Some(org.division_code.prefix(level))
}

impl RegistryContext {
    pub fn build<'a>(orgs: impl IntoIterator<Item = &'a Organization>) -> Self {
        let mut ctx = Self::default();
        for org in orgs.into_iter().filter(|o| operates(o)) {
            if !hosts_industry_party_org(org) {
                continue;
            }
            if org.is_industry_association
                && let Some(code) = &org.credit_code
            {
                ctx.associations_with_party_org.insert(code.clone());
            }
            if let (Some(industry), Some(area)) = (&org.industry, area_prefix(org)) {
                ctx.industry_areas
                    .entry(industry.clone())
                    .or_default()
                    .insert(area.to_owned());
            }
        }
        ctx
    }

    /// R3: the industry party organization this organization can join, if any.
    fn industry_party_org<'o>(&self, org: &'o Organization) -> Option<IndustryLink<'o>> {
        if let Some(assoc) = &org.association
            && self.associations_with_party_org.contains(assoc)
        {
            return Some(IndustryLink::Association(assoc));
        }
        let industry = org.industry.as_ref()?;
        let areas = self.industry_areas.get(industry)?;
        let code = org.division_code.as_str();
        [2, 4, 6]
            .into_iter()
            .find(|&n| areas.contains(&code[..n]))
            .map(|n| IndustryLink::Industry(industry, &code[..n]))
    }
}

/// Where an organization's industry party organization is (borrowed from the
/// organization: placing a million organizations copies nothing).
enum IndustryLink<'o> {
    Association(&'o CreditCode),
    /// The industry, and the division-code prefix of the area its party organization serves.
    Industry(&'o str, &'o str),
}

/// The decisions of one registry on one day under one policy.
pub struct Assessor<'a> {
    pub policy: &'a Policy,
    pub context: &'a RegistryContext,
    /// The day R6, R7 and R10 are judged on.
    pub today: NaiveDate,
}

fn reason(rule: &'static str, clause: &'static str, detail: Detail) -> Reason {
    Reason {
        rule,
        clause,
        detail,
    }
}

/// `days` working days (Monday to Friday) after `from`.
pub fn add_working_days(from: NaiveDate, days: u32) -> NaiveDate {
    let mut date = from;
    let mut left = days;
    while left > 0 {
        date = date.succ_opt().expect("date in range");
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    date
}

impl Assessor<'_> {
    /// The placement by R1, R2, a recorded joint organization, or R3: everything decided
    /// before regional grouping. None leaves the organization to R4/R5.
    pub fn placement(&self, org: &Organization) -> Option<Recommendation> {
        let p = self.policy;
        let formal = org.formal_members;
        let members = org.formal_members + org.probationary_members;
        if formal >= p.own_organization_min_formal {
            // R1a / R1b / R1c by size.
            return Some(if members >= p.committee_min_members {
                Recommendation::OwnCommittee
            } else if members >= p.general_branch_min_members {
                Recommendation::OwnGeneralBranch
            } else if formal >= p.branch_committee_min_formal {
                Recommendation::OwnBranchCommittee
            } else {
                Recommendation::OwnBranch
            });
        }
        // R2: members whose relation is elsewhere would make up an own branch.
        if formal + org.members_elsewhere >= p.own_organization_min_formal {
            return Some(Recommendation::TransferRelations);
        }
        // Already in a joint organization: keep that form, do not regroup.
        match org.party_org {
            PartyOrg::JointIndustry => return Some(Recommendation::IndustryJoint),
            PartyOrg::JointRegional => return Some(Recommendation::RegionalJoint),
            _ => {}
        }
        // R3: an industry party organization to join.
        self.context
            .industry_party_org(org)
            .map(|_| Recommendation::IndustryJoint)
    }

    /// Whether the organization is a candidate for regional grouping (R4): operating,
    /// with 0 < F < 3 (or F = 0 if the policy allows), in no party organization, and not
    /// placed by R1-R3.
    pub fn is_grouping_candidate(&self, org: &Organization) -> bool {
        self.is_candidate_placed(org, || self.placement(org))
    }

    /// [`Self::is_grouping_candidate`] with the placement already known (or computed
    /// only when the cheaper conditions hold).
    pub fn is_candidate_placed(
        &self,
        org: &Organization,
        placement: impl FnOnce() -> Option<Recommendation>,
    ) -> bool {
        operates(org)
            && org.party_org == PartyOrg::None
            && (org.formal_members > 0 || self.policy.joint_branch_include_zero_members)
            && placement().is_none()
    }

    /// The full decision. `group` is the regional joint branch proposed for it, if any;
    /// `registered_now` marks a registration being made at this moment (R6).
    pub fn decide(
        &self,
        org: &Organization,
        group: Option<GroupRef>,
        registered_now: bool,
    ) -> Decision {
        self.decide_placed(org, self.placement(org), group, registered_now)
    }

    /// [`Self::decide`] with the organization's [`Self::placement`] already computed.
    pub fn decide_placed(
        &self,
        org: &Organization,
        placement: Option<Recommendation>,
        group: Option<GroupRef>,
        registered_now: bool,
    ) -> Decision {
        let p = self.policy;
        let mut flags = Vec::new();
        let mut reasons = Vec::with_capacity(3);
        let formal = org.formal_members;
        let probationary = org.probationary_members;
        let members = formal + probationary;
        let min = p.own_organization_min_formal;

        // R8: a change, merger or deregistration concerns the party organization too.
        if org.status != Status::Active && org.party_org != PartyOrg::None {
            flags.push(Flag::DissolvePartyOrg);
            reasons.push(reason(
                "R8",
                OPINIONS_8,
                Detail::StatusChanged { status: org.status },
            ));
        }
        if !operates(org) {
            return Decision {
                recommendation: None,
                flags,
                coverage: None,
                group: None,
                reasons,
            };
        }

        let recommendation = recommendation(org, placement, group.is_some())
            .expect("an operating organization has a recommendation");
        match recommendation {
            Recommendation::OwnCommittee
            | Recommendation::OwnGeneralBranch
            | Recommendation::OwnBranchCommittee
            | Recommendation::OwnBranch => {
                reasons.push(reason("R1", OPINIONS_8, Detail::Own { formal, min }));
                let branch_term = p.branch_term_years;
                reasons.push(match recommendation {
                    // R1a: F+P >= 100 -> party committee.
                    Recommendation::OwnCommittee => reason(
                        "R1a",
                        ORGANS_5,
                        Detail::Committee {
                            members,
                            formal,
                            probationary,
                            min: p.committee_min_members,
                            term: p.committee_term_years,
                        },
                    ),
                    // R1b: 50 <= F+P < 100 -> general branch.
                    Recommendation::OwnGeneralBranch => reason(
                        "R1b",
                        ORGANS_6,
                        Detail::GeneralBranch {
                            members,
                            formal,
                            probationary,
                            min: p.general_branch_min_members,
                            max: p.committee_min_members - 1,
                            term: branch_term,
                        },
                    ),
                    // R1c: a branch, with a committee from F >= 7.
                    Recommendation::OwnBranchCommittee => reason(
                        "R1c",
                        ORGANS_7,
                        Detail::BranchCommittee {
                            members,
                            formal,
                            min: p.branch_committee_min_formal,
                            term: branch_term,
                        },
                    ),
                    _ => reason(
                        "R1c",
                        ORGANS_7,
                        Detail::BranchSecretary {
                            members,
                            formal,
                            min: p.branch_committee_min_formal,
                            term: branch_term,
                        },
                    ),
                });
                // R1d: a large association may form a committee with approval.
                if let Some(units) = org.member_units
                    && org.kind == Kind::SocialGroup
                    && units >= p.large_association_member_units
                    && members < p.committee_min_members
                {
                    flags.push(Flag::CommitteeWithApproval);
                    reasons.push(reason(
                        "R1d",
                        OPINIONS_8,
                        Detail::LargeAssociation {
                            units,
                            min: p.large_association_member_units,
                        },
                    ));
                }
                // R1e: a committee needs a full-time deputy secretary.
                if members >= p.committee_min_members {
                    flags.push(Flag::FullTimeDeputySecretary);
                    reasons.push(reason(
                        "R1e",
                        OPINIONS_18,
                        Detail::DeputySecretary {
                            members,
                            min: p.committee_min_members,
                        },
                    ));
                }
            }
            // R2: members whose relation is elsewhere would make up an own branch.
            Recommendation::TransferRelations => reasons.push(reason(
                "R2",
                OPINIONS_15,
                Detail::Transfer {
                    formal,
                    elsewhere: org.members_elsewhere,
                    min,
                },
            )),
            Recommendation::IndustryJoint if org.party_org == PartyOrg::JointIndustry => {
                reasons.push(reason("R3", OPINIONS_9, Detail::KeepsIndustryJoint));
            }
            // R3: an industry party organization to join.
            Recommendation::IndustryJoint => {
                let detail = match self.context.industry_party_org(org) {
                    Some(IndustryLink::Association(code)) => Detail::Association {
                        code: code.clone(),
                        min,
                    },
                    Some(IndustryLink::Industry(industry, area)) => Detail::Industry {
                        industry: industry.to_owned(),
                        area: area.to_owned(),
                        min,
                    },
                    None => unreachable!("placement found an industry link"),
                };
                reasons.push(reason("R3", OPINIONS_9, detail));
            }
            Recommendation::RegionalJoint if org.party_org == PartyOrg::JointRegional => {
                reasons.push(reason("R4", OPINIONS_10, Detail::KeepsRegionalJoint));
            }
            // R4: a regional joint branch with nearby small organizations.
            Recommendation::RegionalJoint => {
                let g = group.as_ref().expect("grouped");
                reasons.push(reason(
                    "R4",
                    OPINIONS_10,
                    Detail::RegionalGroup {
                        formal,
                        others: g.members.len() - 1,
                        group_id: g.id.clone(),
                        distance_m: p.joint_branch_max_distance_m,
                    },
                ));
            }
            // R5: otherwise an instructor or liaison.
            Recommendation::Instructor => {
                reasons.push(reason("R5", OPINIONS_11, Detail::Instructor { formal }))
            }
        }

        // R6: a new registration with enough members establishes its organization with it.
        if formal >= min && !has_own_party_org(org) {
            let window = 0..=i64::from(p.new_registration_days);
            let recent = org
                .registered_on
                .is_some_and(|d| window.contains(&(self.today - d).num_days()));
            if registered_now || recent {
                let registered = org.registered_on.unwrap_or(self.today);
                let days = p.establish_within_working_days;
                flags.push(Flag::EstablishWithRegistration);
                reasons.push(reason(
                    "R6",
                    OPINIONS_11,
                    Detail::Establish {
                        formal,
                        due: add_working_days(registered, days),
                        days,
                    },
                ));
            }
        }

        if has_own_party_org(org) {
            self.term_flags(org, &mut flags, &mut reasons);
        }

        // R9: large organizations are key contacts of a county-or-higher department.
        if let Some(staff) = org.staff
            && staff >= p.key_contact_min_staff
        {
            flags.push(Flag::KeyContact);
            reasons.push(reason(
                "R9",
                OPINIONS_7,
                Detail::KeyContact {
                    staff,
                    min: p.key_contact_min_staff,
                },
            ));
        }

        if formal >= min && !has_own_party_org(org) {
            flags.push(Flag::ShouldBuildNotBuilt);
        }

        Decision {
            recommendation: Some(recommendation),
            flags,
            coverage: Some(Coverage::of(org)),
            group,
            reasons,
        }
    }

    /// R7 (elections) and R10 (yearly reports) of an organization with its own party
    /// organization.
    fn term_flags(&self, org: &Organization, flags: &mut Vec<Flag>, reasons: &mut Vec<Reason>) {
        let p = self.policy;
        let years = if org.party_org == PartyOrg::Committee {
            p.committee_term_years
        } else {
            p.branch_term_years
        };
        if let Some(start) = org.last_election_on.or(org.party_org_established_on) {
            let end = start + Months::new(12 * years);
            let soon = self.today + Months::new(p.election_due_soon_months);
            if end < self.today {
                flags.push(Flag::ElectionOverdue);
                reasons.push(reason(
                    "R7",
                    OPINIONS_8,
                    Detail::ElectionOverdue { start, years, end },
                ));
            } else if end <= soon {
                flags.push(Flag::ElectionDueSoon);
                reasons.push(reason(
                    "R7",
                    OPINIONS_8,
                    Detail::ElectionDueSoon {
                        years,
                        end,
                        months: p.election_due_soon_months,
                    },
                ));
            }
        }
        if let Some(last) = org.last_report_on.or(org.party_org_established_on)
            && last + Months::new(p.report_interval_months) < self.today
        {
            flags.push(Flag::ReportOverdue);
            reasons.push(reason(
                "R10",
                OPINIONS_20,
                Detail::ReportOverdue {
                    last,
                    months: p.report_interval_months,
                },
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::division::DivisionCode;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const TODAY: &str = "2026-11-25";

    pub(crate) use crate::domain::testing::org;

    fn decide_in(org: &Organization, context: &RegistryContext) -> Decision {
        let policy = Policy::default();
        Assessor {
            policy: &policy,
            context,
            today: day(TODAY),
        }
        .decide(org, None, false)
    }

    fn decide(org: &Organization) -> Decision {
        decide_in(org, &RegistryContext::default())
    }

    fn recommendation(org: &Organization) -> Recommendation {
        decide(org).recommendation.unwrap()
    }

    fn rules(d: &Decision) -> Vec<&'static str> {
        d.reasons.iter().map(|r| r.rule).collect()
    }

    #[test]
    fn r1_two_formal_members_are_not_enough_three_are() {
        assert_eq!(recommendation(&org(2)), Recommendation::Instructor);
        let d = decide(&org(3));
        assert_eq!(d.recommendation, Some(Recommendation::OwnBranch));
        assert_eq!(rules(&d), ["R1", "R1c"]);
        assert!(d.reasons[0].clause.contains("第八条"));
    }

    #[test]
    fn r1c_six_formal_members_have_a_secretary_seven_a_branch_committee() {
        assert_eq!(recommendation(&org(6)), Recommendation::OwnBranch);
        assert_eq!(recommendation(&org(7)), Recommendation::OwnBranchCommittee);
    }

    #[test]
    fn r1b_forty_nine_members_are_a_branch_fifty_a_general_branch_counting_probationary() {
        let o = Organization {
            probationary_members: 9,
            ..org(40)
        };
        assert_eq!(recommendation(&o), Recommendation::OwnBranchCommittee);
        let o = Organization {
            probationary_members: 10,
            ..org(40)
        };
        let d = decide(&o);
        assert_eq!(d.recommendation, Some(Recommendation::OwnGeneralBranch));
        assert_eq!(rules(&d), ["R1", "R1b"]);
        assert!(d.reasons[1].clause.contains("第六条"));
    }

    #[test]
    fn r1a_ninety_nine_members_are_a_general_branch_a_hundred_a_committee_with_r1e() {
        let o = Organization {
            probationary_members: 9,
            ..org(90)
        };
        assert_eq!(recommendation(&o), Recommendation::OwnGeneralBranch);
        assert!(!decide(&o).flags.contains(&Flag::FullTimeDeputySecretary));
        let o = Organization {
            probationary_members: 10,
            ..org(90)
        };
        let d = decide(&o);
        assert_eq!(d.recommendation, Some(Recommendation::OwnCommittee));
        assert!(d.flags.contains(&Flag::FullTimeDeputySecretary), "R1e");
        assert_eq!(rules(&d)[..3], ["R1", "R1a", "R1e"]);
    }

    #[test]
    fn r1_probationary_members_do_not_make_up_the_three_formal_members() {
        let o = Organization {
            probationary_members: 5,
            ..org(2)
        };
        assert_eq!(recommendation(&o), Recommendation::Instructor);
    }

    #[test]
    fn r2_members_elsewhere_count_only_for_transferring_relations() {
        let o = Organization {
            members_elsewhere: 1,
            ..org(2)
        };
        let d = decide(&o);
        assert_eq!(d.recommendation, Some(Recommendation::TransferRelations));
        assert_eq!(rules(&d), ["R2"]);
        assert!(d.reasons[0].clause.contains("第十五条"));
        let o = Organization {
            members_elsewhere: 1,
            ..org(1)
        };
        assert_eq!(recommendation(&o), Recommendation::Instructor, "1 + 1 < 3");
        // E never counts towards the size of an own organization (R1b needs F+P >= 50).
        let o = Organization {
            members_elsewhere: 10,
            ..org(45)
        };
        assert_eq!(recommendation(&o), Recommendation::OwnBranchCommittee);
    }

    #[test]
    fn r1d_a_large_association_may_have_a_committee_with_approval() {
        let o = Organization {
            member_units: Some(50),
            ..org(3)
        };
        let d = decide(&o);
        assert!(d.flags.contains(&Flag::CommitteeWithApproval));
        assert!(rules(&d).contains(&"R1d"));
        let o = Organization {
            member_units: Some(49),
            ..org(3)
        };
        assert!(!decide(&o).flags.contains(&Flag::CommitteeWithApproval));
        let o = Organization {
            member_units: Some(80),
            ..org(100)
        };
        assert!(
            !decide(&o).flags.contains(&Flag::CommitteeWithApproval),
            "already a committee"
        );
    }

    fn association(code_body: &str, industry: &str, party_org: PartyOrg) -> Organization {
        Organization {
            credit_code: Some(CreditCode::compose(b'5', b'1', "150102", code_body)),
            is_industry_association: true,
            industry: Some(industry.into()),
            party_org,
            ..org(5)
        }
    }

    #[test]
    fn r3_a_member_unit_of_an_association_with_a_party_organization_joins_it() {
        let assoc = association("MJ000900", "餐饮", PartyOrg::Branch);
        let context = RegistryContext::build([&assoc]);
        let member = Organization {
            association: assoc.credit_code.clone(),
            ..org(1)
        };
        let d = decide_in(&member, &context);
        assert_eq!(d.recommendation, Some(Recommendation::IndustryJoint));
        assert_eq!(rules(&d), ["R3"]);
        assert!(
            d.reasons[0]
                .text()
                .contains(assoc.credit_code.as_ref().unwrap().as_str())
        );

        let without = association("MJ000900", "餐饮", PartyOrg::None);
        let context = RegistryContext::build([&without]);
        assert_eq!(
            decide_in(&member, &context).recommendation,
            Some(Recommendation::Instructor)
        );
    }

    #[test]
    fn r3_an_association_only_in_a_regional_joint_branch_hosts_no_industry_party_organization() {
        // R3 (clause 9, 依托行业协会商会建立行业党组织): the host has its own party
        // organization or is in an industry joint one; a regional joint branch serves its
        // neighbourhood and makes nobody's member units join an industry organization.
        let member = |assoc: &Organization| Organization {
            association: assoc.credit_code.clone(),
            industry: Some("餐饮".into()),
            ..org(1)
        };
        let regional = association("MJ000900", "餐饮", PartyOrg::JointRegional);
        let context = RegistryContext::build([&regional]);
        assert_eq!(
            decide_in(&member(&regional), &context).recommendation,
            Some(Recommendation::Instructor)
        );
        for hosting in [
            PartyOrg::Branch,
            PartyOrg::GeneralBranch,
            PartyOrg::Committee,
            PartyOrg::JointIndustry,
        ] {
            let assoc = association("MJ000900", "餐饮", hosting);
            let context = RegistryContext::build([&assoc]);
            assert_eq!(
                decide_in(&member(&assoc), &context).recommendation,
                Some(Recommendation::IndustryJoint),
                "{hosting:?}"
            );
        }
    }

    #[test]
    fn r3_an_organization_of_the_same_industry_joins_the_industry_party_organization() {
        let assoc = association("MJ000900", "餐饮", PartyOrg::Branch);
        let context = RegistryContext::build([&assoc]);
        let same = Organization {
            industry: Some("餐饮".into()),
            ..org(2)
        };
        assert_eq!(
            decide_in(&same, &context).recommendation,
            Some(Recommendation::IndustryJoint)
        );
        let other = Organization {
            industry: Some("物流".into()),
            ..org(2)
        };
        assert_eq!(
            decide_in(&other, &context).recommendation,
            Some(Recommendation::Instructor)
        );
        // An organization recorded in an industry joint organization opens the industry too.
        let joint = Organization {
            industry: Some("物流".into()),
            party_org: PartyOrg::JointIndustry,
            ..org(1)
        };
        let context = RegistryContext::build([&joint]);
        assert_eq!(
            decide_in(&other, &context).recommendation,
            Some(Recommendation::IndustryJoint)
        );
    }

    #[test]
    fn r3_an_industry_party_organization_serves_the_area_of_its_registration_level() {
        let county_assoc = association("MJ000900", "餐饮", PartyOrg::Branch);
        let context = RegistryContext::build([&county_assoc]);
        let neighbour_county = Organization {
            industry: Some("餐饮".into()),
            division_code: DivisionCode::parse("150203001001").unwrap(),
            ..org(1)
        };
        assert_eq!(
            decide_in(&neighbour_county, &context).recommendation,
            Some(Recommendation::Instructor)
        );
        let city_assoc = Organization {
            level: Level::Municipal,
            division_code: DivisionCode::parse("150200").unwrap(),
            ..county_assoc.clone()
        };
        let context = RegistryContext::build([&city_assoc]);
        let d = decide_in(&neighbour_county, &context);
        assert_eq!(d.recommendation, Some(Recommendation::IndustryJoint));
        assert!(
            d.reasons[0].text().contains("1502"),
            "{}",
            d.reasons[0].text()
        );
        // A national association's party organization serves its member units only.
        let national = Organization {
            level: Level::National,
            ..county_assoc
        };
        let context = RegistryContext::build([&national]);
        assert_eq!(
            decide_in(&neighbour_county, &context).recommendation,
            Some(Recommendation::Instructor)
        );
        let member = Organization {
            association: national.credit_code.clone(),
            ..neighbour_county
        };
        assert_eq!(
            decide_in(&member, &context).recommendation,
            Some(Recommendation::IndustryJoint)
        );
    }

    #[test]
    fn an_organization_already_in_a_joint_branch_keeps_that_form() {
        let o = Organization {
            party_org: PartyOrg::JointRegional,
            ..org(1)
        };
        let d = decide(&o);
        assert_eq!(d.recommendation, Some(Recommendation::RegionalJoint));
        assert_eq!(d.coverage, Some(Coverage::Joint));
        let policy = Policy::default();
        let context = RegistryContext::default();
        let assessor = Assessor {
            policy: &policy,
            context: &context,
            today: day(TODAY),
        };
        assert!(!assessor.is_grouping_candidate(&o), "not regrouped");
        // R1 still applies when it has grown.
        let o = Organization {
            party_org: PartyOrg::JointIndustry,
            ..org(3)
        };
        assert_eq!(recommendation(&o), Recommendation::OwnBranch);
    }

    #[test]
    fn r5_an_organization_without_formal_members_gets_an_instructor() {
        let d = decide(&org(0));
        assert_eq!(d.recommendation, Some(Recommendation::Instructor));
        assert_eq!(rules(&d), ["R5"]);
        assert_eq!(d.coverage, Some(Coverage::Uncovered));
        let o = Organization {
            instructor: Some("王芳".into()),
            ..org(0)
        };
        assert_eq!(decide(&o).coverage, Some(Coverage::Instructor));
    }

    #[test]
    fn r6_a_new_registration_with_three_formal_members_establishes_with_it() {
        let o = Organization {
            registered_on: Some(day("2026-11-24")),
            ..org(3)
        };
        let d = decide(&o);
        assert!(d.flags.contains(&Flag::EstablishWithRegistration));
        let r6 = d.reasons.iter().find(|r| r.rule == "R6").unwrap();
        // Tuesday 2026-11-24 + 5 working days = Tuesday 2026-12-01.
        assert!(r6.text().contains("2026-12-01"), "{}", r6.text());
        let o = Organization {
            registered_on: Some(day("2026-10-25")),
            ..org(3)
        };
        assert!(
            !decide(&o).flags.contains(&Flag::EstablishWithRegistration),
            "31 days ago"
        );
        assert!(
            !decide(&org(3))
                .flags
                .contains(&Flag::EstablishWithRegistration),
            "date unknown"
        );
        let policy = Policy::default();
        let context = RegistryContext::default();
        let assessor = Assessor {
            policy: &policy,
            context: &context,
            today: day(TODAY),
        };
        assert!(
            assessor
                .decide(&org(3), None, true)
                .flags
                .contains(&Flag::EstablishWithRegistration)
        );
        assert!(
            !assessor
                .decide(&org(2), None, true)
                .flags
                .contains(&Flag::EstablishWithRegistration)
        );
        let founded = Organization {
            party_org: PartyOrg::Branch,
            ..org(3)
        };
        assert!(
            !assessor
                .decide(&founded, None, true)
                .flags
                .contains(&Flag::EstablishWithRegistration)
        );
    }

    fn branch_elected(on: &str) -> Organization {
        Organization {
            party_org: PartyOrg::Branch,
            last_election_on: Some(day(on)),
            last_report_on: Some(day("2026-06-01")),
            ..org(4)
        }
    }

    #[test]
    fn r7_a_term_that_ended_yesterday_is_overdue() {
        let d = decide(&branch_elected("2023-11-24"));
        assert!(d.flags.contains(&Flag::ElectionOverdue));
        assert!(rules(&d).contains(&"R7"));
    }

    #[test]
    fn r7_a_term_that_ends_today_is_due_soon_not_overdue() {
        let d = decide(&branch_elected("2023-11-25"));
        assert!(d.flags.contains(&Flag::ElectionDueSoon));
        assert!(!d.flags.contains(&Flag::ElectionOverdue));
    }

    #[test]
    fn r7_a_term_ending_in_six_months_is_due_soon_and_a_day_later_is_not() {
        assert!(
            decide(&branch_elected("2024-05-25"))
                .flags
                .contains(&Flag::ElectionDueSoon)
        );
        let d = decide(&branch_elected("2024-05-26"));
        assert!(
            !d.flags.contains(&Flag::ElectionDueSoon) && !d.flags.contains(&Flag::ElectionOverdue)
        );
    }

    #[test]
    fn r7_a_committee_has_five_year_terms_and_without_dates_there_is_no_flag() {
        let o = Organization {
            party_org: PartyOrg::Committee,
            last_election_on: Some(day("2022-01-01")),
            ..org(100)
        };
        assert!(!decide(&o).flags.contains(&Flag::ElectionOverdue));
        let o = Organization {
            party_org: PartyOrg::Branch,
            ..org(4)
        };
        let d = decide(&o);
        assert!(
            !d.flags.contains(&Flag::ElectionOverdue) && !d.flags.contains(&Flag::ReportOverdue)
        );
        // Without an election the founding date starts the term.
        let o = Organization {
            party_org: PartyOrg::Branch,
            party_org_established_on: Some(day("2020-01-01")),
            ..org(4)
        };
        assert!(decide(&o).flags.contains(&Flag::ElectionOverdue));
    }

    #[test]
    fn r8_a_deregistered_organization_has_no_decision_and_its_party_org_is_dissolved() {
        let o = Organization {
            status: Status::Deregistered,
            party_org: PartyOrg::Branch,
            ..org(5)
        };
        let d = decide(&o);
        assert_eq!(d.recommendation, None);
        assert_eq!(d.coverage, None);
        assert_eq!(d.flags, [Flag::DissolvePartyOrg]);
        assert_eq!(rules(&d), ["R8"]);
        let o = Organization {
            status: Status::Changed,
            party_org: PartyOrg::Branch,
            ..org(5)
        };
        let d = decide(&o);
        assert!(d.flags.contains(&Flag::DissolvePartyOrg));
        assert_eq!(
            d.recommendation,
            Some(Recommendation::OwnBranch),
            "a changed organization still operates"
        );
    }

    #[test]
    fn r9_three_hundred_staff_make_a_key_contact() {
        let o = Organization {
            staff: Some(299),
            ..org(0)
        };
        assert!(!decide(&o).flags.contains(&Flag::KeyContact));
        let o = Organization {
            staff: Some(300),
            ..org(0)
        };
        let d = decide(&o);
        assert!(d.flags.contains(&Flag::KeyContact));
        assert!(
            d.reasons
                .iter()
                .any(|r| r.rule == "R9" && r.clause.contains("第七条"))
        );
    }

    #[test]
    fn r10_a_report_more_than_a_year_ago_is_overdue() {
        let report = |on: &str| Organization {
            party_org: PartyOrg::Branch,
            last_election_on: Some(day("2026-01-01")),
            last_report_on: Some(day(on)),
            ..org(4)
        };
        assert!(
            decide(&report("2025-11-24"))
                .flags
                .contains(&Flag::ReportOverdue)
        );
        assert!(
            !decide(&report("2025-11-25"))
                .flags
                .contains(&Flag::ReportOverdue)
        );
    }

    #[test]
    fn should_build_not_built_is_three_formal_members_without_an_own_organization() {
        assert!(decide(&org(3)).flags.contains(&Flag::ShouldBuildNotBuilt));
        let o = Organization {
            party_org: PartyOrg::Branch,
            ..org(3)
        };
        assert!(!decide(&o).flags.contains(&Flag::ShouldBuildNotBuilt));
        let o = Organization {
            party_org: PartyOrg::JointRegional,
            ..org(3)
        };
        assert!(decide(&o).flags.contains(&Flag::ShouldBuildNotBuilt));
    }

    #[test]
    fn working_days_skip_weekends() {
        assert_eq!(add_working_days(day("2026-11-27"), 1), day("2026-11-30"));
        assert_eq!(add_working_days(day("2026-11-27"), 5), day("2026-12-04"));
    }
}
