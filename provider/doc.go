// Package provider defines the seam between tsctl and a Configuration
// Manager site: the SMS Provider's own primitives (query a class, get an
// instance with its lazy properties, put, delete, execute a static method,
// read lock information). Implementations live in sub-packages: local (the
// embedded site), and the remote providers. The engine builds every
// documented call sequence on top of these primitives only.
package provider
