// Package yamlwrite writes a tree of YAML nodes as exactly the bytes
// gopkg.in/yaml.v3 (v3.0.1) writes for it with an Encoder indenting by 2,
// without the event queue and allocations of yaml.v3's emitter.
//
// It handles the trees convert builds: mappings and sequences in block or
// flow style, scalars tagged !!str, !!int, !!bool or !!null (or untagged)
// in plain, single-quoted, double-quoted or literal style, a head comment
// on the document and a line comment on a flow collection in block
// context. Document decides up front, by one walk of the tree, whether it
// handles every node; when it does not, it writes nothing and says so, and
// the caller writes the tree with yaml.v3.
//
// The writer mirrors yaml.v3's emitter (emitterc.go) for that subset
// function by function — its scalar analysis, its choice of scalar style,
// its indentation, its escapes, its line folding (at a width yaml.v3's
// Encoder leaves unlimited: it folds nothing) — and
// yaml.v3's encoder (encode.go) for the tags it drops and the strings it
// quotes because they would read back as another type (resolve.go). Its
// tests hold its output to yaml.v3's, byte for byte, on crafted trees, on
// fuzzed ones, and (in internal/convert) on every sequence convert writes
// from the real exports.
package yamlwrite
