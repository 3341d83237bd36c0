package jsonvalue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Raw is the encoding of one JSON value, which Append writes as it is: a
// value read once and passed back whole is not decoded and encoded
// again. Append does not check it: a Raw must hold one valid JSON value
// (bytes decoded without error, or written by Append).
type Raw []byte

// Append appends the JSON encoding of v to dst, byte for byte what an
// encoding/json Encoder with SetEscapeHTML(false) writes (object keys
// sorted, '<', '>' and '&' as they are, U+2028 and U+2029 escaped,
// invalid UTF-8 as \ufffd), without the newline it ends with; a Raw as it
// is. The values Decode returns, and the strings, integers, bools and
// slices of them a provider.Instance holds, are written directly;
// anything else through encoding/json.
func Append(dst []byte, v any) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, t), nil
	case Raw:
		return append(dst, t...), nil
	case bool:
		return strconv.AppendBool(dst, t), nil
	case int64:
		return strconv.AppendInt(dst, t, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(t), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(t), 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(t), 10), nil
	case uint64:
		return strconv.AppendUint(dst, t, 10), nil
	case json.Number:
		if t == "" {
			return append(dst, '0'), nil
		}
		if !validNumber(string(t)) {
			return dst, fmt.Errorf("json: invalid number literal %q", string(t))
		}
		return append(dst, t...), nil
	case map[string]any:
		if t == nil {
			return append(dst, "null"...), nil
		}
		return appendObject(dst, t)
	case []any:
		return appendArray(dst, t)
	case []string:
		if t == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range t {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, e)
		}
		return append(dst, ']'), nil
	case []map[string]any:
		return appendArray(dst, t)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	return append(dst, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...), nil
}

// Marshal returns what Append(nil, v) returns, in a slice of its exact
// length: the value is encoded in a buffer kept for the next call, so
// that a large value (a sequence's 40 KB of XML) costs one allocation of
// its size, not the doublings of a slice grown from nothing.
func Marshal(v any) ([]byte, error) {
	buf, _ := marshalBuffers.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	b, err := Append((*buf)[:0], v)
	out := append([]byte(nil), b...)
	if cap(b) <= maxPooledScratch {
		*buf = b
		marshalBuffers.Put(buf)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// marshalBuffers are Marshal's buffers, each up to maxPooledScratch.
var marshalBuffers sync.Pool

func appendObject(dst []byte, m map[string]any) ([]byte, error) {
	var buf [32]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = Append(dst, m[k]); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// AppendString is Append of a string, without making it an interface
// value first.
func AppendString(dst []byte, s string) []byte { return appendString(dst, s) }

const hexDigits = "0123456789abcdef"

// appendString writes s quoted as encoding/json does without HTML
// escaping.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if plain[c] {
				i = plainRun(s, i+1)
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// validNumber reports whether s is a JSON number.
func validNumber(s string) bool {
	d := decoder{data: []byte(s)}
	if len(s) == 0 || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	_, err := d.number()
	return err == nil && d.i == len(s)
}

// appendArray appends list as a JSON array, each element as Append
// writes it; a nil list is null.
func appendArray[T any](dst []byte, list []T) ([]byte, error) {
	if list == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	for i, e := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = Append(dst, e); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}
