//! What single decisions need to know of the whole registry (R3's hosts and areas), and
//! the facts of one organization every rule asks.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::domain::credit_code::CreditCode;
use crate::domain::division::DivisionLevel;
use crate::domain::organization::{Level, Organization, PartyOrg, Status};

/// Facts about the whole registry that single decisions depend on (R3).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistryContext {
    /// Industry associations that host an industry party organization (R3).
    associations_with_party_org: HashSet<CreditCode>,
    /// Per industry, the areas (division-code prefixes) where an industry party
    /// organization exists: an industry association with its own party organization, or
    /// an organization recorded in an industry joint party organization. The area is the
    /// host's registration level: national (all), provincial, municipal or county.
    industry_areas: HashMap<String, HashSet<String>>,
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

    /// A test of whether R3 finds an industry party organization for an organization
    /// under one of the two contexts and not under the other: what a change of hosts
    /// changes, so that only those organizations are placed again.
    pub fn places_otherwise<'c>(
        &'c self,
        other: &'c Self,
    ) -> impl Fn(&Organization) -> bool + Sync + 'c {
        let associations: HashSet<&CreditCode> = self
            .associations_with_party_org
            .symmetric_difference(&other.associations_with_party_org)
            .collect();
        let differing = |a: &'c Self, b: &'c Self| {
            a.industry_areas
                .iter()
                .filter(move |(industry, areas)| b.industry_areas.get(*industry) != Some(areas))
                .map(|(industry, _)| industry.as_str())
        };
        let industries: HashSet<&str> = differing(self, other)
            .chain(differing(other, self))
            .collect();
        move |org| {
            let may_differ = org
                .association
                .as_ref()
                .is_some_and(|a| associations.contains(a))
                || org
                    .industry
                    .as_deref()
                    .is_some_and(|i| industries.contains(i));
            may_differ
                && self.industry_party_org(org).is_some() != other.industry_party_org(org).is_some()
        }
    }

    /// R3: the industry party organization this organization can join, if any.
    pub(super) fn industry_party_org<'o>(&self, org: &'o Organization) -> Option<IndustryLink<'o>> {
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
pub(super) enum IndustryLink<'o> {
    Association(&'o CreditCode),
    /// The industry, and the division-code prefix of the area its party organization serves.
    Industry(&'o str, &'o str),
}
