//! `POST /v1/screenings`: a stateless check of one subject against the live
//! lists, answered with the decision, the list versions used and every hit
//! with its explanation.

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::auth::Principal;
use super::errors::ApiError;
use crate::app::AppState;
use crate::domain::access::Scope;
use crate::domain::fields::{FieldErrors, ObjectReader};
use crate::domain::values::{clean_text, CountryCode, Name, PartialDate};
use crate::risk::events::list_used_json;
use crate::screening::screen::{Band, Subject, SubjectDate, SubjectIdentifier, SubjectKind};

fn parse_subject(body: &Value) -> Result<(Subject, Option<Vec<String>>), FieldErrors> {
    let mut errs = FieldErrors::default();
    let Some(root) = ObjectReader::new(body, "", &mut errs) else {
        return Err(errs);
    };
    root.deny_unknown(&["subject", "lists"], &mut errs);
    let lists = root
        .get("lists")
        .map(|_| root.parsed_strings("lists", 20, &mut errs, |s| clean_text(s, 1, 64)));
    let Some(subject) = root.object_opt("subject", &mut errs) else {
        if root.get("subject").is_none() {
            errs.push("subject", "is required");
        }
        return Err(errs);
    };
    subject.deny_unknown(
        &[
            "kind",
            "name",
            "aliases",
            "date_of_birth",
            "nationalities",
            "identifiers",
            "crypto_addresses",
            "emails",
            "phones",
        ],
        &mut errs,
    );
    let kind = subject.parsed_req("kind", &mut errs, |s| match s {
        "person" => Ok(SubjectKind::Person),
        "organization" => Ok(SubjectKind::Organization),
        _ => Err("must be person or organization".to_string()),
    });
    let name = subject.parsed_req("name", &mut errs, Name::parse);
    let aliases = subject.parsed_strings("aliases", 50, &mut errs, Name::parse);
    let date_of_birth = subject.parsed_opt("date_of_birth", &mut errs, PartialDate::parse);
    let nationalities = subject.parsed_strings("nationalities", 10, &mut errs, CountryCode::parse);
    let mut identifiers = Vec::new();
    for (path, item) in subject.array_opt("identifiers", 50, &mut errs) {
        let Some(o) = ObjectReader::new(item, &path, &mut errs) else {
            continue;
        };
        o.deny_unknown(&["type", "value", "country"], &mut errs);
        let kind = o.parsed_req("type", &mut errs, |s| clean_text(s, 1, 40));
        let value = o.parsed_req("value", &mut errs, |s| clean_text(s, 1, 64));
        let country = o.parsed_opt("country", &mut errs, CountryCode::parse);
        if let (Some(kind), Some(value)) = (kind, value) {
            identifiers.push(SubjectIdentifier {
                kind: kind.to_lowercase(),
                value,
                country: country.map(|c| c.to_string()),
            });
        }
    }
    let crypto_addresses = subject.parsed_strings("crypto_addresses", 20, &mut errs, |s| {
        clean_text(s, 10, 128)
    });
    // Accepted for the contract's sake; lists carry them too rarely to match on.
    subject.parsed_strings("emails", 20, &mut errs, |s| clean_text(s, 3, 320));
    subject.parsed_strings("phones", 20, &mut errs, |s| clean_text(s, 3, 40));
    match (kind, name) {
        (Some(kind), Some(name)) if errs.is_empty() => {
            let mut names = vec![name.to_string()];
            names.extend(aliases.into_iter().map(|a| a.to_string()));
            Ok((
                Subject {
                    kind,
                    names,
                    date_of_birth: date_of_birth.map(|d| SubjectDate {
                        year: d.year(),
                        month: d.month(),
                        day: d.day(),
                    }),
                    nationalities: nationalities.iter().map(|c| c.to_string()).collect(),
                    identifiers,
                    crypto_addresses,
                },
                lists,
            ))
        }
        _ => Err(errs),
    }
}

pub async fn create(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Screenings)?;
    let (subject, lists) = parse_subject(&body).map_err(ApiError::Validation)?;
    let live = state.lists.live().current();
    if let Some(wanted) = &lists {
        let mut errs = FieldErrors::default();
        for (i, id) in wanted.iter().enumerate() {
            if state.lists.config().source(id).is_none() && !live.lists.contains_key(id) {
                errs.push(
                    format!("lists[{i}]"),
                    format!("{id:?} is not a configured list"),
                );
            }
        }
        if !errs.is_empty() {
            return Err(ApiError::Validation(errs));
        }
    }
    let used: Vec<_> = live
        .lists
        .values()
        .filter(|l| lists.as_ref().is_none_or(|w| w.contains(&l.meta.list_id)))
        .collect();
    if used.is_empty() {
        return Err(ApiError::Unavailable {
            code: "lists_unavailable",
            detail: "no sanctions list is loaded yet; see GET /v1/lists".into(),
        });
    }
    let lists_json: Vec<Value> = used.iter().map(|l| list_used_json(l)).collect();
    let hits = live
        .screen(subject, lists, state.screening)
        .await
        .map_err(|e| ApiError::Internal(format!("screening task failed: {e}")))?;
    let decision = match hits.iter().map(|h| h.band).max() {
        Some(Band::Strong) => "strong_match",
        Some(Band::Review) => "potential_match",
        None => "no_match",
    };
    Ok(HttpResponse::Ok().json(json!({
        "decision": decision,
        "lists": lists_json,
        "hits": hits,
    })))
}
