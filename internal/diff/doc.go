// Package diff compares what a site holds with what a configuration wants,
// in what an author controls: step trees aligned by a longest common
// subsequence and reported by path (Steps), fields (Field), and the whole
// tree of a sequence created or deleted (Tree), with references named. It
// reads sequences already brought to the site's normal form
// (model.Normalize, model.Comparable) and writes internal/plan's changes.
//
// It imports internal/model, internal/plan, internal/config and
// internal/desired.
package diff
