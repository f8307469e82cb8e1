//! The risk policy: turns a candidate's signals into one explained score and
//! decision.
//!
//! A policy is a versioned TOML file (`policy/default.toml` is the built-in
//! one). It does three things:
//!
//! 1. **Weighs** every signal, 0-1. The first of these that is set wins:
//!    `[codes.<code>].weight`, `[categories.<category>].<severity>`,
//!    `[categories.<category>].weight`, `[default_weights].<severity>`.
//!    `[codes.<code>].severity` replaces the detector's severity before the
//!    lookup (and in the result), for codes whose detector is known to over-
//!    or under-state.
//! 2. **Scores** with a bounded, explainable rule: signals of one category
//!    combine by noisy-OR, `1 − Π(1 − wᵢ)`, then are cut to the category's
//!    `max_weight`; the categories combine by noisy-OR again; the result
//!    times 100, rounded, is `risk_score`. Noisy-OR never exceeds 1, grows
//!    with every extra signal and reads as "the chance that at least one of
//!    these is real"; the per-category cap keeps many restatements of one fact
//!    (ten VPN findings) from adding up to a block on their own.
//! 3. **Decides**: `score >= bands.block` → block, `>= bands.review` →
//!    review, otherwise clear. `[[overrides]]` rules then raise the decision
//!    to at least their `decision` when any signal matches (by `code`,
//!    `category` and/or `min_severity`, all given conditions must hold); the
//!    signal's weight does not matter for a match. Finally an assessment made
//!    with incomplete sanctions lists is never clear.
//!
//! Bad policy files are refused as a whole with a [`PolicyError`] naming the
//! line (and column) of the problem, so a typo can never silently weaken the
//! policy in production.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::indicators::{Category, Severity, Signal};

/// The built-in policy; `Policy::builtin` parses it and a test proves it loads.
const DEFAULT_POLICY: &str = include_str!("../../policy/default.toml");

/// What happens to the candidate. Ordered by severity so the strongest of
/// several reasons is simply the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Clear,
    Review,
    Block,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Clear, Decision::Review, Decision::Block];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Clear => "clear",
            Decision::Review => "review",
            Decision::Block => "block",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a policy file was refused. `line`/`column` are 1-based and present
/// whenever the problem can be pinned to a place in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl PolicyError {
    fn at(text: &str, span: Option<Range<usize>>, message: impl Into<String>) -> PolicyError {
        let (line, column) = match span {
            Some(span) => {
                let (l, c) = line_col(text, span.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        PolicyError {
            line,
            column,
            message: message.into(),
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            (Some(l), None) => write!(f, "line {l}: {}", self.message),
            _ => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for PolicyError {}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    // Spans from toml are on char boundaries; clamp anyway so a bad offset
    // can only make the position less precise, never panic.
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

// ---------------------------------------------------------------------------
// The file format, as written. Every value that is checked after parsing is
// `Spanned` so its error can name its line.
// ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    version: Spanned<String>,
    bands: RawBands,
    default_weights: RawDefaultWeights,
    #[serde(default)]
    categories: BTreeMap<Spanned<String>, RawCategory>,
    #[serde(default)]
    codes: BTreeMap<Spanned<String>, RawCode>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBands {
    // i64 rather than u8 so 300 or -1 get our message, not serde's.
    review: Spanned<i64>,
    block: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaultWeights {
    low: Spanned<f64>,
    medium: Spanned<f64>,
    high: Spanned<f64>,
    critical: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    weight: Option<Spanned<f64>>,
    low: Option<Spanned<f64>>,
    medium: Option<Spanned<f64>>,
    high: Option<Spanned<f64>>,
    critical: Option<Spanned<f64>>,
    max_weight: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    weight: Option<Spanned<f64>>,
    severity: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    name: Option<String>,
    code: Option<Spanned<String>>,
    category: Option<Spanned<String>>,
    min_severity: Option<Spanned<String>>,
    decision: Spanned<String>,
    reason: Option<String>,
}

// ---------------------------------------------------------------------------
// The validated policy.
// ---------------------------------------------------------------------------

/// Per-severity values, indexed by `sev_index`.
type BySeverity<T> = [T; 4];

fn sev_index(s: Severity) -> usize {
    match s {
        Severity::Low => 0,
        Severity::Medium => 1,
        Severity::High => 2,
        Severity::Critical => 3,
    }
}

#[derive(Debug, Clone, PartialEq)]
struct CategoryPolicy {
    weight: Option<f64>,
    by_severity: BySeverity<Option<f64>>,
    max_weight: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
struct CodePolicy {
    weight: Option<f64>,
    severity: Option<Severity>,
}

#[derive(Debug, Clone, PartialEq)]
struct OverrideRule {
    name: Option<String>,
    code: Option<String>,
    category: Option<Category>,
    min_severity: Option<Severity>,
    decision: Decision,
    reason: Option<String>,
}

impl OverrideRule {
    fn matches(&self, s: &Signal) -> bool {
        self.code.as_deref().is_none_or(|c| c == s.code)
            && self.category.is_none_or(|c| c == s.category)
            && self.min_severity.is_none_or(|m| s.severity >= m)
    }

    /// "code sanctions_strong_match, severity >= critical"
    fn describe_condition(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.code {
            parts.push(format!("code {c}"));
        }
        if let Some(c) = self.category {
            parts.push(format!("category {}", c.as_str()));
        }
        if let Some(m) = self.min_severity {
            parts.push(format!("severity >= {}", m.as_str()));
        }
        parts.join(", ")
    }
}

/// A validated risk policy. Build it with [`Policy::from_toml`] or
/// [`Policy::builtin`]; it cannot exist in an invalid state.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    version: String,
    review: u8,
    block: u8,
    default_weights: BySeverity<f64>,
    categories: BTreeMap<Category, CategoryPolicy>,
    codes: BTreeMap<String, CodePolicy>,
    overrides: Vec<OverrideRule>,
}

/// The outcome of [`Policy::assess`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskResult {
    /// 0-100.
    pub risk_score: u8,
    pub decision: Decision,
    /// Every input signal, with the policy's weight (and severity override)
    /// applied, most important first.
    pub signals: Vec<Signal>,
    /// Short sentences: how the score came out, which overrides fired,
    /// whether the lists were incomplete, and the final decision.
    pub reasons: Vec<String>,
}

impl Policy {
    /// The policy shipped in `policy/default.toml`.
    pub fn builtin() -> Policy {
        Policy::from_toml(DEFAULT_POLICY)
            .expect("policy/default.toml is invalid; the unit tests should have caught this")
    }

    /// Parses and validates a policy file. Any problem refuses the whole file.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let raw: RawPolicy = toml::from_str(text)
            // toml's messages can span lines ("invalid string\nexpected ...");
            // one line reads better in logs and API errors.
            .map_err(|e| {
                let message: Vec<&str> = e.message().lines().map(str::trim).collect();
                PolicyError::at(text, e.span(), message.join("; "))
            })?;
        let v = Validator { text };

        let version = raw.version.get_ref().trim();
        if version.is_empty() {
            return Err(v.err(&raw.version, "version must not be empty"));
        }

        let review = v.threshold("bands.review", &raw.bands.review)?;
        let block = v.threshold("bands.block", &raw.bands.block)?;
        if review >= block {
            return Err(v.err(
                &raw.bands.review,
                format!("bands.review ({review}) must be below bands.block ({block})"),
            ));
        }

        let d = &raw.default_weights;
        let default_weights = [
            v.weight("default_weights.low", &d.low)?,
            v.weight("default_weights.medium", &d.medium)?,
            v.weight("default_weights.high", &d.high)?,
            v.weight("default_weights.critical", &d.critical)?,
        ];

        let mut categories = BTreeMap::new();
        for (name, c) in &raw.categories {
            let category = v.category(name)?;
            let field = |f: &str| format!("categories.{}.{f}", name.get_ref());
            let p = CategoryPolicy {
                weight: v.opt_weight(&field("weight"), &c.weight)?,
                by_severity: [
                    v.opt_weight(&field("low"), &c.low)?,
                    v.opt_weight(&field("medium"), &c.medium)?,
                    v.opt_weight(&field("high"), &c.high)?,
                    v.opt_weight(&field("critical"), &c.critical)?,
                ],
                max_weight: v.opt_weight(&field("max_weight"), &c.max_weight)?,
            };
            if p.weight.is_none()
                && p.by_severity.iter().all(Option::is_none)
                && p.max_weight.is_none()
            {
                return Err(v.err(
                    name,
                    format!(
                        "categories.{} sets nothing; give weight, low/medium/high/critical or max_weight, or remove it",
                        name.get_ref()
                    ),
                ));
            }
            categories.insert(category, p);
        }

        let mut codes = BTreeMap::new();
        for (name, c) in &raw.codes {
            let code = v.code(name)?;
            let weight = v.opt_weight(&format!("codes.{code}.weight"), &c.weight)?;
            let severity = c.severity.as_ref().map(|s| v.severity(s)).transpose()?;
            if weight.is_none() && severity.is_none() {
                return Err(v.err(
                    name,
                    format!("codes.{code} sets nothing; give weight and/or severity, or remove it"),
                ));
            }
            codes.insert(code.to_string(), CodePolicy { weight, severity });
        }

        let mut overrides = Vec::new();
        for o in &raw.overrides {
            let code = o.code.as_ref().map(|c| v.code(c)).transpose()?;
            let category = o.category.as_ref().map(|c| v.category(c)).transpose()?;
            let min_severity = o.min_severity.as_ref().map(|s| v.severity(s)).transpose()?;
            let decision = match Decision::parse(o.decision.get_ref()) {
                Some(Decision::Clear) => {
                    return Err(v.err(
                        &o.decision,
                        "an override forces a minimum decision; \"clear\" forces nothing (use review or block)",
                    ))
                }
                Some(d) => d,
                None => {
                    return Err(v.err(
                        &o.decision,
                        format!(
                            "unknown decision \"{}\", expected review or block",
                            o.decision.get_ref()
                        ),
                    ))
                }
            };
            if code.is_none() && category.is_none() && min_severity.is_none() {
                // A rule with no condition would fire on every signal,
                // which is almost certainly a typo'd key.
                return Err(v.err(
                    &o.decision,
                    "override has no condition; give code, category and/or min_severity",
                ));
            }
            overrides.push(OverrideRule {
                name: o.name.clone(),
                code: code.map(str::to_string),
                category,
                min_severity,
                decision,
                reason: o.reason.clone(),
            });
        }

        Ok(Policy {
            version: version.to_string(),
            review,
            block,
            default_weights,
            categories,
            codes,
            overrides,
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// Lowest score that is reviewed.
    pub fn review_threshold(&self) -> u8 {
        self.review
    }

    /// Lowest score that is blocked.
    pub fn block_threshold(&self) -> u8 {
        self.block
    }

    /// The severity and weight this policy gives a signal, before any cap.
    pub fn weigh(&self, code: &str, category: Category, severity: Severity) -> (Severity, f64) {
        let code_policy = self.codes.get(code);
        let severity = code_policy.and_then(|c| c.severity).unwrap_or(severity);
        let cat = self.categories.get(&category);
        let weight = code_policy
            .and_then(|c| c.weight)
            .or_else(|| cat.and_then(|c| c.by_severity[sev_index(severity)]))
            .or_else(|| cat.and_then(|c| c.weight))
            .unwrap_or(self.default_weights[sev_index(severity)]);
        (severity, weight)
    }

    /// Scores and decides. `complete == false` means a sanctions list was
    /// missing or stale: the answer is then never clear.
    pub fn assess(&self, signals: Vec<Signal>, complete: bool) -> RiskResult {
        let mut signals: Vec<Signal> = signals
            .into_iter()
            .map(|mut s| {
                let (severity, weight) = self.weigh(&s.code, s.category, s.severity);
                s.severity = severity;
                s.weight = weight;
                s
            })
            .collect();
        signals.sort_by(importance);

        let mut reasons = Vec::new();

        // Noisy-OR within each category, then the cap.
        let mut per_category: BTreeMap<Category, (f64, usize)> = BTreeMap::new();
        for s in &signals {
            let e = per_category.entry(s.category).or_insert((1.0, 0));
            e.0 *= 1.0 - s.weight;
            e.1 += 1;
        }
        let mut contributions: Vec<(Category, f64)> = Vec::new();
        let mut cap_notes = Vec::new();
        for (category, (keep, count)) in per_category {
            let combined = 1.0 - keep;
            let cap = self.categories.get(&category).and_then(|c| c.max_weight);
            let value = match cap {
                Some(cap) if combined > cap => {
                    cap_notes.push(format!(
                        "{}: {count} signal(s) combine to {combined:.2}, capped at {cap:.2}",
                        category.as_str()
                    ));
                    cap
                }
                _ => combined,
            };
            contributions.push((category, value));
        }
        // Largest contribution first, category order on ties, for stable text.
        contributions.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let keep: f64 = contributions.iter().map(|(_, w)| 1.0 - w).product();
        let risk_score = ((1.0 - keep) * 100.0).round().clamp(0.0, 100.0) as u8;

        if signals.is_empty() {
            reasons.push("no signals: score 0/100".to_string());
        } else {
            let parts: Vec<String> = contributions
                .iter()
                .filter(|(_, w)| *w > 0.0)
                .map(|(c, w)| format!("{} {w:.2}", c.as_str()))
                .collect();
            let detail = if parts.is_empty() {
                "no signal carries weight".to_string()
            } else {
                format!("noisy-OR of {}", parts.join(", "))
            };
            reasons.push(format!(
                "score {risk_score}/100 from {} signal(s): {detail} (review from {}, block from {})",
                signals.len(),
                self.review,
                self.block
            ));
        }
        reasons.extend(cap_notes);
        let weightless: Vec<&str> = signals
            .iter()
            .filter(|s| s.weight == 0.0)
            .map(|s| s.code.as_str())
            .collect();
        if !weightless.is_empty() {
            reasons.push(format!(
                "weight 0 under this policy, shown but not scored: {}",
                dedup(weightless).join(", ")
            ));
        }

        let band = if risk_score >= self.block {
            Decision::Block
        } else if risk_score >= self.review {
            Decision::Review
        } else {
            Decision::Clear
        };
        let mut decision = band;

        for rule in &self.overrides {
            let hits: Vec<&str> = signals
                .iter()
                .filter(|s| rule.matches(s))
                .map(|s| s.code.as_str())
                .collect();
            if hits.is_empty() {
                continue;
            }
            decision = decision.max(rule.decision);
            let label = rule
                .name
                .as_deref()
                .map_or_else(String::new, |n| format!(" \"{n}\""));
            let why = rule
                .reason
                .as_deref()
                .map_or_else(String::new, |r| format!(": {r}"));
            reasons.push(format!(
                "override{label} ({}) fired on {} → at least {}{why}",
                rule.describe_condition(),
                dedup(hits).join(", "),
                rule.decision
            ));
        }

        if !complete {
            decision = decision.max(Decision::Review);
            reasons.push(
                "lists incomplete: a sanctions list is missing or stale, so the candidate cannot be cleared (at least review)"
                    .to_string(),
            );
        }

        reasons.push(if decision == band {
            format!("decision {decision} (score band)")
        } else {
            format!("decision {decision} (score band {band}, raised as above)")
        });

        RiskResult {
            risk_score,
            decision,
            signals,
            reasons,
        }
    }
}

/// Most important first: heavier, then more severe; then a fixed order on
/// category, code, summary and evidence so equal input sets always come out
/// in the same order whatever order the detectors ran in.
fn importance(a: &Signal, b: &Signal) -> std::cmp::Ordering {
    b.weight
        .total_cmp(&a.weight)
        .then(b.severity.cmp(&a.severity))
        .then(a.category.cmp(&b.category))
        .then_with(|| a.code.cmp(&b.code))
        .then_with(|| a.summary.cmp(&b.summary))
        .then_with(|| a.evidence.to_string().cmp(&b.evidence.to_string()))
}

/// Keeps the first occurrence of each item, preserving order.
fn dedup(items: Vec<&str>) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Checks that turn raw values into validated ones, with located errors.
struct Validator<'a> {
    text: &'a str,
}

impl Validator<'_> {
    fn err<T>(&self, at: &Spanned<T>, message: impl Into<String>) -> PolicyError {
        PolicyError::at(self.text, Some(at.span()), message)
    }

    fn weight(&self, what: &str, w: &Spanned<f64>) -> Result<f64, PolicyError> {
        let value = *w.get_ref();
        // `contains` is false for NaN too, which TOML can spell as `nan`.
        if (0.0..=1.0).contains(&value) {
            Ok(value)
        } else {
            Err(self.err(w, format!("{what} = {value} is outside 0..=1")))
        }
    }

    fn opt_weight(&self, what: &str, w: &Option<Spanned<f64>>) -> Result<Option<f64>, PolicyError> {
        w.as_ref().map(|w| self.weight(what, w)).transpose()
    }

    fn threshold(&self, what: &str, t: &Spanned<i64>) -> Result<u8, PolicyError> {
        match u8::try_from(*t.get_ref()) {
            Ok(v) if v <= 100 => Ok(v),
            _ => Err(self.err(t, format!("{what} = {} is outside 0..=100", t.get_ref()))),
        }
    }

    fn category(&self, name: &Spanned<String>) -> Result<Category, PolicyError> {
        Category::parse(name.get_ref()).ok_or_else(|| {
            let known: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
            self.err(
                name,
                format!(
                    "unknown category \"{}\", expected one of: {}",
                    name.get_ref(),
                    known.join(", ")
                ),
            )
        })
    }

    fn severity(&self, name: &Spanned<String>) -> Result<Severity, PolicyError> {
        Severity::parse(name.get_ref()).ok_or_else(|| {
            self.err(
                name,
                format!(
                    "unknown severity \"{}\", expected low, medium, high or critical",
                    name.get_ref()
                ),
            )
        })
    }

    /// Codes are open-ended (detectors add new ones), so only their shape is
    /// checked: this catches `rmm-connected` or `RMM_Connected`, which would
    /// otherwise never match and silently fall back to a category weight.
    fn code<'s>(&self, name: &'s Spanned<String>) -> Result<&'s str, PolicyError> {
        let code = name.get_ref().as_str();
        let ok = !code.is_empty()
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(code)
        } else {
            Err(self.err(
                name,
                format!("signal code \"{code}\" must be snake_case (a-z, 0-9, _)"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sig(code: &str, category: Category, severity: Severity) -> Signal {
        Signal::new(code, category, severity, format!("{code} seen"), json!({}))
    }

    fn has_reason(r: &RiskResult, needle: &str) -> bool {
        r.reasons.iter().any(|x| x.contains(needle))
    }

    /// A small valid policy that tests edit one line of.
    const MINI: &str = r#"version = "t1"

[bands]
review = 40
block = 80

[default_weights]
low = 0.1
medium = 0.2
high = 0.3
critical = 0.4

[categories.vpn_or_proxy]
weight = 0.3
max_weight = 0.35
"#;

    fn err_of(text: &str) -> PolicyError {
        match Policy::from_toml(text) {
            Ok(_) => panic!("policy should have been refused:\n{text}"),
            Err(e) => e,
        }
    }

    #[test]
    fn default_policy_loads() {
        let p = Policy::builtin();
        assert_eq!(p.version(), "2026-11-29.1");
        assert_eq!((p.review_threshold(), p.block_threshold()), (40, 80));
        assert_eq!(Policy::from_toml(DEFAULT_POLICY), Ok(p));
    }

    #[test]
    fn ordinary_laptop_is_clear() {
        let r = Policy::builtin().assess(Vec::new(), true);
        assert_eq!((r.risk_score, r.decision), (0, Decision::Clear));
        assert!(r.signals.is_empty());
        assert_eq!(
            r.reasons,
            ["no signals: score 0/100", "decision clear (score band)"]
        );
    }

    #[test]
    fn anydesk_connected_with_shanghai_clock_is_review() {
        let p = Policy::builtin();
        let minimal = vec![
            sig(
                "rmm_connected",
                Category::RemoteAccessSoftware,
                Severity::Critical,
            ),
            sig(
                "browser_timezone_mismatch",
                Category::TimezoneMismatch,
                Severity::High,
            ),
        ];
        let r = p.assess(minimal, true);
        // 1 - (1 - 0.5)(1 - 0.3) = 0.65
        assert_eq!((r.risk_score, r.decision), (65, Decision::Review));
        assert_eq!(r.signals[0].code, "rmm_connected");
        assert_eq!(r.signals[0].weight, 0.5);
        assert_eq!(r.signals[1].weight, 0.3);
        assert!(
            has_reason(&r, "score 65/100 from 2 signal(s)"),
            "{:?}",
            r.reasons
        );
        assert!(has_reason(
            &r,
            "remote_access_software 0.50, timezone_mismatch 0.30"
        ));

        // The same tool seen every way and every clock disagreeing is still
        // two facts: the caps keep it at review.
        let full = vec![
            sig(
                "rmm_installed",
                Category::RemoteAccessSoftware,
                Severity::Medium,
            ),
            sig(
                "rmm_running",
                Category::RemoteAccessSoftware,
                Severity::High,
            ),
            sig(
                "rmm_listening_port",
                Category::RemoteAccessSoftware,
                Severity::Medium,
            ),
            sig(
                "rmm_connected",
                Category::RemoteAccessSoftware,
                Severity::Critical,
            ),
            sig(
                "browser_timezone_mismatch",
                Category::TimezoneMismatch,
                Severity::High,
            ),
            sig(
                "system_timezone_mismatch",
                Category::TimezoneMismatch,
                Severity::High,
            ),
        ];
        let r = p.assess(full, true);
        assert_eq!((r.risk_score, r.decision), (75, Decision::Review));
        assert!(has_reason(
            &r,
            "remote_access_software: 4 signal(s) combine to 0.70, capped at 0.50"
        ));
        assert!(has_reason(
            &r,
            "timezone_mismatch: 2 signal(s) combine to 0.51, capped at 0.50"
        ));
    }

    #[test]
    fn strong_sanctions_match_blocks() {
        let r = Policy::builtin().assess(
            vec![sig(
                "sanctions_strong_match",
                Category::SanctionsMatch,
                Severity::Critical,
            )],
            true,
        );
        assert_eq!((r.risk_score, r.decision), (95, Decision::Block));
        assert!(has_reason(&r, "override \"sanctions-strong\" (code sanctions_strong_match) fired on sanctions_strong_match → at least block"), "{:?}", r.reasons);
    }

    #[test]
    fn sanctions_identifier_blocks_even_at_low_severity() {
        let r = Policy::builtin().assess(
            vec![sig(
                "passport_listed",
                Category::SanctionsIdentifierMatch,
                Severity::Low,
            )],
            true,
        );
        assert_eq!(r.decision, Decision::Block);
        assert!(has_reason(&r, "category sanctions_identifier_match"));
    }

    #[test]
    fn heritage_language_alone_is_clear() {
        let p = Policy::builtin();
        for code in ["language_mismatch", "language_ko_kp"] {
            let r = p.assess(
                vec![sig(code, Category::LanguageMismatch, Severity::Low)],
                true,
            );
            assert_eq!((r.risk_score, r.decision), (5, Decision::Clear), "{code}");
        }
        // As the detector sends it today (Korean first, medium): still clear.
        let r = p.assess(
            vec![sig(
                "language_mismatch",
                Category::LanguageMismatch,
                Severity::Medium,
            )],
            true,
        );
        assert_eq!(r.decision, Decision::Clear);
    }

    #[test]
    fn shared_device_is_review() {
        let p = Policy::builtin();
        for code in ["shared_device_uuid", "shared_device_serial"] {
            let r = p.assess(
                vec![sig(code, Category::IdentityReuse, Severity::High)],
                true,
            );
            assert_eq!((r.risk_score, r.decision), (50, Decision::Review), "{code}");
            assert!(has_reason(
                &r,
                &format!("fired on {code} → at least review")
            ));
        }
        // A shared IP alone is weak (offices, carrier NAT).
        let r = p.assess(
            vec![sig("shared_ip", Category::IdentityReuse, Severity::Medium)],
            true,
        );
        assert_eq!((r.risk_score, r.decision), (10, Decision::Clear));
    }

    #[test]
    fn commercial_vpn_alone_is_clear() {
        let r = Policy::builtin().assess(
            vec![
                sig("vpn_client_running", Category::VpnOrProxy, Severity::High),
                sig("vpn_network", Category::VpnOrProxy, Severity::Medium),
                sig(
                    "hosting_network",
                    Category::HostingNetwork,
                    Severity::Medium,
                ),
            ],
            true,
        );
        assert_eq!((r.risk_score, r.decision), (28, Decision::Clear));
    }

    #[test]
    fn category_cap_limits_many_signals_of_one_kind() {
        let p = Policy::from_toml(MINI).unwrap();
        let ten: Vec<Signal> = (0..10)
            .map(|i| sig(&format!("vpn_{i}"), Category::VpnOrProxy, Severity::Low))
            .collect();
        let r = p.assess(ten, true);
        // Uncapped: 1 - 0.7^10 = 0.97 -> block. Capped at 0.35.
        assert_eq!((r.risk_score, r.decision), (35, Decision::Clear));
        assert!(has_reason(
            &r,
            "vpn_or_proxy: 10 signal(s) combine to 0.97, capped at 0.35"
        ));
        assert!(r.signals.iter().all(|s| s.weight == 0.3));

        // Other categories are not capped and combine across.
        let r = p.assess(
            vec![
                sig("a", Category::VpnOrProxy, Severity::Low),
                sig("b", Category::VpnOrProxy, Severity::Low),
                sig("c", Category::TorExit, Severity::Critical),
            ],
            true,
        );
        // vpn: 1 - 0.49 = 0.51 -> 0.35; tor 0.4; 1 - 0.65 * 0.6 = 0.61
        assert_eq!((r.risk_score, r.decision), (61, Decision::Review));
    }

    #[test]
    fn weight_resolution_order_and_severity_override() {
        let text = format!(
            "{MINI}
[categories.ip_kvm]
weight = 0.25
critical = 0.7

[codes.kvm_host_on_lan]
severity = \"low\"

[codes.ipkvm_usb_device]
weight = 0.9
"
        );
        let p = Policy::from_toml(&text).unwrap();
        // Exact code beats the category's per-severity weight.
        assert_eq!(
            p.weigh("ipkvm_usb_device", Category::IpKvm, Severity::Critical),
            (Severity::Critical, 0.9)
        );
        // Category per severity beats category weight.
        assert_eq!(
            p.weigh("other", Category::IpKvm, Severity::Critical),
            (Severity::Critical, 0.7)
        );
        // Category weight for other severities.
        assert_eq!(
            p.weigh("other", Category::IpKvm, Severity::High),
            (Severity::High, 0.25)
        );
        // Unlisted category: per-severity default.
        assert_eq!(
            p.weigh("x", Category::HostingNetwork, Severity::High),
            (Severity::High, 0.3)
        );
        // Severity override applies before the lookup: critical -> low,
        // which the category weight then covers.
        assert_eq!(
            p.weigh("kvm_host_on_lan", Category::IpKvm, Severity::Critical),
            (Severity::Low, 0.25)
        );
        let r = p.assess(
            vec![sig("kvm_host_on_lan", Category::IpKvm, Severity::Critical)],
            true,
        );
        assert_eq!(r.signals[0].severity, Severity::Low);
    }

    #[test]
    fn overrides_fire_with_reasons() {
        let p = Policy::builtin();
        let r = p.assess(
            vec![sig("dprk_network", Category::DprkNetwork, Severity::High)],
            true,
        );
        assert_eq!((r.risk_score, r.decision), (50, Decision::Review));
        assert!(has_reason(&r, "override \"dprk-network\" (category dprk_network) fired on dprk_network → at least review: traffic from networks attributed to the DPRK"), "{:?}", r.reasons);

        // Score alone blocks here; the override still explains itself.
        let r = p.assess(
            vec![sig(
                "nationality_kp",
                Category::HighRiskCountry,
                Severity::Critical,
            )],
            true,
        );
        assert_eq!((r.risk_score, r.decision), (85, Decision::Block));
        assert!(has_reason(&r, "override \"north-korea\" (category high_risk_country, severity >= critical) fired on nationality_kp → at least review"), "{:?}", r.reasons);

        let r = p.assess(
            vec![sig(
                "timezone_pyongyang",
                Category::TimezoneMismatch,
                Severity::Critical,
            )],
            true,
        );
        assert_eq!(r.decision, Decision::Review);
        assert!(has_reason(&r, "\"pyongyang-clock\""));

        // min_severity: a critical IP-KVM fires, a medium one does not.
        let r = p.assess(
            vec![sig("ipkvm_usb_device", Category::IpKvm, Severity::Critical)],
            true,
        );
        assert_eq!(r.decision, Decision::Review);
        assert!(has_reason(
            &r,
            "(category ip_kvm, severity >= critical) fired on ipkvm_usb_device"
        ));
        let r = p.assess(
            vec![sig(
                "hid_composite_absolute_pointer",
                Category::IpKvm,
                Severity::Medium,
            )],
            true,
        );
        assert_eq!(r.decision, Decision::Clear);
        assert!(!has_reason(&r, "override"));
    }

    #[test]
    fn overrides_raise_a_low_score_and_match_weightless_signals() {
        let text = format!(
            "{MINI}
[codes.dprk_network]
weight = 0

[[overrides]]
code = \"dprk_network\"
decision = \"block\"
"
        );
        let p = Policy::from_toml(&text).unwrap();
        let r = p.assess(
            vec![
                sig("dprk_network", Category::DprkNetwork, Severity::High),
                sig("vpn_network", Category::VpnOrProxy, Severity::Medium),
            ],
            true,
        );
        assert_eq!((r.risk_score, r.decision), (30, Decision::Block));
        // The weight-0 signal stays, last, and is named as unscored.
        assert_eq!(r.signals.len(), 2);
        assert_eq!(
            (r.signals[1].code.as_str(), r.signals[1].weight),
            ("dprk_network", 0.0)
        );
        assert!(has_reason(
            &r,
            "weight 0 under this policy, shown but not scored: dprk_network"
        ));
        assert!(has_reason(
            &r,
            "override (code dprk_network) fired on dprk_network → at least block"
        ));
        assert_eq!(
            r.reasons.last().unwrap(),
            "decision block (score band clear, raised as above)"
        );
    }

    #[test]
    fn incomplete_lists_are_never_clear() {
        let p = Policy::builtin();
        let r = p.assess(Vec::new(), false);
        assert_eq!((r.risk_score, r.decision), (0, Decision::Review));
        assert!(has_reason(&r, "lists incomplete"));

        // Already block stays block.
        let r = p.assess(
            vec![sig(
                "sanctions_strong_match",
                Category::SanctionsMatch,
                Severity::Critical,
            )],
            false,
        );
        assert_eq!(r.decision, Decision::Block);
        assert!(has_reason(&r, "lists incomplete"));

        let r = p.assess(Vec::new(), true);
        assert!(!has_reason(&r, "lists incomplete"));
    }

    #[test]
    fn signal_order_is_deterministic() {
        let p = Policy::builtin();
        let mk = || {
            vec![
                sig("vpn_network", Category::VpnOrProxy, Severity::Medium),
                sig(
                    "rmm_installed",
                    Category::RemoteAccessSoftware,
                    Severity::Medium,
                ),
                sig(
                    "sanctions_potential_match",
                    Category::SanctionsMatch,
                    Severity::High,
                ),
                Signal::new(
                    "shared_phone",
                    Category::IdentityReuse,
                    Severity::High,
                    "b",
                    json!({"n": 2}),
                ),
                Signal::new(
                    "shared_phone",
                    Category::IdentityReuse,
                    Severity::High,
                    "a",
                    json!({"n": 1}),
                ),
                sig("ipkvm_display", Category::IpKvm, Severity::High),
            ]
        };
        let forward = p.assess(mk(), true);
        let mut reversed_input = mk();
        reversed_input.reverse();
        let backward = p.assess(reversed_input, true);
        assert_eq!(forward, backward);
        let order: Vec<(&str, &str)> = forward
            .signals
            .iter()
            .map(|s| (s.code.as_str(), s.summary.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                (
                    "sanctions_potential_match",
                    "sanctions_potential_match seen"
                ),
                ("ipkvm_display", "ipkvm_display seen"),
                ("shared_phone", "a"),
                ("shared_phone", "b"),
                // Equal weight 0.1, equal severity: category order decides.
                ("rmm_installed", "rmm_installed seen"),
                ("vpn_network", "vpn_network seen"),
            ]
        );
    }

    #[test]
    fn decision_names_order_and_serde() {
        assert!(Decision::Clear < Decision::Review && Decision::Review < Decision::Block);
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
            assert_eq!(serde_json::to_value(d).unwrap(), d.as_str());
        }
        assert_eq!(Decision::parse("Block"), None);
    }

    #[test]
    fn syntax_error_names_line() {
        let text = MINI.replace("review = 40", "review = = 40");
        let e = err_of(&text);
        assert_eq!(e.line, Some(4), "{e}");
        assert_eq!(
            e.to_string(),
            "line 4, column 10: invalid string; expected `\"`, `'`"
        );
    }

    #[test]
    fn unknown_key_names_line() {
        let text = MINI.replace("max_weight = 0.35", "max_weight = 0.35\nmax_wieght = 0.2");
        let e = err_of(&text);
        assert_eq!(e.line, Some(16), "{e}");
        assert!(e.message.contains("unknown field `max_wieght`"), "{e}");

        let e = err_of(&format!("{MINI}colour = \"red\"\n"));
        assert_eq!(e.line, Some(16), "{e}");
        assert!(e.message.contains("unknown field `colour`"), "{e}");
    }

    #[test]
    fn weight_out_of_range_names_line() {
        let e = err_of(&MINI.replace("high = 0.3", "high = 1.5"));
        assert_eq!(
            e.to_string(),
            "line 10, column 8: default_weights.high = 1.5 is outside 0..=1"
        );
        let e = err_of(&MINI.replace("weight = 0.3\n", "weight = -0.1\n"));
        assert_eq!(
            e.to_string(),
            "line 14, column 10: categories.vpn_or_proxy.weight = -0.1 is outside 0..=1"
        );
        let e = err_of(&MINI.replace("weight = 0.3\n", "weight = nan\n"));
        assert_eq!(e.line, Some(14), "{e}");
    }

    #[test]
    fn unknown_category_names_line() {
        let e = err_of(&MINI.replace("[categories.vpn_or_proxy]", "[categories.vpn]"));
        assert_eq!(e.line, Some(13), "{e}");
        assert!(
            e.message
                .starts_with("unknown category \"vpn\", expected one of: sanctions_match,"),
            "{e}"
        );

        let e = err_of(&format!(
            "{MINI}\n[[overrides]]\ncategory = \"ipkvm\"\ndecision = \"review\"\n"
        ));
        assert_eq!(e.line, Some(18), "{e}");
        assert!(e.message.contains("unknown category \"ipkvm\""), "{e}");
    }

    #[test]
    fn unknown_or_useless_decision_names_line() {
        let e = err_of(&format!(
            "{MINI}\n[[overrides]]\ncode = \"tor_exit\"\ndecision = \"deny\"\n"
        ));
        assert_eq!(
            e.to_string(),
            "line 19, column 12: unknown decision \"deny\", expected review or block"
        );
        let e = err_of(&format!(
            "{MINI}\n[[overrides]]\ncode = \"tor_exit\"\ndecision = \"clear\"\n"
        ));
        assert_eq!(e.line, Some(19), "{e}");
        assert!(e.message.contains("forces nothing"), "{e}");
        let e = err_of(&format!("{MINI}\n[[overrides]]\ndecision = \"block\"\n"));
        assert_eq!(e.line, Some(18), "{e}");
        assert!(e.message.contains("no condition"), "{e}");
    }

    #[test]
    fn bad_bands_name_line() {
        let e = err_of(&MINI.replace("review = 40", "review = 80"));
        assert_eq!(
            e.to_string(),
            "line 4, column 10: bands.review (80) must be below bands.block (80)"
        );
        let e = err_of(&MINI.replace("block = 80", "block = 101"));
        assert_eq!(
            e.to_string(),
            "line 5, column 9: bands.block = 101 is outside 0..=100"
        );
        let e = err_of(&MINI.replace("review = 40", "review = -1"));
        assert_eq!(e.line, Some(4), "{e}");
    }

    #[test]
    fn other_mistakes_are_refused_with_lines() {
        let e = err_of(&MINI.replace("version = \"t1\"", "version = \" \""));
        assert_eq!(e.line, Some(1), "{e}");
        assert!(e.message.contains("version must not be empty"));

        let e = err_of(&MINI.replace("version = \"t1\"\n", ""));
        assert!(e.message.contains("missing field `version`"), "{e}");

        let e = err_of(&format!(
            "{MINI}\n[codes.tor_exit]\nseverity = \"severe\"\n"
        ));
        assert_eq!(e.line, Some(18), "{e}");
        assert!(e.message.contains("unknown severity \"severe\""), "{e}");

        let e = err_of(&format!("{MINI}\n[codes.rmm-connected]\nweight = 0.2\n"));
        assert_eq!(e.line, Some(17), "{e}");
        assert!(e.message.contains("snake_case"), "{e}");

        let e = err_of(&format!("{MINI}\n[codes.tor_exit]\n"));
        assert_eq!(e.line, Some(17), "{e}");
        assert!(e.message.contains("codes.tor_exit sets nothing"), "{e}");

        let e = err_of(&MINI.replace("weight = 0.3\n", "weight = \"high\"\n"));
        assert_eq!(e.line, Some(14), "{e}");
    }

    #[test]
    fn integer_weights_are_accepted() {
        let p = Policy::from_toml(&MINI.replace("weight = 0.3\n", "weight = 0\n")).unwrap();
        assert_eq!(p.weigh("x", Category::VpnOrProxy, Severity::High).1, 0.0);
    }
}
