// Package secret reads the secrets a configuration names — from an
// environment variable or a file, never inline — before the site is
// opened (ReadAll), says without reading one what would keep apply from it
// (Find), and keeps every value read out of the messages a site echoes
// (Redactor). Errors name a secret's source, never its value.
//
// It imports internal/config, internal/diag, internal/localfile and
// internal/model.
package secret
