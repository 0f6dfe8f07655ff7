//! TODO (helper)
pub struct Home;
