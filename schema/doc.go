// Package schema holds tsctl's JSON Schema (draft 2020-12) and validates
// YAML documents against it, reporting every violation at the line and
// column of the YAML node it concerns.
package schema
