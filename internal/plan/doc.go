// Package plan holds the types that describe a tsctl plan — the ordered
// actions that bring a site to a configuration — which are also the plan
// document of the JSON contract (plan --json, show --json, the plan event
// of apply --json, and the plan a plan file saves): its fields are
// documented on the types, its version is FormatVersion. internal/views
// renders it for people and as JSON.
//
// It sits between the engine, which makes plans, and what shows or saves
// them (internal/views, internal/planfile); it imports only
// internal/object.
package plan
