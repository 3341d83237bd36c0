package jsonvalue

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is how deeply objects and arrays may nest, as in encoding/json.
const maxDepth = 10000

// SyntaxError is a JSON text Decode refuses, at a byte offset.
type SyntaxError struct {
	Offset int64 // the offset of the byte the error was found at
	msg    string
}

func (e *SyntaxError) Error() string { return e.msg + " at offset " + strconv.FormatInt(e.Offset, 10) }

// Decode decodes the one JSON value data holds (whitespace around it
// allowed, nothing else) into the values encoding/json's Decoder with
// UseNumber produces: map[string]any (a repeated key keeps its last
// value), []any, string, json.Number, bool and nil. Strings are made
// valid UTF-8 as encoding/json makes them (an invalid byte or a lone
// surrogate escape becomes U+FFFD); a string without escapes is copied
// once, straight from data, and one with escapes is unescaped into a
// scratch buffer the decoder reuses.
func Decode(data []byte) (any, error) {
	d := decoder{data: data}
	if sp, ok := scratchPool.Get().(*[]byte); ok {
		d.scratch = *sp
	}
	defer func() {
		if cap(d.scratch) <= maxPooledScratch {
			scratchPool.Put(&d.scratch)
		}
	}()
	d.space()
	if d.i == len(d.data) {
		return nil, d.errEnd()
	}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.i < len(d.data) {
		return nil, d.errAt("invalid character " + quoteChar(d.data[d.i]) + " after top-level value")
	}
	return v, nil
}

// DecodeObject is Decode for a text that must hold an object.
func DecodeObject(data []byte) (map[string]any, error) {
	v, err := Decode(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the JSON value is not an object")
	}
	return m, nil
}

// A Taker is shown the encoding of an object member of the object
// DecodeObjectMembers decodes (raw: a slice of its input, valid only
// during the call, from '{' to its '}') and may take it: when ok, v
// stands for the member's value, which is not decoded. A Taker must take
// only what it knows to be a valid encoding of an object (bytes equal to
// one it wrote, or read and decoded itself): what it takes is not checked.
type Taker func(key string, raw []byte) (v any, ok bool)

// DecodeObjectMembers is DecodeObject, except that the value of each
// member of the object that is itself an object is first shown to take,
// which may stand a value of its own for it (Taker). A member take
// leaves is decoded as DecodeObject decodes it; so is the rest of the
// text, refused as DecodeObject refuses it.
func DecodeObjectMembers(data []byte, take Taker) (map[string]any, error) {
	return decodeObjectWith(&decoder{data: data, take: take})
}

// DecodeObjectOmitting is DecodeObject, except that the members of the
// object omit reports are checked as DecodeObject checks them but left
// out of the map: a string is not unescaped or copied.
func DecodeObjectOmitting(data []byte, omit func(key string) bool) (map[string]any, error) {
	return decodeObjectWith(&decoder{data: data, omit: omit})
}

// decodeObjectWith decodes d's text, an object, as DecodeObject does, with
// what d was given to take or omit members; text that is not an object is
// decoded (and refused) by DecodeObject itself.
func decodeObjectWith(d *decoder) (map[string]any, error) {
	data := d.data
	d.space()
	if d.i == len(d.data) || d.data[d.i] != '{' {
		return DecodeObject(data)
	}
	if sp, ok := scratchPool.Get().(*[]byte); ok {
		d.scratch = *sp
	}
	defer func() {
		if cap(d.scratch) <= maxPooledScratch {
			scratchPool.Put(&d.scratch)
		}
	}()
	v, err := d.object(1)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.i < len(d.data) {
		return nil, d.errAt("invalid character " + quoteChar(d.data[d.i]) + " after top-level value")
	}
	return v.(map[string]any), nil
}

// skipValue checks the value at d.i as value does and moves past it,
// building a string not at all.
func (d *decoder) skipValue(depth int) error {
	if d.data[d.i] != '"' {
		_, err := d.value(depth)
		return err
	}
	i := d.i + 1
	for {
		i = plainRun(d.data, i)
		if i >= len(d.data) {
			d.i = i
			return d.errEnd()
		}
		switch c := d.data[i]; {
		case c == '"':
			d.i = i + 1
			return nil
		case c == '\\':
			i++
			if i >= len(d.data) {
				d.i = i
				return d.errEnd()
			}
			switch d.data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				d.i = i + 1
				if _, err := d.hex4(); err != nil {
					return err
				}
				i = d.i
			default:
				d.i = i
				return d.errChar("in string escape code")
			}
		case c < 0x20:
			d.i = i
			return d.errChar("in string literal")
		default:
			i++ // a byte of a UTF-8 sequence, valid or not (str makes it U+FFFD)
		}
	}
}

// taken shows the object at d.i, a member of the top-level object (depth
// 1) named key, to d.take, and moves past it if d.take takes it.
func (d *decoder) taken(depth int, key string) (any, bool) {
	if d.take == nil || depth != 1 || d.data[d.i] != '{' {
		return nil, false
	}
	end, ok := skipObject(d.data, d.i)
	if !ok {
		return nil, false // decoded, and refused, as it is
	}
	v, took := d.take(key, d.data[d.i:end])
	if took {
		d.i = end
	}
	return v, took
}

// skipObject returns the index just past the '}' that closes the object
// opened at data[i], counting braces and brackets outside strings and
// skipping strings whole, escapes included; false if data ends first. It
// checks nothing else: for a valid object the end is exact, and for any
// other text the decoder, not skipObject, says what is wrong.
func skipObject(data []byte, i int) (int, bool) {
	depth := 0
	for i < len(data) {
		switch data[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		case '"':
			for i++; i < len(data); i++ {
				i = plainRun(data, i)
				if i >= len(data) || data[i] == '"' {
					break
				}
				if data[i] == '\\' {
					i++
				}
			}
		}
		i++
	}
	return 0, false
}

// scratchPool keeps the scratch buffers of past Decodes, up to
// maxPooledScratch each.
var scratchPool sync.Pool

const maxPooledScratch = 1 << 20

type decoder struct {
	data    []byte
	i       int
	scratch []byte                // unescaped strings are built here
	keys    map[string]string     // object keys seen, so that a key repeated in every element is one string
	take    Taker                 // DecodeObjectMembers' taker of the top-level object's object members, or nil
	omit    func(key string) bool // DecodeObjectOmitting's members of the top-level object to check and drop, or nil
}

func (d *decoder) errAt(msg string) error { return &SyntaxError{Offset: int64(d.i), msg: msg} }

func (d *decoder) errEnd() error {
	return &SyntaxError{Offset: int64(len(d.data)), msg: "unexpected end of JSON input"}
}

// errChar reports the byte at d.i (or the end of the input) where what
// was expected.
func (d *decoder) errChar(context string) error {
	if d.i >= len(d.data) {
		return d.errEnd()
	}
	return d.errAt("invalid character " + quoteChar(d.data[d.i]) + " " + context)
}

func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	if c >= utf8.RuneSelf {
		s = strconv.Quote(string([]byte{c}))
	}
	return "'" + s[1:len(s)-1] + "'"
}

func (d *decoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value decodes the value at d.i (whitespace before it skipped).
func (d *decoder) value(depth int) (any, error) {
	switch c := d.data[d.i]; {
	case c == '{':
		return d.object(depth + 1)
	case c == '[':
		return d.array(depth + 1)
	case c == '"':
		return d.str()
	case c == '-' || ('0' <= c && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, d.errChar("looking for beginning of value")
}

func (d *decoder) literal(word string) error {
	for k := 0; k < len(word); k++ {
		if d.i >= len(d.data) {
			return d.errEnd()
		}
		if d.data[d.i] != word[k] {
			return d.errChar("in literal " + word + " (expecting " + quoteChar(word[k]) + ")")
		}
		d.i++
	}
	return nil
}

func (d *decoder) object(depth int) (any, error) {
	if depth > maxDepth {
		return nil, d.errAt("exceeded max depth")
	}
	d.i++ // {
	m := map[string]any{}
	d.space()
	if d.i < len(d.data) && d.data[d.i] == '}' {
		d.i++
		return m, nil
	}
	for {
		if d.i >= len(d.data) {
			return nil, d.errEnd()
		}
		if d.data[d.i] != '"' {
			return nil, d.errChar("looking for beginning of object key string")
		}
		key, err := d.key()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.i >= len(d.data) {
			return nil, d.errEnd()
		}
		if d.data[d.i] != ':' {
			return nil, d.errChar("after object key")
		}
		d.i++
		d.space()
		if d.i >= len(d.data) {
			return nil, d.errEnd()
		}
		if took, ok := d.taken(depth, key); ok {
			m[key] = took
		} else if d.omit != nil && depth == 1 && d.omit(key) {
			if err := d.skipValue(depth); err != nil {
				return nil, err
			}
		} else {
			v, err := d.value(depth)
			if err != nil {
				return nil, err
			}
			m[key] = v
		}
		d.space()
		if d.i >= len(d.data) {
			return nil, d.errEnd()
		}
		switch d.data[d.i] {
		case ',':
			d.i++
			d.space()
		case '}':
			d.i++
			return m, nil
		default:
			return nil, d.errChar("after object key:value pair")
		}
	}
}

func (d *decoder) array(depth int) (any, error) {
	if depth > maxDepth {
		return nil, d.errAt("exceeded max depth")
	}
	d.i++ // [
	a := []any{}
	d.space()
	if d.i < len(d.data) && d.data[d.i] == ']' {
		d.i++
		return a, nil
	}
	for {
		if d.i >= len(d.data) {
			return nil, d.errEnd()
		}
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		d.space()
		if d.i >= len(d.data) {
			return nil, d.errEnd()
		}
		switch d.data[d.i] {
		case ',':
			d.i++
			d.space()
		case ']':
			d.i++
			return a, nil
		default:
			return nil, d.errChar("after array element")
		}
	}
}

// number reads a number as RFC 8259 writes one:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() (any, error) {
	start := d.i
	digits := func(context string) error {
		if d.i >= len(d.data) {
			return d.errEnd()
		}
		if c := d.data[d.i]; c < '0' || c > '9' {
			return d.errChar(context)
		}
		for d.i < len(d.data) && '0' <= d.data[d.i] && d.data[d.i] <= '9' {
			d.i++
		}
		return nil
	}
	if d.data[d.i] == '-' {
		d.i++
	}
	if d.i < len(d.data) && d.data[d.i] == '0' {
		d.i++
	} else if err := digits("in numeric literal"); err != nil {
		return nil, err
	}
	if d.i < len(d.data) && d.data[d.i] == '.' {
		d.i++
		if err := digits("after decimal point in numeric literal"); err != nil {
			return nil, err
		}
	}
	if d.i < len(d.data) && (d.data[d.i] == 'e' || d.data[d.i] == 'E') {
		d.i++
		if d.i < len(d.data) && (d.data[d.i] == '+' || d.data[d.i] == '-') {
			d.i++
		}
		if err := digits("in exponent of numeric literal"); err != nil {
			return nil, err
		}
	}
	return json.Number(d.data[start:d.i]), nil
}

// plain are the ASCII bytes a string holds as they are.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainRun returns the index of the first byte from i on that a string
// does not hold as it is (a quote, a backslash, a control character or
// a byte of a multi-byte UTF-8 sequence), or len(data): eight bytes at a
// time while none of them is.
func plainRun[T []byte | string](data T, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(data); i += 8 {
		w := data[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		q := x ^ (ones * '"')
		bs := x ^ (ones * '\\')
		// A high bit set in special marks a byte that is zero in q or in
		// bs, or under 0x20 in x, or x's own high bit (non-ASCII); a
		// borrow marks only bytes above one that is marked itself.
		special := ((q - ones) &^ q) | ((bs - ones) &^ bs) | (x - ones*0x20) | x
		if m := special & highs; m != 0 {
			// The lowest marked byte is the first special one.
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(data) && data[i] < utf8.RuneSelf && plain[data[i]] {
		i++
	}
	return i
}

// key reads an object key: the keys of an array's objects repeat, so each
// distinct key is made a string once per Decode.
func (d *decoder) key() (string, error) {
	start := d.i + 1
	i := plainRun(d.data, start)
	if i < len(d.data) && d.data[i] == '"' && i-start <= 64 {
		raw := d.data[start:i]
		if k, ok := d.keys[string(raw)]; ok {
			d.i = i + 1
			return k, nil
		}
		if d.keys == nil {
			d.keys = map[string]string{}
		}
		k := string(raw)
		d.keys[k] = k
		d.i = i + 1
		return k, nil
	}
	return d.str()
}

// str reads the string at d.i.
func (d *decoder) str() (string, error) {
	start := d.i + 1
	i := start
	for i < len(d.data) {
		i = plainRun(d.data, i)
		if i >= len(d.data) || d.data[i] < utf8.RuneSelf {
			break
		}
		r, size := utf8.DecodeRune(d.data[i:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	if i < len(d.data) && d.data[i] == '"' {
		d.i = i + 1
		return string(d.data[start:i]), nil
	}
	// Escapes, control characters or invalid UTF-8 from i on.
	b := append(d.scratch[:0], d.data[start:i]...)
	for {
		if i >= len(d.data) {
			d.i = i
			return "", d.errEnd()
		}
		c := d.data[i]
		switch {
		case c == '"':
			d.i = i + 1
			d.scratch = b
			return string(b), nil
		case c == '\\':
			i++
			if i >= len(d.data) {
				d.i = i
				return "", d.errEnd()
			}
			switch e := d.data[i]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				d.i = i + 1
				r, err := d.hex4()
				if err != nil {
					return "", err
				}
				i = d.i
				if utf16.IsSurrogate(r) {
					// A pair, else U+FFFD for the first half (the
					// escape after it, if any, is read on its own).
					if r2, ok := d.peekHex4(i); ok {
						if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
							r = dec
							i += 6
						} else {
							r = unicode.ReplacementChar
						}
					} else {
						r = unicode.ReplacementChar
					}
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				d.i = i
				return "", d.errChar("in string escape code")
			}
			i++
		case c < 0x20:
			d.i = i
			return "", d.errChar("in string literal")
		case c < utf8.RuneSelf:
			// A run of plain bytes, copied at once.
			j := plainRun(d.data, i+1)
			b = append(b, d.data[i:j]...)
			i = j
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			b = utf8.AppendRune(b, r) // U+FFFD for an invalid byte
			i += size
		}
	}
}

// hex4 reads the four hex digits of a \u escape at d.i.
func (d *decoder) hex4() (rune, error) {
	var r rune
	for k := 0; k < 4; k++ {
		if d.i >= len(d.data) {
			return 0, d.errEnd()
		}
		c := d.data[d.i]
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, d.errChar("in \\u hexadecimal character escape")
		}
		r = r<<4 | rune(v)
		d.i++
	}
	return r, nil
}

// peekHex4 reads a \uXXXX escape at i, if there is a whole one.
func (d *decoder) peekHex4(i int) (rune, bool) {
	if i+6 > len(d.data) || d.data[i] != '\\' || d.data[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range d.data[i+2 : i+6] {
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}
