//! Synthetic registries for demos, tests and benchmarks: realistic, well-formed, repeatable.
//!
//! Organizations sit around the real county centroids of `seed/divisions/counties.csv`,
//! clustered the way they cluster in office buildings and parks, in the register's real
//! townships and villages (`seed/divisions/`) with addresses that name them, valid credit codes whose category matches the kind, and a spread of
//! party members and recorded party organizations that leaves coverage partial. The same
//! seed gives the same registry: every draw comes from one seeded generator, in order.

use std::hash::BuildHasher;

use chrono::NaiveDate;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use crate::domain::boundary::Boundaries;
use crate::domain::coords::{CHINA_LAT, CHINA_LON, Crs, LonLat, wgs84_to_gcj02};
use crate::domain::credit_code::{ALPHABET, CIVIL_AFFAIRS, CreditCode};
use crate::domain::division::{self, DivisionCode};
use crate::domain::organization::{Kind, Level, Organization, PartyOrg, Status};

/// The demo's county outlines (seed/boundaries/README.md), compiled in: the demo loads them
/// into its database, and generated organizations are placed inside them.
pub const DEMO_BOUNDARIES: &[u8] =
    include_bytes!("../seed/boundaries/inner-mongolia-counties.geojson");

/// The demo's outlines, read once.
pub fn demo_boundaries() -> &'static Boundaries {
    static READ: std::sync::OnceLock<Boundaries> = std::sync::OnceLock::new();
    READ.get_or_init(|| {
        let file = crate::io::boundaries::read(DEMO_BOUNDARIES, &Default::default())
            .expect("the seed's boundary file reads");
        Boundaries::new(file.boundaries)
    })
}

const INDUSTRIES: [&str; 40] = [
    "学前教育",
    "职业培训",
    "医疗服务",
    "养老服务",
    "文化艺术",
    "体育健身",
    "科技服务",
    "法律服务",
    "会计审计",
    "批发零售",
    "建筑业",
    "农牧业",
    "社区服务",
    "慈善公益",
    "乳业",
    "稀土",
    "物流运输",
    "餐饮",
    "旅游",
    "住宿",
    "房地产",
    "物业管理",
    "家政服务",
    "环保",
    "软件信息",
    "广告传媒",
    "金融服务",
    "保险",
    "汽车维修",
    "美容美发",
    "婚庆服务",
    "心理咨询",
    "民族医药",
    "草原畜牧",
    "煤炭",
    "电力",
    "化工",
    "纺织",
    "印刷",
    "出版",
];
const BRAND: [&str; 24] = [
    "华", "德", "兴", "安", "明", "康", "宏", "瑞", "泰", "和", "嘉", "恒", "信", "达", "润", "远",
    "博", "慧", "鑫", "成", "阳", "光", "草原", "北疆",
];
const TOPICS: [&str; 12] = [
    "书法",
    "摄影",
    "老年体育",
    "青年志愿者",
    "民族文化",
    "马术",
    "诗词",
    "科普",
    "棋类",
    "医学",
    "心理咨询",
    "环境保护",
];
const SERVICES: [&str; 8] = [
    "幼儿园",
    "培训学校",
    "养老院",
    "康复中心",
    "社会工作服务中心",
    "职业技能培训学校",
    "民办医院",
    "图书馆",
];
const ACTIVITIES: [&str; 6] = [
    "文艺队",
    "志愿服务队",
    "健身队",
    "调解会",
    "读书会",
    "邻里互助会",
];
const INTERMEDIARIES: [&str; 4] = ["会计师事务所", "律师事务所", "资产评估所", "税务师事务所"];
const SUPERVISORS: [&str; 6] = [
    "教育局",
    "民政局",
    "卫生健康委员会",
    "文化旅游局",
    "科学技术局",
    "体育局",
];
const ROADS: [&str; 8] = [
    "中山", "新华", "人民", "团结", "建设", "胜利", "光明", "锡林",
];
const SURNAMES: [&str; 10] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: [&str; 10] = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "巴特尔",
];

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub orgs: usize,
    pub seed: u64,
    /// Only counties whose code starts with these digits (`15` = Inner Mongolia).
    pub division_prefix: Option<String>,
}

#[derive(Debug, Clone)]
struct County {
    code: String,
    name: String,
    centre: LonLat,
    weight: f64,
    hotspots: Vec<Hotspot>,
}

/// A building, park or block where organizations concentrate, in one township.
#[derive(Debug, Clone)]
struct Hotspot {
    centre: LonLat,
    township: &'static str,
    township_name: &'static str,
    /// The 12-digit codes of some of the township's villages and communities.
    villages: Vec<&'static str>,
}

/// Counties of the register that have a centroid and townships, optionally under a prefix.
fn counties(prefix: Option<&str>) -> Vec<(String, String, LonLat)> {
    division::counties_with_centroids()
        .filter(|(code, ..)| prefix.is_none_or(|p| code.starts_with(p)))
        .filter(|(code, ..)| division::townships_under(code).next().is_some())
        .map(|(code, name, lon, lat)| (code.to_owned(), name.to_owned(), LonLat { lon, lat }))
        .collect()
}

struct Generator {
    rng: Xoshiro256PlusPlus,
    /// Draws which organizations have no point.
    unlocated: Xoshiro256PlusPlus,
    /// Draws points again where the first fell outside the county's outline.
    placing: Xoshiro256PlusPlus,
    counties: Vec<County>,
    cumulative: Vec<f64>,
    code_offset: u128,
    /// Industry associations created so far, per industry, for member units to join.
    associations: Vec<Vec<CreditCode>>,
    /// Hashes of the names given so far: names are unique, as registration requires (a
    /// hash, not the name, keeps a million names in 8 MB).
    names: rustc_hash::FxHashSet<u64>,
}

/// A division's name as addresses write it: without 居民委员会, 村民委员会 and the like.
fn short_name(name: &str) -> &str {
    ["居民委员会", "村民委员会", "居委会", "村委会", "街道办事处"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(name)
}

/// The city an address starts with ("呼和浩特市"), none for a municipality's districts.
fn county_city(county: &str) -> &'static str {
    division::division_name(&county[..4])
        .filter(|name| !["市辖区", "县", "省直辖县级行政区划"].contains(name))
        .unwrap_or("")
}

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    // Box-Muller: enough for placing points, and reproducible from the seed.
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// A point `east_m`/`north_m` metres from `centre`, rounded to 1e-6 degrees (about 0.1 m,
/// what geocoders give) and kept inside China's bounding box.
fn offset(centre: LonLat, east_m: f64, north_m: f64) -> LonLat {
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let lat = centre.lat + north_m / 111_195.0;
    let lon = centre.lon + east_m / (111_195.0 * centre.lat.to_radians().cos());
    LonLat {
        lon: round(lon.clamp(CHINA_LON.0 + 0.01, CHINA_LON.1 - 0.01)),
        lat: round(lat.clamp(CHINA_LAT.0 + 0.01, CHINA_LAT.1 - 0.01)),
    }
}

/// `drawn` where it lies inside the county's outline (or no outline is known), else a point
/// drawn again around `centre` with the same spread, on its own stream so that every other
/// field stays as it was; around the point the county's name is drawn at when `centre`
/// itself lies outside (a concave banner's centroid), and that point as a last resort.
fn inside_county(
    placing: &mut Xoshiro256PlusPlus,
    county: &str,
    drawn: LonLat,
    centre: LonLat,
    spread: f64,
) -> LonLat {
    let outlines = demo_boundaries();
    if outlines.holds(county, drawn) != Some(false) {
        return drawn;
    }
    let Some(label) = outlines.label(county) else {
        return drawn;
    };
    let centre = if outlines.holds(county, centre) == Some(true) {
        centre
    } else {
        label
    };
    for _ in 0..32 {
        let again = offset(centre, normal(placing) * spread, normal(placing) * spread);
        if outlines.holds(county, again) == Some(true) {
            return again;
        }
    }
    label
}

fn pick<'a, T>(rng: &mut Xoshiro256PlusPlus, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn date_between(rng: &mut Xoshiro256PlusPlus, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let days = (to - from).num_days().max(0);
    from + chrono::Duration::days(rng.random_range(0..=days))
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

impl Generator {
    fn new(options: &GenerateOptions) -> Result<Self, String> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(options.seed);
        let mut placing = Xoshiro256PlusPlus::seed_from_u64(options.seed ^ PLACING_STREAM);
        let found = counties(options.division_prefix.as_deref());
        if found.is_empty() {
            return Err(format!(
                "no county in the seed data starts with {:?}",
                options.division_prefix.as_deref().unwrap_or("")
            ));
        }
        let counties: Vec<County> = found
            .into_iter()
            .map(|(code, name, centre)| {
                // Urban districts hold more organizations than rural banners and counties.
                let weight = if name.ends_with('区') {
                    3.0
                } else if name.ends_with('市') {
                    2.0
                } else {
                    1.0
                };
                let townships: Vec<_> = division::townships_under(&code).collect();
                let n = rng.random_range(3..=10);
                let hotspots = (0..n)
                    .map(|i| {
                        // The first hotspot is the county seat's first street.
                        let spread = if i == 0 { 500.0 } else { 4_000.0 };
                        let township = if i == 0 {
                            townships[0]
                        } else {
                            *pick(&mut rng, &townships)
                        };
                        let all_villages = division::children(township.code);
                        let count = if all_villages.is_empty() {
                            0
                        } else {
                            rng.random_range(1..=6)
                        };
                        let villages = (0..count)
                            .map(|_| pick(&mut rng, &all_villages).code)
                            .collect();
                        let drawn =
                            offset(centre, normal(&mut rng) * spread, normal(&mut rng) * spread);
                        Hotspot {
                            centre: inside_county(&mut placing, &code, drawn, centre, spread),
                            township: township.code,
                            township_name: township.name,
                            villages,
                        }
                    })
                    .collect();
                County {
                    code,
                    name,
                    centre,
                    weight,
                    hotspots,
                }
            })
            .collect();
        let mut total = 0.0;
        let cumulative = counties
            .iter()
            .map(|c| {
                total += c.weight;
                total
            })
            .collect();
        let code_offset = u128::from(rng.random::<u64>());
        Ok(Self {
            // Its own stream, so the other draws (and so every other field) stay what they
            // were before some organizations lost their point.
            unlocated: Xoshiro256PlusPlus::seed_from_u64(options.seed ^ UNLOCATED_STREAM),
            placing,
            rng,
            counties,
            cumulative,
            code_offset,
            associations: vec![Vec::new(); INDUSTRIES.len()],
            names: rustc_hash::FxHashSet::default(),
        })
    }

    /// An 8-symbol organization-code body unique to `index`: a bijection of the index
    /// modulo 31^8 (the multiplier is prime to 31), so codes never collide.
    fn body(&self, index: usize) -> String {
        const SPACE: u128 = 31u128.pow(8);
        let mut v = (index as u128 * 2_654_435_761 + self.code_offset) % SPACE;
        let mut body = [b'0'; 8];
        for slot in body.iter_mut().rev() {
            *slot = ALPHABET[(v % 31) as usize];
            v /= 31;
        }
        String::from_utf8(body.to_vec()).expect("ASCII")
    }

    fn organization(&mut self, index: usize) -> Organization {
        let total = *self.cumulative.last().expect("counties");
        let x = self.rng.random::<f64>() * total;
        let county = self
            .cumulative
            .partition_point(|&c| c < x)
            .min(self.counties.len() - 1);
        let county = self.counties[county].clone();
        let rng = &mut self.rng;

        // Three in four sit in a building or park; the rest are spread over the county.
        let in_hotspot = rng.random_bool(0.75);
        let hotspot = pick(rng, &county.hotspots).clone();
        let (centre, spread) = if in_hotspot {
            (hotspot.centre, 120.0)
        } else {
            (county.centre, 6_000.0)
        };
        let drawn = offset(centre, normal(rng) * spread, normal(rng) * spread);
        let location = inside_county(&mut self.placing, &county.code, drawn, centre, spread);
        let rng = &mut self.rng;
        let village = (!hotspot.villages.is_empty()).then(|| *pick(rng, &hotspot.villages));
        let division = DivisionCode::parse(village.unwrap_or(hotspot.township)).expect("valid");

        let kind = match rng.random_range(0..100) {
            0..40 => Kind::SocialGroup,
            40..80 => Kind::PrivateNonEnterprise,
            80..82 => Kind::Foundation,
            82..85 => Kind::Intermediary,
            _ => Kind::Community,
        };
        let level = match (kind, rng.random_range(0..1000)) {
            (Kind::Community, _) => Level::County,
            (_, 0..2) => Level::National,
            (_, 2..80) => Level::Provincial,
            (_, 80..330) => Level::Municipal,
            _ => Level::County,
        };
        let industry_index = rng.random_range(0..INDUSTRIES.len());
        let industry = INDUSTRIES[industry_index];
        let is_industry_association = kind == Kind::SocialGroup && rng.random_bool(0.08);
        let brand = format!("{}{}", pick(rng, &BRAND), pick(rng, &BRAND));
        let place = county.name.as_str();
        let name = match kind {
            Kind::SocialGroup if is_industry_association => {
                let suffix = if rng.random_bool(0.5) {
                    "行业协会"
                } else {
                    "商会"
                };
                format!("{place}{brand}{industry}{suffix}")
            }
            Kind::SocialGroup => {
                let suffix = pick(rng, &["协会", "学会", "研究会", "联合会"]);
                format!("{place}{}{suffix}", pick(rng, &TOPICS))
            }
            Kind::PrivateNonEnterprise => format!("{place}{brand}{}", pick(rng, &SERVICES)),
            Kind::Foundation => format!("{place}{brand}{}基金会", pick(rng, &TOPICS)),
            Kind::Intermediary => format!("{brand}{}", pick(rng, &INTERMEDIARIES)),
            Kind::Community => {
                // A community's name carries its village or community and, being keyed by
                // name and division, a serial that keeps it unique.
                let home = short_name(
                    village
                        .and_then(division::division_name)
                        .unwrap_or(hotspot.township_name),
                );
                format!("{home}{}第{index}队", pick(rng, &ACTIVITIES))
            }
        };
        // A name already given gets its township after the place, then a brand, then a
        // serial: as offices name a second society of the same topic.
        let township = short_name(hotspot.township_name);
        let candidates = [
            name.clone(),
            name.replacen(place, &format!("{place}{township}"), 1),
            name.replacen(place, &format!("{place}{township}{brand}"), 1),
        ];
        let hash = |n: &str| rustc_hash::FxBuildHasher.hash_one(n);
        let name = candidates
            .into_iter()
            .find(|n| !self.names.contains(&hash(n)))
            .unwrap_or_else(|| format!("{name}（{index}）"));
        self.names.insert(hash(&name));

        let formal_members: u32 = match rng.random_range(0..1000) {
            0..400 => 0,
            400..600 => 1,
            600..730 => 2,
            730..920 => rng.random_range(3..=6),
            920..990 => rng.random_range(7..=49),
            990..998 => rng.random_range(50..=99),
            _ => rng.random_range(100..=300),
        };
        let probationary_members = if formal_members > 0 && rng.random_bool(0.3) {
            rng.random_range(1..=(formal_members / 5).max(1))
        } else {
            0
        };
        let members_elsewhere = if rng.random_bool(0.25) {
            rng.random_range(1..=3)
        } else {
            0
        };
        let staff = if formal_members >= 50 || rng.random_bool(0.005) {
            rng.random_range(300..=2_000)
        } else {
            (normal(rng) + 2.3).exp().clamp(1.0, 299.0) as u32
        };

        let registered_on = date_between(rng, ymd(1995, 1, 1), ymd(2026, 10, 31));
        let own = |rng: &mut Xoshiro256PlusPlus, p: f64, form: PartyOrg| {
            if rng.random_bool(p) {
                form
            } else {
                PartyOrg::None
            }
        };
        let party_org = match formal_members + probationary_members {
            _ if formal_members >= 3 && rng.random_bool(0.05) => PartyOrg::JointRegional,
            n if n >= 100 => own(rng, 0.85, PartyOrg::Committee),
            n if n >= 50 => own(rng, 0.75, PartyOrg::GeneralBranch),
            _ if formal_members >= 3 => own(rng, 0.6, PartyOrg::Branch),
            _ if formal_members >= 1 => match rng.random_range(0..1000) {
                0..250 => PartyOrg::JointRegional,
                250..265 => PartyOrg::JointIndustry,
                _ => PartyOrg::None,
            },
            _ => own(rng, 0.05, PartyOrg::JointRegional),
        };
        let has_party_org = party_org != PartyOrg::None;
        let last_day = ymd(2026, 10, 31);
        let party_org_established_on = has_party_org.then(|| {
            date_between(
                rng,
                registered_on,
                (registered_on + chrono::Duration::days(5 * 365)).min(last_day),
            )
        });
        // Elections are recorded for own party organizations (R7), as the record forms
        // and every other door require.
        let own_party_org = matches!(
            party_org,
            PartyOrg::Committee | PartyOrg::GeneralBranch | PartyOrg::Branch
        );
        let last_election_on = party_org_established_on
            .filter(|_| rng.random_bool(0.7))
            .map(|est| date_between(rng, est.max(ymd(2019, 1, 1)), last_day))
            // Drawn all the same, so that the rest of the registry stays as it was.
            .filter(|_| own_party_org);
        let last_report_on = party_org_established_on
            .filter(|_| rng.random_bool(0.6))
            .map(|est| date_between(rng, est.max(ymd(2024, 1, 1)), last_day));
        let instructor_odds = if has_party_org { 0.1 } else { 0.35 };
        let instructor = rng
            .random_bool(instructor_odds)
            .then(|| format!("{}{}", pick(rng, &SURNAMES), pick(rng, &GIVEN)));
        let status = match rng.random_range(0..100) {
            0..94 => Status::Active,
            94..96 => Status::Changed,
            96..97 => Status::Merged,
            _ => Status::Deregistered,
        };

        let credit_code = (kind != Kind::Community).then(|| {
            let authority_division = match level {
                Level::National => "100000".to_owned(),
                Level::Provincial => format!("{}0000", &county.code[..2]),
                Level::Municipal => format!("{}00", &county.code[..4]),
                Level::County => county.code.clone(),
            };
            let category = kind.civil_affairs_category();
            CreditCode::compose(
                CIVIL_AFFAIRS,
                category,
                &authority_division,
                &self.body(index),
            )
        });
        let rng = &mut self.rng;
        let pool = &mut self.associations[industry_index];
        let association = if !is_industry_association && !pool.is_empty() && rng.random_bool(0.15) {
            Some(pool[rng.random_range(0..pool.len())].clone())
        } else {
            None
        };
        if is_industry_association && let Some(code) = &credit_code {
            pool.push(code.clone());
            if pool.len() > 64 {
                pool.remove(0);
            }
        }
        let supervisor = (kind == Kind::SocialGroup && rng.random_bool(0.4))
            .then(|| format!("{place}{}", pick(rng, &SUPERVISORS)));
        let address = format!(
            "{}{place}{}{}{}路{}号",
            county_city(&county.code),
            hotspot.township_name,
            village
                .and_then(division::division_name)
                .map_or("", short_name),
            pick(rng, &ROADS),
            rng.random_range(1..=300)
        );

        Organization {
            credit_code,
            name,
            kind,
            level,
            division_code: division,
            address: Some(address),
            location: (!self.unlocated.random_bool(UNLOCATED_SHARE)).then_some(location),
            industry: Some(industry.to_owned()),
            supervisor,
            is_industry_association,
            association,
            member_units: is_industry_association.then(|| rng.random_range(20..=400)),
            staff: Some(staff),
            formal_members,
            probationary_members,
            members_elsewhere,
            registered_on: Some(registered_on),
            status,
            party_org,
            party_org_established_on,
            last_election_on,
            last_report_on,
            instructor,
            division_source: division::DivisionSource::Given,
            // Halfway from the registration to the last day: no draw, so that the rest of
            // the registry stays as it was.
            deregistered_on: (status == Status::Deregistered)
                .then(|| registered_on + (last_day - registered_on) / 2),
        }
    }
}

/// The share of organizations generated without a point, as the ledgers that keep only the
/// address give them.
const UNLOCATED_SHARE: f64 = 0.05;
const UNLOCATED_STREAM: u64 = 0x9E37_79B9_7F4A_7C15;
/// The stream that draws points again inside their county's outline.
const PLACING_STREAM: u64 = 0xD1B5_4A32_D192_ED03;

/// How a generated file writes an organization's point: one in eight in GCJ-02, as a ledger
/// geocoded with Amap or Tencent holds it (the import converts it back), the rest in WGS84.
/// Decided from the name, so the same registry is written the same way.
pub fn written_point(org: &Organization) -> Option<(Crs, LonLat)> {
    let point = org.location?;
    let hash = rustc_hash::FxBuildHasher.hash_one(&org.name);
    if hash % 8 == 3 {
        let (lon, lat) = wgs84_to_gcj02(point.lon, point.lat);
        Some((Crs::Gcj02, LonLat { lon, lat }))
    } else {
        Some((Crs::Wgs84, point))
    }
}

/// Generates `options.orgs` organizations, handing each to `emit` in order.
pub fn generate<E>(
    options: &GenerateOptions,
    mut emit: impl FnMut(Organization) -> Result<(), E>,
) -> Result<(), GenerateError<E>> {
    let mut generator = Generator::new(options).map_err(GenerateError::Options)?;
    for index in 0..options.orgs {
        emit(generator.organization(index)).map_err(GenerateError::Emit)?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError<E> {
    #[error("{0}")]
    Options(String),
    #[error("{0}")]
    Emit(E),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coords::Crs;
    use std::collections::HashSet;

    fn sample(n: usize, seed: u64, prefix: Option<&str>) -> Vec<Organization> {
        let mut out = Vec::new();
        let options = GenerateOptions {
            orgs: n,
            seed,
            division_prefix: prefix.map(Into::into),
        };
        generate(&options, |o| {
            out.push(o);
            Ok::<_, ()>(())
        })
        .unwrap();
        out
    }

    #[test]
    fn the_same_seed_gives_the_same_registry_and_another_seed_another() {
        assert_eq!(sample(500, 7, None), sample(500, 7, None));
        assert_ne!(sample(500, 7, None), sample(500, 8, None));
    }

    #[test]
    fn generated_organizations_pass_validation_and_have_unique_keys() {
        let orgs = sample(20_000, 1, None);
        let mut keys = HashSet::new();
        for org in &orgs {
            assert!(keys.insert(org.key()), "duplicate {}", org.key());
            if let Some(code) = &org.credit_code {
                CreditCode::parse(code.as_str()).unwrap();
                code.check_kind(org.kind).unwrap();
            }
            assert_eq!(org.division_code.as_str().len(), 12);
            if let Some(p) = org.location {
                LonLat::parse(p.lon, p.lat, Crs::Wgs84).unwrap();
            }
        }
    }

    #[test]
    fn some_have_no_point_and_some_are_written_in_gcj02_which_reads_back_within_a_metre() {
        let orgs = sample(4_000, 2, Some("15"));
        let unlocated = orgs.iter().filter(|o| o.location.is_none()).count();
        assert!(
            (100..300).contains(&unlocated),
            "{unlocated} of 4000 without a point"
        );
        let mut gcj02 = 0;
        for org in &orgs {
            let Some((crs, written)) = written_point(org) else {
                assert!(org.location.is_none());
                continue;
            };
            let back = LonLat::parse(written.lon, written.lat, crs).unwrap();
            let original = org.location.unwrap();
            assert!(crate::domain::coords::distance_m(back, original) < 1.0);
            if crs == Crs::Gcj02 {
                gcj02 += 1;
                assert!(crate::domain::coords::distance_m(written, original) > 50.0);
            }
        }
        assert!((300..700).contains(&gcj02), "{gcj02} written in GCJ-02");
    }

    #[test]
    fn party_members_are_spread_as_in_real_registries() {
        let orgs = sample(20_000, 3, None);
        let share = |f: &dyn Fn(&Organization) -> bool| {
            orgs.iter().filter(|o| f(o)).count() as f64 / orgs.len() as f64
        };
        let none_to_two = share(&|o| o.formal_members < 3);
        let three_or_more = share(&|o| o.formal_members >= 3);
        let fifty_or_more = share(&|o| o.formal_members + o.probationary_members >= 50);
        assert!(none_to_two > 0.6, "{none_to_two}");
        assert!((0.2..0.35).contains(&three_or_more), "{three_or_more}");
        assert!(
            fifty_or_more > 0.0 && fifty_or_more < 0.02,
            "{fifty_or_more}"
        );
        let covered = share(&|o| o.party_org != PartyOrg::None || o.instructor.is_some());
        assert!(
            (0.2..0.8).contains(&covered),
            "coverage should be partial: {covered}"
        );
    }

    #[test]
    fn a_province_prefix_keeps_every_organization_inside_it() {
        for org in sample(2_000, 5, Some("15")) {
            assert_eq!(org.division_code.province(), "15");
            if let Some(p) = org.location {
                assert!((97.0..127.0).contains(&p.lon), "{p:?}");
            }
        }
    }
}
