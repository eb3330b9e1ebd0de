//! Label and field selectors exactly as apimachinery parses them (`labels.Parse`,
//! `fields.ParseSelector`): the grammar, the errors word for word, and matching. Used by the API
//! server for list, watch and deletecollection, and by request resolution.

pub mod fields;
pub mod labels;
