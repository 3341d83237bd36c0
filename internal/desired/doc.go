// Package desired turns configuration into the objects a site should hold:
// package instances and, for each sequence, the task sequence in the form
// ImportSequence accepts, with every reference by name resolved to an ID.
//
// It builds from internal/config into internal/model through a Resolver
// the engine supplies (names to IDs on a site), and imports no engine or
// provider package.
package desired
