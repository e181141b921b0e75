//! A division for a ledger row that has none: ledgers give the address (住所) and the credit
//! code, whose characters 3-8 are the registering authority's division; the township or
//! street whose name the address holds, among that division's, is where the organization is.

use super::DivisionCode;
use super::register::{Division, children, division_name, townships_under};

/// How an organization's division code was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DivisionSource {
    /// Given in the record.
    #[default]
    Given,
    /// The township (or village) the address names, within the registering division.
    Address,
    /// The registering authority's division (credit code characters 3-8) itself: the
    /// address named none of its townships.
    CreditCode,
}

impl DivisionSource {
    pub const ENGLISH: [&'static str; 3] = ["given", "address", "credit_code"];
    pub const CHINESE: [&'static str; 3] = ["填报", "住所推断", "信用代码推断"];
    pub const ALL: [DivisionSource; 3] = [Self::Given, Self::Address, Self::CreditCode];

    pub fn as_str(self) -> &'static str {
        Self::ENGLISH[self as usize]
    }

    pub fn label_zh(self) -> &'static str {
        Self::CHINESE[self as usize]
    }

    pub fn label_en(self) -> &'static str {
        ["given", "from the address", "from the credit code"][self as usize]
    }

    pub fn label(self, lang: crate::domain::lang::Lang) -> &'static str {
        lang.pick(self.label_zh(), self.label_en())
    }

    /// Reads the English key (any case) or the Chinese label.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        Self::ALL
            .into_iter()
            .find(|s| t.eq_ignore_ascii_case(s.as_str()) || t == s.label_zh())
    }
}

/// A derived division and how it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Derived {
    pub code: DivisionCode,
    pub source: DivisionSource,
}

/// The words a township's or village's name ends in, which addresses often leave out.
const SUFFIXES: [&str; 10] = [
    "居民委员会",
    "村民委员会",
    "居委会",
    "村委会",
    "街道办事处",
    "街道",
    "苏木",
    "镇",
    "乡",
    "村",
];

/// The part of a name an address is matched on: the whole name, or without its suffix
/// when at least two characters remain ("海拉尔东路街道" also as "海拉尔东路").
fn stems(name: &str) -> impl Iterator<Item = &str> {
    let bare = SUFFIXES
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .filter(|b| b.chars().count() >= 2);
    std::iter::once(name).chain(bare)
}

/// How well an address names a division: the longest of its stems the address holds.
fn score(address: &str, d: &Division) -> usize {
    stems(d.name)
        .filter(|stem| address.contains(stem))
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// The division of an organization whose record gives none, from its address within the
/// registering division (6 digits, as the credit code's characters 3-8 give it): the
/// township whose name the address holds (the longest match; among a city's or province's
/// townships, those of a county the address names first), then the village or community
/// it names within that township; else the registering division itself. `None` when the
/// registering division is not a division of the register's provinces (民政部's 100000).
pub fn derive(address: Option<&str>, registering: &str) -> Option<Derived> {
    let area = DivisionCode::parse(registering).ok()?;
    division_name(area.as_str())?;
    let fallback = Derived {
        code: area,
        source: DivisionSource::CreditCode,
    };
    let Some(address) = address.map(str::trim).filter(|a| !a.is_empty()) else {
        return Some(fallback);
    };
    let digits = &area.as_str()[..area.level().prefix_len()];
    let best = townships_under(digits)
        .map(|t| {
            let county = division_name(&t.code[..6]).unwrap_or("");
            let names_county = digits.len() < 6 && !county.is_empty() && address.contains(county);
            (score(address, &t), names_county, t)
        })
        .filter(|(s, ..)| *s > 0)
        // The longest name wins; a township of the county the address names beats one of
        // the same name elsewhere; the first in code order breaks ties.
        .max_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)).then(b.2.code.cmp(a.2.code)));
    let Some((_, _, township)) = best else {
        return Some(fallback);
    };
    let village = children(township.code)
        .into_iter()
        .map(|v| (score(address, &v), v))
        .filter(|(s, _)| *s > 0)
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.code.cmp(a.1.code)))
        .map(|(_, v)| v);
    let code = village.map_or(township.code, |v| v.code);
    Some(Derived {
        code: DivisionCode::parse(code).expect("the register's codes are valid"),
        source: DivisionSource::Address,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derived(address: &str, registering: &str) -> (String, DivisionSource) {
        let d = derive(Some(address), registering).unwrap();
        (d.code.to_string(), d.source)
    }

    #[test]
    fn the_township_the_address_names_within_the_registering_county() {
        assert_eq!(
            derived("呼和浩特市新城区海拉尔东路街道中山路12号", "150102"),
            ("150102001000".into(), DivisionSource::Address)
        );
        // Without the suffix, as addresses often write it.
        assert_eq!(
            derived("新城区锡林北路88号", "150102"),
            ("150102002000".into(), DivisionSource::Address)
        );
    }

    #[test]
    fn the_community_the_address_names_within_the_township() {
        assert_eq!(
            derived("新城区海拉尔东路街道公主府社区3号楼", "150102"),
            ("150102001001".into(), DivisionSource::Address)
        );
    }

    #[test]
    fn a_city_registration_finds_the_township_of_the_county_named() {
        // 1501 呼和浩特市: the address names 新城区 and its street.
        assert_eq!(
            derived("呼和浩特市新城区东街街道101号", "150100").0,
            "150102004000"
        );
    }

    #[test]
    fn without_a_township_named_the_registering_division_itself() {
        assert_eq!(
            derived("某某大厦5层", "150102"),
            ("150102000000".into(), DivisionSource::CreditCode)
        );
        assert_eq!(
            derive(None, "150102").unwrap().source,
            DivisionSource::CreditCode
        );
        // 民政部 registers national organizations: no division to derive.
        assert_eq!(derive(Some("北京市东城区"), "100000"), None);
    }

    #[test]
    fn sources_read_back_from_their_keys_and_labels() {
        for s in DivisionSource::ALL {
            assert_eq!(DivisionSource::parse(s.as_str()), Some(s));
            assert_eq!(DivisionSource::parse(s.label_zh()), Some(s));
        }
        assert_eq!(DivisionSource::parse("nonsense"), None);
    }
}
