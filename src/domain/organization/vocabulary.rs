//! The closed vocabularies of formats.md: each value's code, its Chinese and English labels,
//! and the Chinese words ledgers use for it.

use serde::{Deserialize, Serialize};

use crate::domain::error::FieldError;

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

            /// What `parse` takes, trimmed: these English names in any case...
            pub const ENGLISH: &[&str] = &[$($en),+];
            /// ...and these Chinese words exactly.
            pub const CHINESE: &[&str] = &[$($zh $(, $alias)*),+];

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
            pub fn label(self, lang: crate::domain::lang::Lang) -> &'static str {
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
