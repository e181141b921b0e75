//! What a decision is: the recommendation, the flags, the coverage and the group.

use serde::Serialize;

use super::reasons::Reason;
use crate::domain::organization::{Organization, PartyOrg};

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

    pub fn label(self, lang: crate::domain::lang::Lang) -> &'static str {
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

    pub fn label(self, lang: crate::domain::lang::Lang) -> &'static str {
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

    pub fn label(self, lang: crate::domain::lang::Lang) -> &'static str {
        lang.pick(self.label_zh(), self.label_en())
    }
}

/// The regional joint branch an organization is proposed for.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GroupRef {
    pub id: String,
    /// Member keys: credit codes (name and division for those without one), of the
    /// members inside the asking account's jurisdiction.
    pub members: Vec<String>,
    /// Members outside the asking account's jurisdiction (a village's neighbours): counted,
    /// never named.
    pub members_outside: usize,
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
