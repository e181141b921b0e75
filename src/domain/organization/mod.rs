//! The organization (社会组织) with every field of formats.md, and its validation.
//!
//! Raw input (a CSV row, a JSON body, a form) is an [`OrgInput`] of optional texts; it becomes
//! an [`Organization`] only through [`OrgInput::validate`], which reports every bad field.
//!
//! The parts: the vocabularies (kind, level, status, party organization) in `vocabulary`,
//! the 26 fields declared once in `fields`, and the validation of raw input in
//! `validation`.

mod fields;
#[cfg(test)]
mod tests;
mod validation;
mod vocabulary;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::coords::{Crs, LonLat};
use crate::domain::credit_code::CreditCode;
use crate::domain::division::{DivisionCode, DivisionSource};

pub use fields::{
    DESCRIPTIVE_COLUMNS, DIVISION_NAME_COLUMN, FIELDS, LEDGER_NAMES, OrgInput, REQUIRED_FIELDS,
    field_label, field_label_en, field_label_zh, field_of_header,
};
pub use validation::{
    MOST_PLAUSIBLE_COUNT, TEXT_FIELDS, check_dated, date_of, earliest_plausible_date, exact_whole,
    is_hidden,
};
pub use vocabulary::{Kind, Level, PartyOrg, Status};

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
    /// The WGS84 point; None when the record gives none (a ledger keeps only the address):
    /// counted in its division, in no hexagon, and not grouped with neighbours (R4).
    #[serde(flatten, serialize_with = "crate::domain::coords::serialize_point")]
    #[schema(inline, value_type = crate::domain::coords::PointJson)]
    pub location: Option<LonLat>,
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
    /// How the division code was found: given, or derived from the address or the credit
    /// code when the record had none.
    pub division_source: DivisionSource,
    /// The day of the deregistration, for a deregistered organization: it places the
    /// deregistration in time for the figures of a past date (none: from when recorded).
    pub deregistered_on: Option<NaiveDate>,
}

impl Organization {
    /// Every field as text, in the order of [`FIELDS`]: what a CSV row or a form holds
    /// (coordinates in WGS84, empty for what is not recorded).
    /// [`Self::field_texts`] with the vocabularies in Chinese (社会团体, 县级, 正常, 党支部,
    /// 是/否), as a Chinese ledger writes them; they read back as the same values.
    pub fn field_texts_zh(&self) -> [String; 27] {
        let mut texts = self.field_texts();
        texts[2] = self.kind.label_zh().to_owned();
        texts[3] = self.level.label_zh().to_owned();
        texts[11] = if self.is_industry_association {
            "是"
        } else {
            "否"
        }
        .to_owned();
        texts[19] = self.status.label_zh().to_owned();
        texts[20] = self.party_org.label_zh().to_owned();
        texts[25] = self.division_source.label_zh().to_owned();
        texts
    }

    pub fn field_texts(&self) -> [String; 27] {
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
            self.location.map(|l| l.lon.to_string()).unwrap_or_default(),
            self.location.map(|l| l.lat.to_string()).unwrap_or_default(),
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
            self.division_source.as_str().to_owned(),
            date(self.deregistered_on),
        ]
    }

    /// The organization deregistered `on` a day (R8): not after today, nor before its
    /// registration.
    pub fn deregistered(
        self,
        on: NaiveDate,
        today: NaiveDate,
    ) -> Result<Organization, crate::domain::error::ValidationErrors> {
        if let Some(registered) = self.registered_on.filter(|r| *r > on) {
            return Err(crate::domain::error::ValidationErrors(vec![
                crate::domain::error::FieldError::new(
                    "deregistered_on",
                    format!("注销日期 {on} 早于成立登记日期 {registered}"),
                    format!("deregistered on {on}, before the registration on {registered}"),
                ),
            ]));
        }
        let org = Organization {
            status: Status::Deregistered,
            deregistered_on: Some(on),
            ..self
        };
        check_dated(&org, today)?;
        Ok(org)
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
