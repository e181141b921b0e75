//! What a client may ask of a collection's items beyond a page (OGC API - Features Part 3
//! and the common extensions): the queryables, a CQL2 filter (text or JSON) or a property's
//! value as a parameter, `sortby`, `properties` and `skipGeometry`.
//!
//! cql2 parses both encodings; the expression is then compiled to a test over the typed
//! fields of the registry, not over each item's JSON: cql2's own evaluator takes a JSON
//! value per item, and writing a million organizations as JSON to test two fields is what
//! made a filtered first page slow (docs/performance.md "OGC API filters").

use std::cmp::Ordering;

use serde_json::{Value, json};

use crate::domain::error::FieldError;
use crate::io::features::{Prop, Queryable, Record, Type};

/// A value a filter compares with.
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    Bool(bool),
    Number(f64),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparison {
    fn parse(op: &str) -> Option<Self> {
        Some(match op {
            "=" => Self::Eq,
            "<>" | "!=" => Self::Ne,
            "<" => Self::Lt,
            "<=" => Self::Le,
            ">" => Self::Gt,
            ">=" => Self::Ge,
            _ => return None,
        })
    }

    /// The same test with its sides swapped (`3 < x` is `x > 3`).
    fn flipped(self) -> Self {
        match self {
            Self::Lt => Self::Gt,
            Self::Le => Self::Ge,
            Self::Gt => Self::Lt,
            Self::Ge => Self::Le,
            same => same,
        }
    }

    fn holds(self, o: Ordering) -> bool {
        match self {
            Self::Eq => o == Ordering::Equal,
            Self::Ne => o != Ordering::Equal,
            Self::Lt => o == Ordering::Less,
            Self::Le => o != Ordering::Greater,
            Self::Gt => o == Ordering::Greater,
            Self::Ge => o != Ordering::Less,
        }
    }
}

/// A compiled filter.
#[derive(Debug, Clone)]
pub enum Test {
    All(Vec<Test>),
    Any(Vec<Test>),
    Not(Box<Test>),
    /// A test of one property's value.
    Property {
        property: usize,
        check: Check,
    },
    Intersects(geo::Geometry<f64>),
    Constant(bool),
}

/// What a test asks of one property's value.
#[derive(Debug, Clone)]
pub enum Check {
    Compare {
        op: Comparison,
        value: Constant,
        case_insensitive: bool,
    },
    Like(regex::Regex),
    In(Vec<Constant>),
    Between {
        low: f64,
        high: f64,
    },
    IsNull,
}

impl Check {
    fn on(self, property: usize) -> Test {
        Test::Property {
            property,
            check: self,
        }
    }

    /// Whether the value `p` passes.
    fn holds_for(&self, p: &Prop<'_>) -> bool {
        match self {
            Check::Compare {
                op,
                value,
                case_insensitive,
            } => compare(p, value, *case_insensitive).is_some_and(|o| op.holds(o)),
            Check::Like(pattern) => matches!(p, Prop::Text(t) if pattern.is_match(t)),
            Check::In(values) => values
                .iter()
                .any(|v| compare(p, v, false) == Some(Ordering::Equal)),
            Check::Between { low, high } => {
                matches!(p, Prop::Number(x) if *low <= *x && *x <= *high)
            }
            Check::IsNull => *p == Prop::Null,
        }
    }
}

fn compare(p: &Prop<'_>, c: &Constant, case_insensitive: bool) -> Option<Ordering> {
    match (p, c) {
        (Prop::Number(a), Constant::Number(b)) => a.partial_cmp(b),
        (Prop::Text(a), Constant::Text(b)) if case_insensitive => {
            Some(a.to_lowercase().cmp(&b.to_lowercase()))
        }
        (Prop::Text(a), Constant::Text(b)) => Some(a.as_ref().cmp(b.as_str())),
        (Prop::Bool(a), Constant::Bool(b)) => Some(a.cmp(b)),
        // A null compares with nothing: the test fails, as SQL's unknown does.
        _ => None,
    }
}

/// What is known of an item before it is read in full: some properties, and its point.
pub trait Probe {
    /// The property at `index`, when known without reading the item.
    fn known(&self, index: usize) -> Option<Prop<'_>>;
    /// Whether it intersects `area`, when known.
    fn intersects(&self, area: &geo::Geometry<f64>) -> Option<bool>;
}

/// A record read in full: every property and its geometry are known.
struct Whole<'r>(&'r dyn Record);

impl Probe for Whole<'_> {
    fn known(&self, index: usize) -> Option<Prop<'_>> {
        Some(self.0.property(index))
    }

    fn intersects(&self, area: &geo::Geometry<f64>) -> Option<bool> {
        Some(self.0.intersects(area))
    }
}

impl Test {
    /// The test's answer from what `probe` knows: `None` when it needs more. A million
    /// organizations are read in full only where the cheap part of a filter passes.
    pub fn decided(&self, probe: &dyn Probe) -> Option<bool> {
        match self {
            Test::All(tests) => {
                let mut all = Some(true);
                for t in tests {
                    match t.decided(probe) {
                        Some(false) => return Some(false),
                        None => all = None,
                        Some(true) => {}
                    }
                }
                all
            }
            Test::Any(tests) => {
                let mut any = Some(false);
                for t in tests {
                    match t.decided(probe) {
                        Some(true) => return Some(true),
                        None => any = None,
                        Some(false) => {}
                    }
                }
                any
            }
            Test::Not(t) => t.decided(probe).map(|b| !b),
            Test::Intersects(area) => probe.intersects(area),
            Test::Constant(b) => Some(*b),
            Test::Property { property, check } => {
                probe.known(*property).map(|p| check.holds_for(&p))
            }
        }
    }

    /// The test's answer for a record read in full.
    pub fn matches(&self, r: &dyn Record) -> bool {
        self.decided(&Whole(r))
            .expect("a record read in full decides every test")
    }
}

fn refused(field: &'static str, zh: String, en: String) -> FieldError {
    FieldError::new(field, zh, en)
}

/// Compiles CQL2 over a collection's queryables. Every error names what is wrong in the
/// expression the user wrote.
struct Compiler<'q> {
    queryables: &'q [Queryable],
}

impl Compiler<'_> {
    fn property(&self, name: &str) -> Result<(usize, Queryable), FieldError> {
        self.queryables
            .iter()
            .position(|q| q.name == name)
            .map(|i| (i, self.queryables[i]))
            .ok_or_else(|| {
                let names: Vec<&str> = self.queryables.iter().map(|q| q.name).collect();
                refused(
                    "filter",
                    format!("filter 中的属性“{name}”不存在；可用：{}", names.join("、")),
                    format!(
                        "the filter names '{name}', which is not a property here; the queryables are {}",
                        names.join(", ")
                    ),
                )
            })
    }

    fn constant(&self, e: &cql2::Expr, q: &Queryable) -> Result<Constant, FieldError> {
        let wrong = || {
            refused(
                "filter",
                format!(
                    "filter 中的 {} 是{}，不能与 {} 比较",
                    q.name,
                    type_zh(q.kind),
                    describe(e)
                ),
                format!(
                    "in the filter, {} is {} and cannot be compared with {}",
                    q.name,
                    q.kind.schema(),
                    describe(e)
                ),
            )
        };
        Ok(match (q.kind, e) {
            (Type::Integer | Type::Number, cql2::Expr::Float(x)) => Constant::Number(*x),
            (Type::Integer | Type::Number, cql2::Expr::Literal(s)) => {
                Constant::Number(s.trim().parse().map_err(|_| wrong())?)
            }
            (Type::Text, cql2::Expr::Literal(s)) => Constant::Text(s.clone()),
            (Type::Text, cql2::Expr::Float(x)) => Constant::Text(x.to_string()),
            (Type::Boolean, cql2::Expr::Bool(b)) => Constant::Bool(*b),
            (Type::Boolean, cql2::Expr::Literal(s)) => {
                Constant::Bool(s.trim().parse().map_err(|_| wrong())?)
            }
            _ => return Err(wrong()),
        })
    }

    /// The property an argument names, looking through `CASEI(...)`.
    fn named(&self, e: &cql2::Expr) -> Option<(String, bool)> {
        match e {
            cql2::Expr::Property { property } => Some((property.clone(), false)),
            cql2::Expr::Operation { op, args } if op == "casei" && args.len() == 1 => {
                self.named(&args[0]).map(|(name, _)| (name, true))
            }
            _ => None,
        }
    }

    /// A constant argument, looking through `CASEI(...)`.
    fn unwrapped<'e>(&self, e: &'e cql2::Expr) -> &'e cql2::Expr {
        match e {
            cql2::Expr::Operation { op, args } if op == "casei" && args.len() == 1 => {
                self.unwrapped(&args[0])
            }
            other => other,
        }
    }

    fn compile(&self, e: &cql2::Expr) -> Result<Test, FieldError> {
        let cql2::Expr::Operation { op, args } = e else {
            return match e {
                cql2::Expr::Bool(b) => Ok(Test::Constant(*b)),
                other => Err(refused(
                    "filter",
                    format!("filter 应为条件，现为 {}", describe(other)),
                    format!("the filter is a condition, not {}", describe(other)),
                )),
            };
        };
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(refused(
                    "filter",
                    format!("filter 中的 {op} 应有 {n} 个参数"),
                    format!("in the filter, {op} takes {n} arguments"),
                ))
            }
        };
        match op.as_str() {
            "and" => Ok(Test::All(
                args.iter()
                    .map(|a| self.compile(a))
                    .collect::<Result<_, _>>()?,
            )),
            "or" => Ok(Test::Any(
                args.iter()
                    .map(|a| self.compile(a))
                    .collect::<Result<_, _>>()?,
            )),
            "not" => {
                arity(1)?;
                Ok(Test::Not(Box::new(self.compile(&args[0])?)))
            }
            "isNull" => {
                arity(1)?;
                let (name, _) = self
                    .named(&args[0])
                    .ok_or_else(|| self.not_a_property(op))?;
                Ok(Check::IsNull.on(self.property(&name)?.0))
            }
            "like" => {
                arity(2)?;
                let (name, case_insensitive) = self
                    .named(&args[0])
                    .ok_or_else(|| self.not_a_property(op))?;
                let (property, q) = self.property(&name)?;
                let Constant::Text(pattern) = self.constant(self.unwrapped(&args[1]), &q)? else {
                    return Err(self.not_a_property(op));
                };
                Ok(Check::Like(like_pattern(&pattern, case_insensitive)).on(property))
            }
            "in" => {
                arity(2)?;
                let (name, _) = self
                    .named(&args[0])
                    .ok_or_else(|| self.not_a_property(op))?;
                let (property, q) = self.property(&name)?;
                let cql2::Expr::Array(items) = &*args[1] else {
                    return Err(refused(
                        "filter",
                        "filter 中 IN 之后应为括号中的值列表".into(),
                        "in the filter, IN takes a list of values in brackets".into(),
                    ));
                };
                let values = items
                    .iter()
                    .map(|v| self.constant(v, &q))
                    .collect::<Result<_, _>>()?;
                Ok(Check::In(values).on(property))
            }
            "between" => {
                arity(3)?;
                let (name, _) = self
                    .named(&args[0])
                    .ok_or_else(|| self.not_a_property(op))?;
                let (property, q) = self.property(&name)?;
                let bound = |e: &cql2::Expr| match self.constant(e, &q)? {
                    Constant::Number(x) => Ok(x),
                    _ => Err(refused(
                        "filter",
                        format!("filter 中 BETWEEN 只用于数值属性，{} 不是", q.name),
                        format!(
                            "in the filter, BETWEEN takes a number property, and {} is not one",
                            q.name
                        ),
                    )),
                };
                Ok(Check::Between {
                    low: bound(&args[1])?,
                    high: bound(&args[2])?,
                }
                .on(property))
            }
            "s_intersects" => {
                arity(2)?;
                let area = match (&*args[0], &*args[1]) {
                    (cql2::Expr::Property { .. }, other) | (other, cql2::Expr::Property { .. }) => {
                        geometry_of(other)?
                    }
                    _ => return Err(self.not_a_property(op)),
                };
                Ok(Test::Intersects(area))
            }
            other => {
                let Some(comparison) = Comparison::parse(other) else {
                    return Err(refused(
                        "filter",
                        format!(
                            "filter 中的运算“{other}”不受支持；可用：= <> < <= > >= AND OR NOT IN LIKE BETWEEN IS NULL S_INTERSECTS CASEI"
                        ),
                        format!(
                            "the filter's operation '{other}' is not supported; there are = <> < <= > >= AND OR NOT IN LIKE BETWEEN IS NULL S_INTERSECTS CASEI"
                        ),
                    ));
                };
                arity(2)?;
                let (named, value, op) = match (self.named(&args[0]), self.named(&args[1])) {
                    (Some(named), None) => (named, &*args[1], comparison),
                    (None, Some(named)) => (named, &*args[0], comparison.flipped()),
                    _ => {
                        return Err(refused(
                            "filter",
                            "filter 的比较应是一个属性与一个值".into(),
                            "a comparison in the filter is between a property and a value".into(),
                        ));
                    }
                };
                let (name, case_insensitive) = named;
                let (property, q) = self.property(&name)?;
                if matches!(self.unwrapped(value), cql2::Expr::Null) {
                    let is_null = Check::IsNull.on(property);
                    return Ok(match op {
                        Comparison::Eq => is_null,
                        _ => Test::Not(Box::new(is_null)),
                    });
                }
                Ok(Check::Compare {
                    op,
                    value: self.constant(self.unwrapped(value), &q)?,
                    case_insensitive,
                }
                .on(property))
            }
        }
    }

    fn not_a_property(&self, op: &str) -> FieldError {
        refused(
            "filter",
            format!("filter 中 {op} 的第一个参数应为属性名"),
            format!("in the filter, the first argument of {op} is a property"),
        )
    }
}

fn type_zh(t: Type) -> &'static str {
    match t {
        Type::Text => "文本",
        Type::Integer => "整数",
        Type::Number => "数值",
        Type::Boolean => "真假值",
    }
}

fn describe(e: &cql2::Expr) -> String {
    e.to_text().unwrap_or_else(|_| format!("{e:?}"))
}

/// `LIKE`'s `%` and `_` as an anchored regular expression; `\` escapes them.
fn like_pattern(pattern: &str, case_insensitive: bool) -> regex::Regex {
    let mut re = String::from(if case_insensitive { "(?is)^" } else { "(?s)^" });
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            '\\' => {
                if let Some(next) = chars.next() {
                    re.push_str(&regex::escape(&next.to_string()));
                }
            }
            other => re.push_str(&regex::escape(&other.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).expect("an escaped pattern")
}

/// The area of `S_INTERSECTS`: a `BBOX(w, s, e, n)` or a geometry (WKT or GeoJSON), CRS84.
fn geometry_of(e: &cql2::Expr) -> Result<geo::Geometry<f64>, FieldError> {
    let bad = |why: String| {
        refused(
            "filter",
            format!("filter 中 S_INTERSECTS 的范围有误：{why}"),
            format!("the area of S_INTERSECTS in the filter is malformed: {why}"),
        )
    };
    match e {
        cql2::Expr::BBox { bbox } => {
            let numbers: Vec<f64> = bbox
                .iter()
                .map(|b| f64::try_from((**b).clone()).map_err(|e| bad(e.to_string())))
                .collect::<Result<_, _>>()?;
            let [w, s, east, n] = match numbers.as_slice() {
                [w, s, e, n] => [*w, *s, *e, *n],
                [w, s, _, e, n, _] => [*w, *s, *e, *n],
                _ => return Err(bad(format!("BBOX takes 4 numbers, not {}", numbers.len()))),
            };
            Ok(geo::Geometry::Rect(geo::Rect::new(
                geo::coord! { x: w, y: s },
                geo::coord! { x: east, y: n },
            )))
        }
        cql2::Expr::Geometry(g) => {
            let json = serde_json::to_value(g).map_err(|e| bad(e.to_string()))?;
            let geometry: geojson::Geometry =
                serde_json::from_value(json).map_err(|e| bad(e.to_string()))?;
            geo::Geometry::<f64>::try_from(geometry).map_err(|e| bad(e.to_string()))
        }
        other => Err(bad(describe(other))),
    }
}

/// The filter of a request: `filter` in `filter-lang` (cql2-text by default, or
/// cql2-json), and each property given as a parameter of its own (`kind=foundation`, as
/// GDAL sends for `-where` against a server that lists queryables).
pub fn compile_filter(
    queryables: &[Queryable],
    filter: Option<&str>,
    language: Option<&str>,
    equal: &[(String, String)],
) -> Result<Option<Test>, FieldError> {
    let compiler = Compiler { queryables };
    let mut tests = Vec::new();
    if let Some(text) = filter.map(str::trim).filter(|t| !t.is_empty()) {
        let expr = match language.unwrap_or("cql2-text") {
            "cql2-text" => cql2::parse_text(text).map_err(|e| {
                refused(
                    "filter",
                    format!("filter 不是有效的 CQL2 文本：{e}"),
                    format!("the filter is not valid cql2-text: {e}"),
                )
            })?,
            "cql2-json" => cql2::parse_json(text).map_err(|e| {
                refused(
                    "filter",
                    format!("filter 不是有效的 CQL2 JSON：{e}"),
                    format!("the filter is not valid cql2-json: {e}"),
                )
            })?,
            other => {
                return Err(refused(
                    "filter-lang",
                    format!("filter-lang 应为 cql2-text 或 cql2-json，现为“{other}”"),
                    format!("filter-lang is cql2-text or cql2-json, not '{other}'"),
                ));
            }
        };
        tests.push(compiler.compile(&expr)?);
    }
    for (name, value) in equal {
        let (property, q) = compiler.property(name)?;
        let value = match q.kind {
            Type::Text => Constant::Text(value.clone()),
            Type::Integer | Type::Number => {
                Constant::Number(value.trim().parse().map_err(|_| {
                    refused(
                        "filter",
                        format!("{name} 应为数值，现为“{value}”"),
                        format!("{name} is a number, not '{value}'"),
                    )
                })?)
            }
            Type::Boolean => Constant::Bool(value.trim().parse().map_err(|_| {
                refused(
                    "filter",
                    format!("{name} 应为 true 或 false，现为“{value}”"),
                    format!("{name} is true or false, not '{value}'"),
                )
            })?),
        };
        tests.push(
            Check::Compare {
                op: Comparison::Eq,
                value,
                case_insensitive: false,
            }
            .on(property),
        );
    }
    Ok(match tests.len() {
        0 => None,
        1 => tests.pop(),
        _ => Some(Test::All(tests)),
    })
}

/// `sortby=name,-formal_members`: the properties to order by, each ascending unless
/// prefixed with `-`.
pub fn parse_sortby(
    queryables: &[Queryable],
    text: &str,
) -> Result<Vec<(usize, bool)>, FieldError> {
    text.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|key| {
            let (name, descending) = match key.strip_prefix('-') {
                Some(name) => (name, true),
                None => (key.strip_prefix('+').unwrap_or(key), false),
            };
            let index = queryables
                .iter()
                .position(|q| q.name == name)
                .ok_or_else(|| {
                    refused(
                        "sortby",
                        format!("sortby 中的属性“{name}”不存在"),
                        format!("sortby names '{name}', which is not a property here"),
                    )
                })?;
            Ok((index, descending))
        })
        .collect()
}

/// Orders records by the keys of [`parse_sortby`], stably.
pub fn sort<R: Record>(records: &mut [R], keys: &[(usize, bool)]) {
    records.sort_by(|a, b| {
        for &(index, descending) in keys {
            let (pa, pb) = (a.property(index), b.property(index));
            let o = match (&pa, &pb) {
                // Nulls last either way.
                (Prop::Null, _) | (_, Prop::Null) => pa.order(&pb),
                _ if descending => pb.order(&pa),
                _ => pa.order(&pb),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
}

/// The queryables document (Part 3, JSON Schema 2020-12) of a collection.
pub fn queryables_json(
    id: &str,
    title: &str,
    url: &str,
    geometry: &str,
    queryables: &[Queryable],
) -> Value {
    let mut properties = serde_json::Map::new();
    properties.insert(
        "geometry".into(),
        json!({ "format": format!("geometry-{geometry}"), "title": "geometry" }),
    );
    for q in queryables {
        let mut p = json!({ "type": q.kind.schema(), "title": q.title });
        if !q.values.is_empty() {
            p["enum"] = json!(q.values);
        }
        properties.insert(q.name.into(), p);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": title,
        "description": format!("The properties of {id} a filter, a property parameter or sortby may name."),
        "properties": properties,
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERYABLES: [Queryable; 4] = [
        Queryable {
            name: "name",
            kind: Type::Text,
            title: "name",
            values: &[],
        },
        Queryable {
            name: "kind",
            kind: Type::Text,
            title: "kind",
            values: &["foundation", "social_group"],
        },
        Queryable {
            name: "formal_members",
            kind: Type::Integer,
            title: "members",
            values: &[],
        },
        Queryable {
            name: "group_id",
            kind: Type::Text,
            title: "group",
            values: &[],
        },
    ];

    struct Org {
        name: &'static str,
        kind: &'static str,
        formal_members: u32,
        group_id: Option<&'static str>,
        at: (f64, f64),
    }

    impl Record for Org {
        fn property(&self, index: usize) -> Prop<'_> {
            match index {
                0 => Prop::Text(self.name.into()),
                1 => Prop::Text(self.kind.into()),
                2 => Prop::Number(self.formal_members.into()),
                _ => self.group_id.map_or(Prop::Null, |g| Prop::Text(g.into())),
            }
        }
        fn geometry(&self) -> Option<geo::Geometry<f64>> {
            Some(geo::Point::new(self.at.0, self.at.1).into())
        }
    }

    const ORGS: [Org; 4] = [
        Org {
            name: "呼和浩特市书法协会",
            kind: "social_group",
            formal_members: 5,
            group_id: None,
            at: (111.7, 40.8),
        },
        Org {
            name: "包头市教育基金会",
            kind: "foundation",
            formal_members: 3,
            group_id: None,
            at: (109.8, 40.6),
        },
        Org {
            name: "新城区慈善基金会",
            kind: "foundation",
            formal_members: 1,
            group_id: Some("RJ-1"),
            at: (111.68, 40.85),
        },
        Org {
            name: "Abc Club",
            kind: "social_group",
            formal_members: 0,
            group_id: Some("RJ-1"),
            at: (111.69, 40.86),
        },
    ];

    fn names(filter: &str, language: &str) -> Vec<&'static str> {
        let test = compile_filter(&QUERYABLES, Some(filter), Some(language), &[])
            .unwrap()
            .unwrap();
        ORGS.iter()
            .filter(|o| test.matches(*o))
            .map(|o| o.name)
            .collect()
    }

    #[test]
    fn cql2_text_and_json_filters_select_what_they_say() {
        assert_eq!(
            names("kind = 'foundation' AND formal_members >= 3", "cql2-text"),
            ["包头市教育基金会"]
        );
        assert_eq!(
            names(
                r#"{"op":"and","args":[{"op":"=","args":[{"property":"kind"},"foundation"]},{"op":">=","args":[{"property":"formal_members"},3]}]}"#,
                "cql2-json"
            ),
            ["包头市教育基金会"]
        );
        assert_eq!(names("3 <= formal_members", "cql2-text").len(), 2);
        assert_eq!(names("name LIKE '%基金会'", "cql2-text").len(), 2);
        assert_eq!(names("CASEI(name) LIKE 'abc%'", "cql2-text"), ["Abc Club"]);
        assert_eq!(
            names(
                "kind IN ('foundation') OR formal_members BETWEEN 4 AND 9",
                "cql2-text"
            )
            .len(),
            3
        );
        assert_eq!(names("group_id IS NULL", "cql2-text").len(), 2);
        assert_eq!(
            names(
                "NOT (group_id IS NULL) AND kind <> 'foundation'",
                "cql2-text"
            ),
            ["Abc Club"]
        );
        assert_eq!(
            names(
                "S_INTERSECTS(geometry, BBOX(111.5, 40.7, 111.9, 41.0))",
                "cql2-text"
            )
            .len(),
            3
        );
        assert_eq!(
            names(
                "S_INTERSECTS(geometry, POLYGON((109 40, 110 40, 110 41, 109 41, 109 40)))",
                "cql2-text"
            ),
            ["包头市教育基金会"]
        );
    }

    #[test]
    fn a_property_parameter_is_an_equality_and_sortby_orders_with_nulls_last() {
        let equal = [
            ("kind".to_owned(), "foundation".to_owned()),
            ("formal_members".to_owned(), "1".to_owned()),
        ];
        let test = compile_filter(&QUERYABLES, None, None, &equal)
            .unwrap()
            .unwrap();
        let found: Vec<_> = ORGS
            .iter()
            .filter(|o| test.matches(*o))
            .map(|o| o.name)
            .collect();
        assert_eq!(found, ["新城区慈善基金会"]);
        let mut orgs: Vec<&Org> = ORGS.iter().collect();
        struct ByRef<'a>(&'a Org);
        impl Record for ByRef<'_> {
            fn property(&self, index: usize) -> Prop<'_> {
                self.0.property(index)
            }
            fn geometry(&self) -> Option<geo::Geometry<f64>> {
                self.0.geometry()
            }
        }
        let mut wrapped: Vec<ByRef> = orgs.drain(..).map(ByRef).collect();
        sort(
            &mut wrapped,
            &parse_sortby(&QUERYABLES, "-group_id,-formal_members").unwrap(),
        );
        let order: Vec<_> = wrapped.iter().map(|o| o.0.formal_members).collect();
        assert_eq!(order, [1, 0, 5, 3]);
    }

    #[test]
    fn a_bad_filter_names_what_is_wrong() {
        for (filter, says) in [
            ("colour = 'red'", "colour"),
            ("formal_members = 'many'", "formal_members"),
            ("kind = ", "cql2-text"),
            ("name = kind", "property and a value"),
            ("formal_members BETWEEN 'a' AND 3", "formal_members"),
        ] {
            let e = compile_filter(&QUERYABLES, Some(filter), None, &[]).unwrap_err();
            assert_eq!(e.field, "filter", "{filter}");
            assert!(e.en.contains(says), "{filter}: {}", e.en);
        }
        let e = compile_filter(&QUERYABLES, Some("x = 1"), Some("sql"), &[]).unwrap_err();
        assert_eq!(e.field, "filter-lang");
        let e = parse_sortby(&QUERYABLES, "name,-colour").unwrap_err();
        assert_eq!(e.field, "sortby");
    }
}
