//! Work that runs beside the request path: fetching and loading sanctions
//! lists on a schedule, indicator feeds, the outbox delivery worker, and
//! the re-screening of candidates when a list changes.

pub mod fetch;
pub mod indicator_refresh;
pub mod list_refresh;
pub mod outbox;
pub mod rescreen;
