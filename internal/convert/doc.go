// Package convert turns task sequences as sites store them into tsctl
// YAML: each step in its typed form when that form reproduces the step
// exactly (checked by building the step back), otherwise in the lossless
// generic form; references by name where a name is known.
//
// It is desired's inverse and checks itself against it; it reads what
// internal/exportfile reads, and names references through a NameSource
// (export files, or the site through engine.SiteNames). It imports no
// engine or provider package.
package convert
