package model

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// scan reads a document into an Elem tree. It accepts the XML that sites
// and exports write — elements, attributes, text, character and predefined
// entity references, CDATA, comments, an XML declaration and a byte-order
// mark — and rejects anything else (DOCTYPE, unknown entities, mismatched
// tags). Line ends are normalised as XML requires (CRLF and CR read as LF).
// It is several times faster than encoding/xml, which readTreeStd keeps as
// the reference in tests.
func scan(data []byte) (*Elem, error) {
	s := &scanner{data: data, line: 1}
	defer s.release()
	s.skipBOM()
	var stack []*Elem
	var root *Elem
	// An element's attributes and children are gathered here, then
	// copied to slices of their size: Attrs once its start tag is read,
	// Children once it ends (kids holds the children of every open
	// element, those of stack[i] from starts[i] on).
	var attrBuf [8]Attr
	var kidBuf [32]*Elem
	attrs, kids := attrBuf[:0], kidBuf[:0]
	var starts []int
	for s.pos < len(s.data) {
		if s.data[s.pos] != '<' {
			text, err := s.text()
			if err != nil {
				return nil, err
			}
			if len(stack) == 0 {
				if strings.TrimSpace(text) != "" {
					return nil, s.errorf("text outside the root element")
				}
				continue
			}
			top := stack[len(stack)-1]
			top.Text += text
			continue
		}
		// the byte after '<' tells markup from a tag without comparing
		// the prefixes of markup a tag is not (0: none, or a NUL byte)
		var next byte
		if s.pos+1 < len(s.data) {
			next = s.data[s.pos+1]
		}
		switch {
		case next == '!' && bytes.HasPrefix(s.data[s.pos:], []byte("<!--")):
			if err := s.skipUntil("-->"); err != nil {
				return nil, err
			}
		case next == '!' && bytes.HasPrefix(s.data[s.pos:], []byte("<![CDATA[")):
			if len(stack) == 0 {
				return nil, s.errorf("CDATA outside the root element")
			}
			start := s.pos + 9
			end := bytes.Index(s.data[start:], []byte("]]>"))
			if end < 0 {
				return nil, s.errorf("unterminated CDATA section")
			}
			raw := s.data[start : start+end]
			s.countLines(s.data[s.pos : start+end+3])
			s.pos = start + end + 3
			stack[len(stack)-1].Text += normalizeNewlines(string(raw))
		case next == '?':
			if err := s.skipUntil("?>"); err != nil {
				return nil, err
			}
		case next == '!':
			return nil, s.errorf("unsupported markup declaration (DOCTYPE and the like are not allowed)")
		case next == '/':
			s.pos += 2
			name := s.name()
			if name == "" {
				return nil, s.errorf("invalid end tag")
			}
			s.space()
			if s.pos >= len(s.data) || s.data[s.pos] != '>' {
				return nil, s.errorf("invalid end tag </%s", name)
			}
			s.pos++
			if len(stack) == 0 {
				return nil, s.errorf("unexpected end element </%s>", name)
			}
			top := stack[len(stack)-1]
			if top.Name != name {
				return nil, s.errorf("element <%s> closed by </%s>", top.Name, name)
			}
			if start := starts[len(starts)-1]; len(kids) > start {
				top.Children = append(make([]*Elem, 0, len(kids)-start), kids[start:]...)
				kids = kids[:start]
			}
			if len(top.Children) > 0 && strings.TrimSpace(top.Text) == "" {
				top.Text = ""
			}
			stack, starts = stack[:len(stack)-1], starts[:len(starts)-1]
		default:
			s.pos++
			name := s.name()
			if name == "" {
				return nil, s.errorf("invalid element name")
			}
			if len(stack) >= MaxDepth {
				return nil, s.errorf("elements nested deeper than %d", MaxDepth)
			}
			e := &Elem{Name: name}
			attrs = attrs[:0]
			self := false
			for {
				sp := s.space()
				if s.pos >= len(s.data) {
					return nil, s.errorf("unexpected end of document in <%s>", name)
				}
				c := s.data[s.pos]
				if c == '>' {
					s.pos++
					break
				}
				if c == '/' && s.pos+1 < len(s.data) && s.data[s.pos+1] == '>' {
					s.pos += 2
					self = true
					break
				}
				if !sp {
					return nil, s.errorf("expected space before attribute in <%s>", name)
				}
				an := s.name()
				if an == "" {
					return nil, s.errorf("invalid attribute in <%s>", name)
				}
				s.space()
				if s.pos >= len(s.data) || s.data[s.pos] != '=' {
					return nil, s.errorf("attribute %s of <%s> has no value", an, name)
				}
				s.pos++
				s.space()
				v, err := s.attrValue()
				if err != nil {
					return nil, err
				}
				for _, a := range attrs {
					if a.Name == an {
						return nil, s.errorf("attribute %s repeated in <%s>", an, name)
					}
				}
				attrs = append(attrs, Attr{Name: an, Value: v})
			}
			if len(attrs) > 0 {
				e.Attrs = append(make([]Attr, 0, len(attrs)), attrs...)
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, s.errorf("more than one root element")
				}
				root = e
			} else {
				kids = append(kids, e)
			}
			if !self {
				stack, starts = append(stack, e), append(starts, len(kids))
			}
		}
	}
	if len(stack) > 0 {
		return nil, s.errorf("unexpected end of document: <%s> is not closed", stack[len(stack)-1].Name)
	}
	if root == nil {
		return nil, &SyntaxError{Msg: "empty document: expected <sequence>"}
	}
	return root, nil
}

type scanner struct {
	data     []byte
	pos      int
	line     int
	lpos     int          // position up to which lines are counted
	interned *internTable // short names and values read (intern)
	scratch  *[]byte      // where unescape resolves a text (scratchFor)
}

func (s *scanner) errorf(format string, args ...any) error {
	s.countLines(s.data[s.lpos:min(s.pos, len(s.data))])
	return &SyntaxError{Line: s.line, Msg: fmt.Sprintf(format, args...)}
}

func (s *scanner) countLines(b []byte) {
	s.line += bytes.Count(b, []byte{'\n'})
	s.lpos += len(b)
}

func (s *scanner) skipBOM() {
	if bytes.HasPrefix(s.data, []byte("\xef\xbb\xbf")) {
		s.pos = 3
		s.lpos = 3
	}
}

func (s *scanner) skipUntil(end string) error {
	i := bytes.Index(s.data[s.pos:], []byte(end))
	if i < 0 {
		return s.errorf("unterminated %q", string(s.data[s.pos:min(s.pos+4, len(s.data))]))
	}
	s.pos += i + len(end)
	return nil
}

func (s *scanner) space() bool {
	start := s.pos
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
			continue
		}
		break
	}
	return s.pos > start
}

func isNameByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		return true
	case c >= '0' && c <= '9', c == '-', c == '.', c == ':':
		return !first
	}
	return false
}

// name reads an element or attribute name. Sequence documents use ASCII
// names only; anything else ends the name (and so fails the parse).
func (s *scanner) name() string {
	start := s.pos
	for s.pos < len(s.data) && isNameByte(s.data[s.pos], s.pos == start) {
		s.pos++
	}
	if s.pos < len(s.data) && s.data[s.pos] >= 0x80 {
		return ""
	}
	return s.intern(s.data[start:s.pos])
}

// internMax is the longest name or attribute value intern keeps.
const internMax = 48

// intern returns b as a string, the same string as the last time the same
// bytes were interned when b is short: a sequence repeats a few dozen
// element and attribute names, and property names and values such as
// "true", thousands of times. The strings are kept in a table of
// internSlots, each slot holding the last string of its hash: looking a
// name up costs a hash of at most 16 of its bytes and one comparison, not
// a map's hashing and probing, and a value met once costs no entry of a
// map (an export's object.xml, its ReferencesInfo.xml items and its
// sequence are 25 documents to one sequence).
func (s *scanner) intern(b []byte) string {
	if len(b) > internMax {
		return string(b)
	}
	if s.interned == nil {
		s.interned = internTables.Get().(*internTable)
	}
	slot := &s.interned[internHash(b)]
	if *slot == string(b) { // compared without a copy
		return *slot
	}
	v := string(b)
	*slot = v
	return v
}

// internSlots is the number of strings an internTable holds.
const (
	internBits  = 10
	internSlots = 1 << internBits
)

// internTable is where intern keeps the strings it hands out, by hash.
type internTable [internSlots]string

// internTables holds the tables intern fills, with what they hold: the
// strings are immutable, and equal bytes intern to an equal string
// whichever document interned it first (the same names recur across
// documents); a table dropped by the pool lets its strings go.
var internTables = sync.Pool{New: func() any { return new(internTable) }}

// internHash is the slot of internTable b goes to: its length and its
// first and last eight bytes (all of them up to 16), mixed.
func internHash(b []byte) uint {
	n := len(b)
	var x uint64
	switch {
	case n >= 8:
		x = binary.LittleEndian.Uint64(b) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(b[n-8:]), 29)
	case n >= 4:
		x = uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<32
	case n > 0:
		x = uint64(b[0]) | uint64(b[n/2])<<8 | uint64(b[n-1])<<16
	}
	x ^= uint64(n) << 56
	return uint((x * 0x9E3779B97F4A7C15) >> (64 - internBits))
}

// release gives the scanner's intern table and scratch buffer back; the
// strings it handed out are the document's (and may be another's too).
func (s *scanner) release() {
	if t := s.interned; t != nil {
		internTables.Put(t)
	}
	s.interned = nil
	if b := s.scratch; b != nil && cap(*b) <= maxPooledScratch {
		scratchBuffers.Put(b)
	}
	s.scratch = nil
}

// text reads character data up to the next '<'.
func (s *scanner) text() (string, error) {
	end := bytes.IndexByte(s.data[s.pos:], '<')
	if end < 0 {
		end = len(s.data) - s.pos
	}
	raw := s.data[s.pos : s.pos+end]
	start := s.pos
	if k := bytes.Index(raw, []byte("]]>")); k >= 0 {
		s.pos += k
		return "", s.errorf("unescaped ]]> not in a CDATA section")
	}
	s.pos += end
	v, err := s.unescape(raw, start)
	if err != nil {
		return "", err
	}
	return v, nil
}

func (s *scanner) attrValue() (string, error) {
	if s.pos >= len(s.data) || (s.data[s.pos] != '"' && s.data[s.pos] != '\'') {
		return "", s.errorf("unquoted attribute value")
	}
	q := s.data[s.pos]
	end := bytes.IndexByte(s.data[s.pos+1:], q)
	if end < 0 {
		return "", s.errorf("unterminated attribute value")
	}
	raw := s.data[s.pos+1 : s.pos+1+end]
	if bytes.IndexByte(raw, '<') >= 0 {
		return "", s.errorf("'<' in an attribute value")
	}
	start := s.pos + 1
	s.pos += end + 2
	return s.unescape(raw, start)
}

// unescape resolves entity references and normalises line ends, as
// unescapeTwoPass does, in one pass: escaped XML (a sequence inside an
// export's object.xml) has a reference every few bytes, each of which
// unescapeTwoPass finds with a search of its own, then resolves through a
// string switch or strconv. What unescape would refuse — a character XML
// does not allow, a reference it does not resolve — it hands to
// unescapeTwoPass, whose error (and position) is the answer.
// FuzzUnescapeIsTwoPass holds the two to the same answers.
//
// A text with references is resolved into the scanner's scratch buffer,
// then copied out at its size: a buffer of the raw text's size, as
// unescapeTwoPass allocates, is zeroed first, and kept whole by the string
// (the Sequence of an export's object.xml, 57 KB escaped, is 40 KB).
func (s *scanner) unescape(raw []byte, at int) (string, error) {
	var out []byte // nil until a reference or CR is met, then s.scratch
	w := 0         // bytes of out written
	run := 0       // start of the run of raw not copied to out yet
	for i := 0; ; {
		for i < len(raw) && !unescapeStops[raw[i]] {
			i++
		}
		if i == len(raw) {
			break
		}
		c := raw[i]
		if c >= 0x80 {
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 || !validChar(r) {
				return s.unescapeTwoPass(raw, at)
			}
			i += n
			continue
		}
		if c != '&' && c != '\r' { // a control character
			return s.unescapeTwoPass(raw, at)
		}
		if out == nil {
			out = s.scratchFor(len(raw)) // what a reference stands for is never longer than it
		}
		w += copy(out[w:], raw[run:i])
		if c == '\r' {
			out[w] = '\n'
			w++
			i++
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
			run = i
			continue
		}
		// the references escaped XML is made of, then the rest
		var r rune
		n := 0
		if len(raw)-i >= 5 {
			switch binary.LittleEndian.Uint32(raw[i:]) {
			case refLt:
				r, n = '<', 4
			case refGt:
				r, n = '>', 4
			case refQuot34:
				if raw[i+4] == ';' {
					r, n = '"', 5
				}
			case refAmp:
				if raw[i+4] == ';' {
					r, n = '&', 5
				}
			}
		}
		if n == 0 {
			if r, n = resolveReference(raw[i:]); n == 0 {
				return s.unescapeTwoPass(raw, at)
			}
		}
		if r < utf8.RuneSelf {
			out[w] = byte(r)
			w++
		} else {
			w += utf8.EncodeRune(out[w:], r)
		}
		i += n
		run = i
	}
	if out == nil {
		return s.intern(raw), nil
	}
	w += copy(out[w:], raw[run:])
	return string(out[:w]), nil
}

// The first four bytes of the references escaped XML holds most, as
// binary.LittleEndian reads them: "&lt;", "&gt;", "&#34" (then ';', as
// html.EscapeString and .NET write a quote) and "&amp" (then ';').
var (
	refLt     = binary.LittleEndian.Uint32([]byte("&lt;"))
	refGt     = binary.LittleEndian.Uint32([]byte("&gt;"))
	refQuot34 = binary.LittleEndian.Uint32([]byte("&#34"))
	refAmp    = binary.LittleEndian.Uint32([]byte("&amp"))
)

// scratchFor returns the scanner's scratch buffer, at least n bytes long.
func (s *scanner) scratchFor(n int) []byte {
	if s.scratch == nil {
		s.scratch = scratchBuffers.Get().(*[]byte)
	}
	if cap(*s.scratch) < n {
		*s.scratch = make([]byte, max(n, 2*cap(*s.scratch)))
	}
	return (*s.scratch)[:n]
}

// scratchBuffers holds the buffers unescape resolves texts in.
var scratchBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledScratch is the largest scratch buffer that goes back to
// scratchBuffers: a document's one huge text should not be kept for every
// document after it.
const maxPooledScratch = 1 << 20

// unescapeStops marks the bytes unescape stops at: '&', CR, the control
// characters XML does not allow, and the bytes of multi-byte UTF-8.
var unescapeStops = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = c != '\t' && c != '\n'
	}
	t['&'] = true
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

// resolveReference reads the reference b starts with (b[0] is '&'): the
// character it stands for and its length, or a length of 0 when it is one
// unescapeTwoPass refuses (unterminated, unknown, not a character XML
// allows).
func resolveReference(b []byte) (rune, int) {
	if len(b) < 4 {
		return 0, 0
	}
	switch b[1] {
	case 'l':
		if b[2] == 't' && b[3] == ';' {
			return '<', 4
		}
	case 'g':
		if b[2] == 't' && b[3] == ';' {
			return '>', 4
		}
	case 'a':
		if len(b) >= 5 && b[2] == 'm' && b[3] == 'p' && b[4] == ';' {
			return '&', 5
		}
		if len(b) >= 6 && b[2] == 'p' && b[3] == 'o' && b[4] == 's' && b[5] == ';' {
			return '\'', 6
		}
	case 'q':
		if len(b) >= 6 && b[2] == 'u' && b[3] == 'o' && b[4] == 't' && b[5] == ';' {
			return '"', 6
		}
	case '#':
		i, base := 2, rune(10)
		if b[2] == 'x' {
			i, base = 3, 16
		}
		first := i
		var n rune
		for ; i < len(b) && n <= unicode.MaxRune; i++ {
			d := digitValue(b[i])
			if d >= base {
				break
			}
			n = n*base + d
		}
		if i > first && i < len(b) && b[i] == ';' && validChar(n) {
			return n, i + 1
		}
	}
	return 0, 0
}

// digitValue is the value of the hexadecimal digit c, 16 for any other byte.
func digitValue(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10
	}
	return 16
}

// unescapeTwoPass resolves entity references and normalises line ends,
// checking every character first: the reference unescape is held to, and
// what it runs for the error when it meets one.
func (s *scanner) unescapeTwoPass(raw []byte, at int) (string, error) {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c < 0x80 {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				s.pos = at + i
				return "", s.errorf("illegal character code U+%04X", c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && n == 1 || !validChar(r) {
			s.pos = at + i
			return "", s.errorf("invalid character")
		}
		i += n
	}
	cr := bytes.IndexByte(raw, '\r')
	if cr < 0 && bytes.IndexByte(raw, '&') < 0 {
		return s.intern(raw), nil
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		// Copy the run up to the next reference or CR whole: escaped XML
		// (a sequence inside an export's object.xml) has one every few bytes.
		j := len(raw)
		if cr < 0 {
			if k := bytes.IndexByte(raw[i:], '&'); k >= 0 {
				j = i + k
			}
		} else {
			j = i
			for j < len(raw) && raw[j] != '&' && raw[j] != '\r' {
				j++
			}
		}
		b.Write(raw[i:j])
		if i = j; i == len(raw) {
			break
		}
		if raw[i] == '\r' {
			b.WriteByte('\n')
			i++
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
			continue
		}
		semi := bytes.IndexByte(raw[i:], ';')
		if semi < 0 {
			s.pos = at + i
			return "", s.errorf("unterminated entity reference")
		}
		ent := raw[i+1 : i+semi]
		switch string(ent) { // compared without a copy
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "amp":
			b.WriteByte('&')
		case "quot":
			b.WriteByte('"')
		case "apos":
			b.WriteByte('\'')
		default:
			var n uint64
			var err error
			switch {
			case bytes.HasPrefix(ent, []byte("#x")):
				n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
			case bytes.HasPrefix(ent, []byte("#")):
				n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
			default:
				err = fmt.Errorf("unknown entity")
			}
			if err != nil || !validChar(rune(n)) {
				s.pos = at + i
				return "", s.errorf("invalid entity reference &%s;", ent)
			}
			b.WriteRune(rune(n))
		}
		i += semi + 1
	}
	return b.String(), nil
}

func validChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}
