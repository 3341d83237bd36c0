// Package config loads tsctl configuration files: YAML decoded through
// yaml.Node so that every value keeps its file:line:col, validated against
// the JSON Schema, merged across files and checked for the semantic rules
// the schema cannot express.
//
// It holds the configuration's model (Config, Package, Sequence, Step), the
// tables of typed step forms (kinds.go) and condition forms
// (conditions.go) that the schema, desired and convert share, and the
// offline lint. It imports internal/diag, internal/object,
// internal/localfile, internal/model and schema, never the engine or a
// provider.
package config
