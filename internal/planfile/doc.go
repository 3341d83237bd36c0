// Package planfile writes and reads saved plans: the plan a change board
// approved, with what it was computed from — the configuration's hash, the
// site, and each object's observed version — so that apply can execute
// exactly that plan or refuse a stale one. Plan files never hold secrets.
//
// It stores internal/plan's plan with the configuration's hash and the
// site's identity; the engine checks a saved plan against the site.
package planfile
