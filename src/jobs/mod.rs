//! Work that runs beside the request path: fetching and loading sanctions
//! lists on a schedule (and, later, the outbox and re-screening).

pub mod fetch;
pub mod indicator_refresh;
pub mod list_refresh;
pub mod outbox;
