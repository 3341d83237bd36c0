// Package plan holds the types that describe a tsctl plan — the ordered
// actions that bring a site to a configuration — and renders them as human
// text and as a versioned JSON document built from the same data.
//
// It sits between the engine, which makes plans, and what shows or saves
// them (cmd/tsctl, internal/planfile); it imports no other package of tsctl.
package plan
