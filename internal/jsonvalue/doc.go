// Package jsonvalue decodes and encodes the generic JSON values the
// AdminService client and the served site exchange — objects as
// map[string]any, arrays as []any, strings, json.Number, bools and nil —
// exactly as encoding/json does (a Decoder with UseNumber; an Encoder
// with SetEscapeHTML(false), without its trailing newline), in one pass
// over bytes already in memory.
//
// encoding/json reads such a value three times (its decoder scans the
// value into its buffer, unmarshals it scanning again, and unquotes each
// string into a copy before making it a string) and encodes a map
// through reflection; a sequence's 40 KB of XML, with a quote escaped
// every twenty bytes, made that most of the CPU of a remote read. The
// differential tests and fuzz targets hold both functions to
// encoding/json byte for byte and value for value, errors included.
//
// A value passed back whole need not be decoded and encoded again:
// DecodeObjectMembers shows each object member's bytes to a Taker before
// decoding it (the served site takes an SMS_TaskSequence it handed out
// without decoding it), DecodeObjectOmitting checks members it is told
// to leave out without building them (the client's instance annotations),
// and Append writes a Raw as it is (the client sends back the bytes it
// was given).
package jsonvalue
