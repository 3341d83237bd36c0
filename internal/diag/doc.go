// Package diag holds positioned diagnostics — problems reported as
// file:line:col: message with an optional hint and lint code — and the
// "did you mean" suggestions. Every layer reports through it (schema,
// config, desired, convert, engine, cmd), so it imports no other package of
// tsctl.
package diag
