// Package views is tsctl's output: every document and event a --json
// prints, typed and versioned, and the human text rendered from the same
// types. The commands build a view from what the engine, the
// configuration or the site returned, and print it; nothing else writes
// tsctl's output formats.
//
// # The JSON contract
//
// Every JSON document and every event carries format_version, "MAJOR.MINOR":
// a minor version adds fields; a major one changes or removes them. Fields
// marked optional are left out when empty.
//
//   - tsctl validate --json: a Validation (FormatVersion).
//   - tsctl plan --json, tsctl show --json: the plan document, plan.Plan
//     (its own version, plan.FormatVersion; see internal/plan).
//   - tsctl apply --json: one event per line, told apart by "event": a
//     PlanEvent, then a StartEvent and a DoneEvent per object, then a
//     SummaryEvent, and with --wait-distribution a DistributionEvent
//     after it; or, for a saved plan already applied, one
//     AlreadyAppliedEvent (FormatVersion).
//   - tsctl site show --json: a SiteObjects (FormatVersion).
//
// Keys are written in the order the types declare them, which for the
// event types is alphabetical.
package views
