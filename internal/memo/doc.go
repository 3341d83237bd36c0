// Package memo keeps, across runs, what planning learnt about declared
// sequences a site already stores: for a sequence's fingerprint (what the
// configuration says, and the tsctl that built it), what its build asked
// of the site and the hash of the XML the site stored that it equals. The
// engine defines what goes in an entry (engine.Memo); this package only
// stores entries, in a bbolt file in the user's cache folder, read by any
// number of runs at once and written at the end of a run that learnt
// something, when no other run is writing it. Nothing secret is stored.
//
// It imports nothing of tsctl but internal/mapped.
package memo
