//! FlatGeobuf, the binary format GDAL and QGIS read fastest and stream by box: a layer of
//! typed records (the queryables of formats.md as its columns) with a spatial index.

use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
use geozero::{ColumnValue, PropertyProcessor};

use super::features::{Prop, Queryable, Record, Type};

pub const CONTENT_TYPE: &str = "application/flatgeobuf";

/// The geometry of a layer's features.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    Point,
    Polygon,
    MultiPoint,
}

/// `records` as a FlatGeobuf layer named `name`, with the columns `queryables` lists (a
/// record's property `i` is the column of `queryables[i]`, as [`Record`] reads it), in
/// WGS84 longitude and latitude; `epsg` names the CRS the header declares (4326, or
/// 4490 for CGCS2000, whose coordinates are the same numbers).
pub fn write<R: Record>(
    name: &str,
    shape: Shape,
    epsg: i32,
    queryables: &[Queryable],
    columns: &[usize],
    records: &[R],
) -> Result<Vec<u8>, geozero::error::GeozeroError> {
    let geometry_type = match shape {
        Shape::Point => GeometryType::Point,
        Shape::Polygon => GeometryType::Polygon,
        Shape::MultiPoint => GeometryType::MultiPoint,
    };
    let mut fgb = FgbWriter::create_with_options(
        name,
        geometry_type,
        FgbWriterOptions {
            write_index: true,
            crs: FgbCrs {
                code: epsg,
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .map_err(|e| geozero::error::GeozeroError::Feature(e.to_string()))?;
    for &i in columns {
        let q = &queryables[i];
        let column = match q.kind {
            Type::Text => ColumnType::String,
            Type::Integer => ColumnType::Long,
            Type::Number => ColumnType::Double,
            Type::Boolean => ColumnType::Bool,
        };
        fgb.add_column(q.name, column, |_, c| c.nullable = true);
    }
    for record in records {
        // A record without a point is written with an empty geometry of its layer's type.
        let geometry = record.geometry().unwrap_or_else(|| match shape {
            Shape::Point | Shape::MultiPoint => geo::MultiPoint::<f64>::new(vec![]).into(),
            Shape::Polygon => geo::MultiPolygon::<f64>::new(vec![]).into(),
        });
        let mut failed = None;
        fgb.add_feature_geom(geometry, |feature| {
            for (column, &i) in columns.iter().enumerate() {
                let q = &queryables[i];
                let written = match (record.property(i), q.kind) {
                    (Prop::Null, _) => continue,
                    (Prop::Text(t), _) => {
                        feature.property(column, q.name, &ColumnValue::String(&t))
                    }
                    (Prop::Number(x), Type::Integer) => {
                        feature.property(column, q.name, &ColumnValue::Long(x as i64))
                    }
                    (Prop::Number(x), _) => {
                        feature.property(column, q.name, &ColumnValue::Double(x))
                    }
                    (Prop::Bool(b), _) => feature.property(column, q.name, &ColumnValue::Bool(b)),
                };
                if let Err(e) = written {
                    failed = Some(e);
                }
            }
        })
        .map_err(|e| geozero::error::GeozeroError::Feature(e.to_string()))?;
        if let Some(e) = failed {
            return Err(e);
        }
    }
    let mut out = Vec::new();
    fgb.write(&mut out)
        .map_err(|e| geozero::error::GeozeroError::Feature(e.to_string()))?;
    Ok(out)
}
