//! Shared builders for the domain's unit tests.

use super::coords::LonLat;
use super::credit_code::CreditCode;
use super::division::{DivisionCode, DivisionSource};
use super::organization::{Kind, Level, Organization, PartyOrg, Status};

/// A valid operating social group in Hohhot with `formal` formal members and nothing else
/// recorded: the starting point of rule tests.
pub(crate) fn org(formal: u32) -> Organization {
    Organization {
        credit_code: Some(CreditCode::compose(b'5', b'1', "150102", "MJ000123")),
        name: "测试协会".into(),
        kind: Kind::SocialGroup,
        level: Level::County,
        division_code: DivisionCode::parse("150102001001").unwrap(),
        address: None,
        location: Some(LonLat {
            lon: 111.67,
            lat: 40.82,
        }),
        industry: None,
        supervisor: None,
        is_industry_association: false,
        association: None,
        member_units: None,
        staff: None,
        formal_members: formal,
        probationary_members: 0,
        members_elsewhere: 0,
        registered_on: None,
        status: Status::Active,
        party_org: PartyOrg::None,
        party_org_established_on: None,
        last_election_on: None,
        last_report_on: None,
        instructor: None,
        division_source: DivisionSource::Given,
        deregistered_on: None,
    }
}
