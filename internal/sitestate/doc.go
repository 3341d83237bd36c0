// Package sitestate reads what a plan needs from a site: one query per
// class of every object kind (object.ReadClasses), at most a few at once,
// indexed by name, by PackageID and by program; then, while planning, the
// lazy read of each managed sequence (SetSequence). Everything else —
// resolving names, diffing, planning — asks a State, never the site, so a
// plan's reads are exactly these.
//
// It imports provider, internal/model, internal/object and internal/diag.
package sitestate
