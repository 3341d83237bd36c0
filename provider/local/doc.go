// Package local is tsctl's embedded Configuration Manager site: a durable,
// single-writer store (bbolt) that implements the SMS Provider's behaviour
// server-side — PackageID assignment, ImportSequence and SetSequence with
// the site's normal form, derived references, size limits, SEDO-style locks
// and object versions — behind the same provider.Site seam as a real site.
// It also offers fault and latency injection for tests and benchmarks.
package local
