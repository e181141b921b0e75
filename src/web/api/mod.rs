//! The JSON API, the OGC API - Features and the OpenAPI document: for scripts, GDAL and
//! QGIS. Never imports the pages.

pub mod boundaries;
pub mod cell_orgs;
pub mod coverage;
pub mod decisions;
pub mod divisions;
mod exact_inputs;
pub mod ogc;
pub mod openapi;
pub mod orgs;
