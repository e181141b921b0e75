//! Files users bring and take away: organization CSV in the encodings Excel and WPS write.

pub mod analysis;
pub mod coverage;
pub mod csv;
