//! The organizations table's row and its conversion to and from the domain.

use std::borrow::Cow;

use chrono::NaiveDate;
use h3o::CellIndex;

use super::StoreError;
use crate::domain::coords::LonLat;
use crate::domain::credit_code::CreditCode;
use crate::domain::division::{DivisionCode, DivisionSource};
use crate::domain::organization::{Kind, Level, Organization, PartyOrg, Status};
use crate::domain::stored::{StoredOrganization, cell_of_org};

/// A row of the organizations table. Its texts are `String`s as sqlx decodes them, or
/// borrowed from the JSON of a batch (see [`BatchRow`]) so that only the texts an
/// organization keeps are copied.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct OrgRow<S = String> {
    id: i64,
    credit_code: Option<S>,
    name: S,
    kind: S,
    level: S,
    division_code: S,
    address: Option<S>,
    lon: Option<f64>,
    lat: Option<f64>,
    cell: Option<i64>,
    industry: Option<S>,
    supervisor: Option<S>,
    is_industry_association: bool,
    association: Option<S>,
    member_units: Option<i64>,
    staff: Option<i64>,
    formal_members: i64,
    probationary_members: i64,
    members_elsewhere: i64,
    registered_on: Option<NaiveDate>,
    status: S,
    party_org: S,
    party_org_established_on: Option<NaiveDate>,
    last_election_on: Option<NaiveDate>,
    last_report_on: Option<NaiveDate>,
    instructor: Option<S>,
    division_source: S,
    deregistered_on: Option<NaiveDate>,
    version: i64,
}

/// One organization column's value as the database stores it.
pub(super) enum Column<'a> {
    Text(Option<&'a str>),
    Integer(Option<i64>),
    Real(Option<f64>),
    Bool(bool),
    Date(Option<NaiveDate>),
}

/// How many organization columns [`columns`] gives.
pub(super) const COLUMNS: usize = 27;

/// The 27 organization columns of INSERT and UPDATE, in their order: the one list every
/// writer (sqlx binds, SQLite's prepared statements, PostgreSQL's COPY) takes them from.
pub(super) fn columns(o: &Organization) -> [Column<'_>; COLUMNS] {
    use Column::*;
    [
        Text(o.credit_code.as_ref().map(|c| c.as_str())),
        Text(Some(&o.name)),
        Text(Some(o.kind.as_str())),
        Text(Some(o.level.as_str())),
        Text(Some(o.division_code.as_str())),
        Text(o.address.as_deref()),
        Real(o.location.map(|l| l.lon)),
        Real(o.location.map(|l| l.lat)),
        Integer(cell_column(o)),
        Text(o.industry.as_deref()),
        Text(o.supervisor.as_deref()),
        Bool(o.is_industry_association),
        Text(o.association.as_ref().map(|c| c.as_str())),
        Integer(o.member_units.map(i64::from)),
        Integer(o.staff.map(i64::from)),
        Integer(Some(i64::from(o.formal_members))),
        Integer(Some(i64::from(o.probationary_members))),
        Integer(Some(i64::from(o.members_elsewhere))),
        Date(o.registered_on),
        Text(Some(o.status.as_str())),
        Text(Some(o.party_org.as_str())),
        Date(o.party_org_established_on),
        Date(o.last_election_on),
        Date(o.last_report_on),
        Text(o.instructor.as_deref()),
        Text(Some(o.division_source.as_str())),
        Date(o.deregistered_on),
    ]
}

/// The cell column's value: the H3 index as a (non-negative) 64-bit integer; NULL
/// without a point.
pub(super) fn cell_column(org: &Organization) -> Option<i64> {
    cell_of_org(org).map(|c| u64::from(c) as i64)
}

pub(super) fn stored(id: i64, version: i64, org: Organization) -> StoredOrganization {
    StoredOrganization {
        id,
        version,
        cell: cell_of_org(&org),
        org,
    }
}

fn corrupt(id: i64, column: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("organization {id}, column {column}: {e}"))
}

fn count(id: i64, column: &str, v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|e| corrupt(id, column, e))
}

impl<S: AsRef<str> + Into<String>> OrgRow<S> {
    /// Reads a row back through the domain's parsers, so a row edited by hand in the
    /// database cannot smuggle in an invalid value.
    pub(super) fn into_stored(self) -> Result<StoredOrganization, StoreError> {
        let id = self.id;
        let credit = |c: Option<S>, col: &str| {
            c.map(|c| CreditCode::parse(c.as_ref()).map_err(|e| corrupt(id, col, e)))
                .transpose()
        };
        let org = Organization {
            credit_code: credit(self.credit_code, "credit_code")?,
            name: self.name.into(),
            kind: Kind::parse(self.kind.as_ref()).map_err(|e| corrupt(id, "kind", e))?,
            level: Level::parse(self.level.as_ref()).map_err(|e| corrupt(id, "level", e))?,
            division_code: DivisionCode::parse(self.division_code.as_ref())
                .map_err(|e| corrupt(id, "division_code", e))?,
            address: self.address.map(Into::into),
            location: match (self.lon, self.lat) {
                (Some(lon), Some(lat)) => Some(LonLat { lon, lat }),
                (None, None) => None,
                _ => return Err(corrupt(id, "lon", "one coordinate without the other")),
            },
            industry: self.industry.map(Into::into),
            supervisor: self.supervisor.map(Into::into),
            is_industry_association: self.is_industry_association,
            association: credit(self.association, "association")?,
            member_units: self
                .member_units
                .map(|v| count(id, "member_units", v))
                .transpose()?,
            staff: self.staff.map(|v| count(id, "staff", v)).transpose()?,
            formal_members: count(id, "formal_members", self.formal_members)?,
            probationary_members: count(id, "probationary_members", self.probationary_members)?,
            members_elsewhere: count(id, "members_elsewhere", self.members_elsewhere)?,
            registered_on: self.registered_on,
            status: Status::parse(self.status.as_ref()).map_err(|e| corrupt(id, "status", e))?,
            party_org: PartyOrg::parse(self.party_org.as_ref())
                .map_err(|e| corrupt(id, "party_org", e))?,
            party_org_established_on: self.party_org_established_on,
            last_election_on: self.last_election_on,
            last_report_on: self.last_report_on,
            instructor: self.instructor.map(Into::into),
            division_source: DivisionSource::parse(self.division_source.as_ref())
                .ok_or_else(|| corrupt(id, "division_source", self.division_source.as_ref()))?,
            deregistered_on: self.deregistered_on,
        };
        let cell = self
            .cell
            .map(|c| CellIndex::try_from(c as u64).map_err(|e| corrupt(id, "cell", e)))
            .transpose()?;
        if cell.is_some() != org.location.is_some() {
            return Err(corrupt(
                id,
                "cell",
                "a cell without a point, or a point without one",
            ));
        }
        Ok(StoredOrganization {
            id,
            version: self.version,
            cell,
            org,
        })
    }
}

/// A batch of rows as SQLite hands it over in one value (see [`SQLITE_BATCH`]): one JSON
/// array per row, columns by position. The driver passes each row between threads on its
/// own, which costs more than the row; a batch of thousands crosses once.
pub(super) const SQLITE_BATCH: &str = "SELECT json_group_array(json_array(id, credit_code, \
    name, kind, level, division_code, address, \
    CASE WHEN lon IS NULL THEN NULL ELSE quote(lon) END, \
    CASE WHEN lat IS NULL THEN NULL ELSE quote(lat) END, cell, industry, \
    supervisor, is_industry_association, association, member_units, staff, formal_members, \
    probationary_members, members_elsewhere, registered_on, status, party_org, \
    party_org_established_on, last_election_on, last_report_on, instructor, division_source, \
    deregistered_on, version)) \
    FROM (SELECT * FROM organizations WHERE id >= ?1 AND id < ?2 ORDER BY id)";

/// One row of [`SQLITE_BATCH`]. Coordinates come as SQLite's exact text of the stored
/// double (`quote`), since its JSON writes only 15 digits; dates as their text. Texts are
/// borrowed from the batch's JSON (owned only where JSON escaped a character): a million
/// rows' codes, names of kinds, dates and coordinates were a dozen allocations a row.
#[derive(serde::Deserialize)]
pub(super) struct BatchRow<'a>(
    i64,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    Option<i64>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    i64,
    #[serde(borrow)] Option<Cow<'a, str>>,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
    i64,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    i64,
);

impl<'a> BatchRow<'a> {
    pub(super) fn into_row(self) -> Result<OrgRow<Cow<'a, str>>, StoreError> {
        let id = self.0;
        let real = |text: Option<Cow<'a, str>>, column: &str| {
            text.map(|t| t.parse::<f64>().map_err(|e| corrupt(id, column, e)))
                .transpose()
        };
        let date = |text: Option<Cow<'a, str>>, column: &str| {
            text.map(|t| t.parse::<NaiveDate>().map_err(|e| corrupt(id, column, e)))
                .transpose()
        };
        Ok(OrgRow {
            id,
            credit_code: self.1,
            name: self.2,
            kind: self.3,
            level: self.4,
            division_code: self.5,
            address: self.6,
            lon: real(self.7, "lon")?,
            lat: real(self.8, "lat")?,
            cell: self.9,
            industry: self.10,
            supervisor: self.11,
            is_industry_association: self.12 != 0,
            association: self.13,
            member_units: self.14,
            staff: self.15,
            formal_members: self.16,
            probationary_members: self.17,
            members_elsewhere: self.18,
            registered_on: date(self.19, "registered_on")?,
            status: self.20,
            party_org: self.21,
            party_org_established_on: date(self.22, "party_org_established_on")?,
            last_election_on: date(self.23, "last_election_on")?,
            last_report_on: date(self.24, "last_report_on")?,
            instructor: self.25,
            division_source: self.26,
            deregistered_on: date(self.27, "deregistered_on")?,
            version: self.28,
        })
    }
}
