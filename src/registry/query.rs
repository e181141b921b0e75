//! Coverage queries as every door takes them (the map's and the API's query strings, the
//! CLI's flags): the resolution, an area, the filters, narrowed to the account's
//! jurisdiction. Parsed here once, so the pages, the API and `orgcover export gaps` read a
//! bad value the same way.

use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::access::Account;
use crate::domain::coverage::{Bbox, Filter, Gap, Industries, MAX_RESOLUTION, MIN_RESOLUTION};
use crate::domain::snapshot::Snapshot;

/// The resolution gap lists are ranked at unless one is asked for.
pub const DEFAULT_GAP_RESOLUTION: u8 = 7;
use crate::domain::decision::Coverage;
use crate::domain::division::{DivisionLevel, parse_prefix};
use crate::domain::error::FieldError;
use crate::domain::organization::{Kind, Level};

/// A parameter's text when one was given: absent and blank are the same (an empty field
/// of a submitted form).
pub fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A day a form or a query gives (`YYYY-MM-DD`, or the slash and dot forms of Excel and
/// WPS); none when blank. The error names `field`.
pub fn day_of(
    v: Option<&str>,
    field: &'static str,
) -> Result<Option<chrono::NaiveDate>, FieldError> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| crate::domain::organization::date_of(s, field))
        .transpose()
}

/// The text a name search looks for (`q`). A control character can be in no name (every
/// door refuses them), and PostgreSQL refuses a NUL in a query: an error naming `q`.
pub fn name_search(q: &Option<String>) -> Result<Option<String>, FieldError> {
    let Some(text) = given(q) else {
        return Ok(None);
    };
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(FieldError::new(
            "q",
            format!("搜索文字含有控制字符 U+{:04X}", c as u32),
            format!(
                "the search text holds a control character, U+{:04X}",
                c as u32
            ),
        ));
    }
    Ok(Some(text.to_owned()))
}

/// A division prefix no code has (province codes start at 11): the answer to a filter
/// that lies wholly outside the jurisdiction is empty, never the filter's own area.
pub const NOTHING: &str = "00";

/// The division filter of a request narrowed to the account's jurisdiction: the filter
/// inside it, the jurisdiction when the filter covers more, [`NOTHING`] when they do not
/// meet; None (no filter) only for a national account that asked for none.
pub fn scoped(account: &Account, requested: Option<&str>) -> Option<String> {
    let requested = requested.map(str::trim).filter(|r| !r.is_empty());
    match account.narrow(requested) {
        Some(p) if p.is_empty() => None,
        Some(p) => Some(p),
        None => Some(NOTHING.to_owned()),
    }
}

/// [`scoped`] for a request that must be told of a bad prefix: a prefix that is not one
/// is refused naming `field` before it is narrowed (narrowing would turn it into the
/// empty answer of a filter outside the jurisdiction).
pub fn scoped_checked(
    account: &Account,
    requested: Option<&str>,
    field: &'static str,
) -> Result<Option<String>, FieldError> {
    let requested = requested.map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = requested {
        parse_prefix(r).map_err(|e| e.at(field))?;
    }
    Ok(scoped(account, requested))
}

/// What hexagons and gap lists take (all optional): the resolution, an area and the
/// filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CoverageParams {
    /// H3 resolution, 4 to 10 (7 by default).
    #[param(minimum = 4, maximum = 10)]
    pub res: Option<u8>,
    /// `west,south,east,north`, WGS84 degrees.
    pub bbox: Option<String>,
    /// social_group, private_non_enterprise, foundation, intermediary or community.
    pub kind: Option<String>,
    /// Registration level (national, provincial, municipal, county).
    pub registration_level: Option<String>,
    pub industry: Option<String>,
    /// Division-code prefix (2 = province ... 12 = village).
    pub division: Option<String>,
    /// own, joint, instructor or uncovered.
    pub coverage: Option<String>,
    /// The header row of a gap table (CSV, XLSX): en (the keys of the GeoJSON) or zh; CSV
    /// defaults to en, XLSX to zh. Other answers ignore it.
    pub headers: Option<String>,
    /// The figures at the end of this day (`YYYY-MM-DD`, in the service's time zone), as
    /// the registry stood then, rebuilt from the audit log; today by default.
    pub as_of: Option<String>,
    /// The hexagons (`/api/coverage/cells`) only: each also gets its change since the end
    /// of this earlier day (`YYYY-MM-DD`): `total_change`, `uncovered_change`,
    /// `should_build_not_built_change` and each rate's `_change`; hexagons emptied since
    /// are listed with zero counts.
    pub since: Option<String>,
}

/// What the division table takes (all optional): the level listed, its parent, the
/// filters, and `format=csv`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DivisionParams {
    /// The level listed: province, city, county or township (one below `parent` by
    /// default).
    pub level: Option<String>,
    /// The division-code prefix the listed divisions lie in; the whole country by default.
    pub parent: Option<String>,
    /// social_group, private_non_enterprise, foundation, intermediary or community.
    pub kind: Option<String>,
    /// Registration level (national, provincial, municipal, county).
    pub registration_level: Option<String>,
    pub industry: Option<String>,
    /// Division-code prefix (2 = province ... 12 = village).
    pub division: Option<String>,
    /// own, joint, instructor or uncovered.
    pub coverage: Option<String>,
    /// `csv` for a CSV answer, `json` (the default) for JSON.
    pub format: Option<String>,
    /// The figures at the end of this day (`YYYY-MM-DD`, in the service's time zone), as
    /// the registry stood then, rebuilt from the audit log; today by default.
    pub as_of: Option<String>,
}

/// The filters both kinds of request share, read the same way.
fn filter_of(
    industries: &Industries,
    kind: &Option<String>,
    registration_level: &Option<String>,
    industry: &Option<String>,
    division: &Option<String>,
    coverage: &Option<String>,
) -> Result<Filter, FieldError> {
    Ok(Filter {
        kind: given(kind).map(Kind::parse).transpose()?,
        level: given(registration_level)
            .map(|l| {
                Level::parse(l).map_err(|mut e| {
                    e.field = "registration_level";
                    e
                })
            })
            .transpose()?,
        industry: given(industry).map(|i| industries.lookup(i)),
        division: given(division)
            .map(|d| parse_prefix(d).map_err(|e| e.at("division")))
            .transpose()?
            .map(|d| Filter::division_range(&d)),
        coverage: given(coverage).map(parse_coverage).transpose()?,
    })
}

impl DivisionParams {
    /// The day asked for, if any.
    pub fn as_of(&self) -> Result<Option<chrono::NaiveDate>, FieldError> {
        day_of(self.as_of.as_deref(), "as_of")
    }

    pub fn filter(&self, industries: &Industries) -> Result<Filter, FieldError> {
        filter_of(
            industries,
            &self.kind,
            &self.registration_level,
            &self.industry,
            &self.division,
            &self.coverage,
        )
    }

    /// Whether `format=csv` was asked for (`json`, or none, for JSON).
    pub fn wants_csv(&self) -> Result<bool, FieldError> {
        match given(&self.format) {
            None | Some("json") => Ok(false),
            Some("csv") => Ok(true),
            Some(other) => Err(FieldError::new(
                "format",
                format!("格式应为 csv 或 json，现为“{other}”"),
                format!("format is csv or json, not '{other}'"),
            )),
        }
    }

    /// The request narrowed to what the account may see (its division filter and parent).
    pub fn scoped_to(mut self, account: &Account) -> Result<Self, FieldError> {
        self.division = scoped_checked(account, self.division.as_deref(), "division")?;
        if given(&self.parent).is_some() {
            self.parent = scoped_checked(account, self.parent.as_deref(), "parent")?;
        }
        Ok(self)
    }
}

pub fn parse_coverage(s: &str) -> Result<Coverage, FieldError> {
    [
        Coverage::Own,
        Coverage::Joint,
        Coverage::Instructor,
        Coverage::Uncovered,
    ]
    .into_iter()
    .find(|c| c.as_str() == s)
    .ok_or_else(|| {
        FieldError::new(
            "coverage",
            format!("覆盖状态应为 own、joint、instructor 或 uncovered，现为“{s}”"),
            format!("coverage is one of own, joint, instructor, uncovered, not '{s}'"),
        )
    })
}

pub fn parse_level(s: &str) -> Result<DivisionLevel, FieldError> {
    match s {
        "province" => Ok(DivisionLevel::Province),
        "city" => Ok(DivisionLevel::City),
        "county" => Ok(DivisionLevel::County),
        "township" => Ok(DivisionLevel::Township),
        _ => Err(FieldError::new(
            "level",
            format!("区划级别应为 province、city、county 或 township，现为“{s}”"),
            format!("level is one of province, city, county, township, not '{s}'"),
        )),
    }
}

impl CoverageParams {
    /// The day asked for, if any.
    pub fn as_of(&self) -> Result<Option<chrono::NaiveDate>, FieldError> {
        day_of(self.as_of.as_deref(), "as_of")
    }

    /// The earlier day the change is counted from, if any.
    pub fn since(&self) -> Result<Option<chrono::NaiveDate>, FieldError> {
        day_of(self.since.as_deref(), "since")
    }

    pub fn filter(&self, industries: &Industries) -> Result<Filter, FieldError> {
        filter_of(
            industries,
            &self.kind,
            &self.registration_level,
            &self.industry,
            &self.division,
            &self.coverage,
        )
    }

    /// The request narrowed to what the account may see (its division filter).
    pub fn scoped_to(mut self, account: &Account) -> Result<Self, FieldError> {
        self.division = scoped_checked(account, self.division.as_deref(), "division")?;
        Ok(self)
    }

    /// The header language a gap table asked for, if any.
    pub fn headers(&self) -> Result<Option<crate::io::csv::HeaderLanguage>, FieldError> {
        use crate::io::csv::HeaderLanguage;
        match given(&self.headers) {
            None => Ok(None),
            Some("en") => Ok(Some(HeaderLanguage::En)),
            Some("zh") => Ok(Some(HeaderLanguage::Zh)),
            Some(other) => Err(FieldError::new(
                "headers",
                format!("headers 应为 en 或 zh，现为“{other}”"),
                format!("headers is en or zh, not '{other}'"),
            )),
        }
    }

    /// The name a gap list is downloaded under: what it holds (resolution, division,
    /// filters) and the date of its figures, in ASCII and in Chinese (RFC 6266
    /// `filename*`).
    pub fn gap_file_names(&self, extension: &str, today: chrono::NaiveDate) -> (String, String) {
        let res = self
            .res(DEFAULT_GAP_RESOLUTION)
            .unwrap_or(DEFAULT_GAP_RESOLUTION);
        let mut ascii = vec![format!("gaps-res{res}")];
        let mut chinese = vec![format!("覆盖缺口-{res}级")];
        if let Some(d) = given(&self.division) {
            ascii.push(d.to_owned());
            chinese.push(
                crate::domain::division::division_name(d)
                    .unwrap_or(d)
                    .to_owned(),
            );
        }
        for (name, value) in [
            ("kind", &self.kind),
            ("level", &self.registration_level),
            ("coverage", &self.coverage),
        ] {
            if let Some(v) = given(value) {
                ascii.push(format!("{name}-{v}"));
                chinese.push(v.to_owned());
            }
        }
        if let Some(industry) = given(&self.industry) {
            ascii.push("industry".to_owned());
            chinese.push(industry.to_owned());
        }
        if given(&self.bbox).is_some() {
            ascii.push("bbox".to_owned());
            chinese.push("框选范围".to_owned());
        }
        let date = today.format("%Y-%m-%d").to_string();
        ascii.push(date.clone());
        chinese.push(date);
        // Only what a file name may hold in every system.
        let safe = |s: String, keep: fn(char) -> bool| {
            s.chars()
                .map(|c| if keep(c) || "-_.".contains(c) { c } else { '_' })
                .collect::<String>()
        };
        (
            format!(
                "{}.{extension}",
                safe(ascii.join("-"), |c| c.is_ascii_alphanumeric())
            ),
            format!(
                "{}.{extension}",
                safe(chinese.join("-"), char::is_alphanumeric)
            ),
        )
    }

    /// The ranked gaps of the query's area and filters (resolution 7 by default).
    pub fn gaps(&self, snapshot: &Snapshot) -> Result<Vec<Gap>, FieldError> {
        if given(&self.since).is_some() {
            return Err(FieldError::new(
                "since",
                "缺口清单不按比较日期列出：since 只用于网格（/api/coverage/cells）；往期缺口请用 as_of",
                "a gap list has no change: since is for /api/coverage/cells; as_of gives the gaps of a past day",
            ));
        }
        let filter = self.filter(snapshot.coverage().industries())?;
        let bbox = self.bbox()?;
        let res = self.res(DEFAULT_GAP_RESOLUTION)?;
        Ok(snapshot.gaps(res, bbox.as_ref(), &filter))
    }

    pub fn bbox(&self) -> Result<Option<Bbox>, FieldError> {
        given(&self.bbox).map(Bbox::parse).transpose()
    }

    pub fn res(&self, default: u8) -> Result<u8, FieldError> {
        let res = self.res.unwrap_or(default);
        if !(MIN_RESOLUTION..=MAX_RESOLUTION).contains(&res) {
            return Err(FieldError::new(
                "res",
                format!("H3 级别应在{MIN_RESOLUTION}到{MAX_RESOLUTION}之间，现为{res}"),
                format!("res is from {MIN_RESOLUTION} to {MAX_RESOLUTION}, not {res}"),
            ));
        }
        Ok(res)
    }
}
