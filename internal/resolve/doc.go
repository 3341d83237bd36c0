// Package resolve turns the names a configuration gives into the IDs a site
// uses, for the desired-state builder (it implements desired.Resolver):
// objects the configuration declares first (known after apply creates
// them), then what a sitestate.State read, with "did you mean" hints, the
// ambiguities a site allows, and during apply the secrets' values (kept
// out of messages). A Tracker records what a build referenced, which is
// what the engine orders sequences by.
//
// It imports internal/sitestate, internal/config, internal/desired,
// internal/secret, internal/object and internal/diag.
package resolve
