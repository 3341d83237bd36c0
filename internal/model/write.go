package model

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Marshal writes the sequence compactly, the way a site stores it.
func Marshal(q *Sequence) []byte { return marshal(q, "") }

// MarshalString is Marshal as a string.
func MarshalString(q *Sequence) string { return string(marshal(q, "")) }

// MarshalIndent writes the sequence with one element per line, indented by indent.
func MarshalIndent(q *Sequence, indent string) []byte { return marshal(q, indent) }

// Size returns the length of Marshal(q) without keeping the XML.
func Size(q *Sequence) int {
	w := getWriter("")
	w.write(q)
	n := len(w.b)
	putWriter(w)
	return n
}

// Stores reports whether stored is exactly the compact XML of q, and the
// length of that XML, without keeping a copy of it.
func Stores(q *Sequence, stored string) (bool, int) {
	w := getWriter("")
	w.write(q)
	equal, n := string(w.b) == stored, len(w.b)
	putWriter(w)
	return equal, n
}

// writers keeps the buffers of finished writes: a sequence's XML is tens of
// kilobytes, and growing a fresh buffer to that size for every sequence
// costs more than writing it.
var writers = sync.Pool{New: func() any { return &writer{b: make(xbuf, 0, 64<<10)} }}

func getWriter(indent string) *writer {
	w := writers.Get().(*writer)
	w.b, w.indent, w.depth = w.b[:0], indent, 0
	return w
}

func putWriter(w *writer) {
	if cap(w.b) <= 4<<20 {
		writers.Put(w)
	}
}

type writer struct {
	b      xbuf
	indent string
	depth  int
}

func marshal(q *Sequence, indent string) []byte {
	w := getWriter(indent)
	w.write(q)
	out := append([]byte(nil), w.b...)
	putWriter(w)
	return out
}

// xbuf is the byte buffer the writer appends to.
type xbuf []byte

func (b *xbuf) str(s string) { *b = append(*b, s...) }
func (b *xbuf) byte(c byte)  { *b = append(*b, c) }
func (b *xbuf) rune(r rune)  { *b = utf8.AppendRune(*b, r) }

func (w *writer) write(q *Sequence) {
	w.start("sequence")
	w.attr("version", q.Version)
	w.attrs(q.Attrs)
	w.b.byte('>')
	w.depth++
	if len(q.References) > 0 {
		w.start("referenceList")
		w.b.byte('>')
		w.depth++
		for _, r := range q.References {
			w.start("reference")
			if r.Application != "" {
				w.attr("application", r.Application)
			} else {
				w.attr("package", r.Package)
				if r.Program != "" {
					w.attr("program", r.Program)
				}
			}
			w.b.str(" />")
		}
		w.depth--
		w.close("referenceList")
	}
	if len(q.GlobalVars) > 0 {
		w.vars("globalVarList", q.GlobalVars)
	}
	for _, s := range q.Steps {
		w.step(s)
	}
	w.depth--
	w.close("sequence")
	if w.indent != "" {
		w.b.byte('\n')
	}
}

func (w *writer) nl() {
	if w.indent == "" {
		return
	}
	if len(w.b) > 0 {
		w.b.byte('\n')
	}
	for i := 0; i < w.depth; i++ {
		w.b.str(w.indent)
	}
}

// start writes "<name" on a new line when indenting; attributes follow.
func (w *writer) start(name string) {
	w.nl()
	w.b.byte('<')
	w.b.str(name)
}

func (w *writer) attr(name, value string) {
	w.b.byte(' ')
	w.b.str(name)
	w.b.str(`="`)
	escapeAttr(&w.b, value)
	w.b.byte('"')
}

func (w *writer) attrs(as []Attr) {
	for _, a := range as {
		w.attr(a.Name, a.Value)
	}
}

// end finishes a start tag: self-closed when text is empty, else with the
// text and the end tag.
func (w *writer) end(name, text string) {
	if text == "" {
		w.b.str(" />")
		return
	}
	w.b.byte('>')
	escapeText(&w.b, text)
	w.closeInline(name)
}

func (w *writer) close(name string) {
	w.nl()
	w.closeInline(name)
}

func (w *writer) closeInline(name string) {
	w.b.str("</")
	w.b.str(name)
	w.b.byte('>')
}

func (w *writer) vars(list string, vars []Variable) {
	w.start(list)
	if len(vars) == 0 {
		w.b.str(" />")
		return
	}
	w.b.byte('>')
	w.depth++
	for _, v := range vars {
		w.start("variable")
		w.attr("name", v.Name)
		w.attr("property", v.Property)
		if v.Hidden {
			w.attr("hidden", "true")
		}
		w.end("variable", v.Value)
	}
	w.depth--
	w.close(list)
}

func (w *writer) step(s *Step) {
	name := s.Kind.String()
	w.start(name)
	if s.Kind != KindGroup && s.Type != "" {
		w.attr("type", s.Type)
	}
	w.attr("name", s.Name)
	w.attr("description", s.Description)
	if s.Disabled && !s.HasExtra("disable") {
		w.attr("disable", "true")
	}
	if s.ContinueOnError && !s.HasExtra("continueOnError") {
		w.attr("continueOnError", "true")
	}
	for _, o := range [...]struct {
		n string
		v *string
	}{{"runIn", s.RunIn}, {"successCodeList", s.SuccessCodes}, {"retryCount", s.RetryCount}, {"runFromNet", s.RunFromNet}, {"timeout", s.Timeout}} {
		if o.v != nil {
			w.attr(o.n, *o.v)
		}
	}
	w.attrs(s.Extra)
	w.b.byte('>')
	w.depth++
	// children in their layout; what the layout does not place (an
	// <action> a site derived, a condition or steps added since) follows
	// in the usual order
	var steps, extras int
	wrote := map[string]bool{}
	put := func(el string) {
		switch el {
		case ElemCondition:
			if s.Condition != nil && !wrote[el] {
				w.elem(s.Condition)
				wrote[el] = true
			}
		case ElemAction:
			if s.Kind != KindGroup && s.Action != nil && !wrote[el] {
				w.start("action")
				w.end("action", *s.Action)
				wrote[el] = true
			}
		case ElemDefaultVarList:
			if s.Kind != KindGroup && !wrote[el] {
				w.vars("defaultVarList", s.Vars)
				wrote[el] = true
			}
		case ElemStep:
			if steps < len(s.Steps) {
				w.step(s.Steps[steps])
				steps++
			}
		case ElemExtra:
			if extras < len(s.ExtraElems) {
				w.elem(s.ExtraElems[extras])
				extras++
			}
		}
	}
	if s.Layout != nil {
		if !slices.Contains(s.Layout, ElemCondition) {
			put(ElemCondition)
		}
		for _, el := range s.Layout {
			put(el)
		}
		if s.Action != nil {
			put(ElemAction)
		}
		if len(s.Vars) > 0 {
			put(ElemDefaultVarList)
		}
	}
	for _, el := range s.UsualLayout() {
		if el != ElemDefaultVarList || s.Layout == nil {
			put(el)
		}
	}
	w.depth--
	w.close(name)
}

func (w *writer) elem(e *Elem) {
	w.start(e.Name)
	w.attrs(e.Attrs)
	if len(e.Children) == 0 {
		w.end(e.Name, e.Text)
		return
	}
	w.b.byte('>')
	w.depth++
	for _, c := range e.Children {
		w.elem(c)
	}
	w.depth--
	w.close(e.Name)
}

// EscapeText returns s as it appears in the text of an element.
func EscapeText(s string) string {
	var b xbuf
	escapeText(&b, s)
	return string(b)
}

// EscapeAttr returns s as it appears in an attribute value.
func EscapeAttr(s string) string {
	var b xbuf
	escapeAttr(&b, s)
	return string(b)
}

// textEscaped and attrEscaped mark the bytes escapeText and escapeAttr
// replace: most values have none, and a look-up per byte finds that faster
// than strings.ContainsAny, which builds its set on every call.
var textEscaped, attrEscaped = byteSet("&<>\r"), byteSet("&<>\"\n\r\t")

func byteSet(chars string) (set [256]bool) {
	for i := 0; i < len(chars); i++ {
		set[chars[i]] = true
	}
	return set
}

// hasAny reports whether s holds a byte of set.
func hasAny(s string, set *[256]bool) bool {
	for i := 0; i < len(s); i++ {
		if set[s[i]] {
			return true
		}
	}
	return false
}

func escapeText(b *xbuf, s string) {
	if !hasAny(s, &textEscaped) {
		b.str(s)
		return
	}
	for _, r := range s {
		switch r {
		case '&':
			b.str("&amp;")
		case '<':
			b.str("&lt;")
		case '>':
			b.str("&gt;")
		case '\r':
			b.str("&#xD;")
		default:
			b.rune(r)
		}
	}
}

func escapeAttr(b *xbuf, s string) {
	if !hasAny(s, &attrEscaped) {
		b.str(s)
		return
	}
	for _, r := range s {
		switch r {
		case '&':
			b.str("&amp;")
		case '<':
			b.str("&lt;")
		case '>':
			b.str("&gt;")
		case '"':
			b.str("&quot;")
		case '\n':
			b.str("&#xA;")
		case '\r':
			b.str("&#xD;")
		case '\t':
			b.str("&#x9;")
		default:
			b.rune(r)
		}
	}
}

// WriteFull writes e the way the console writes documents nested in
// properties (Set Dynamic Variables rules): compact, with every element
// given an end tag, even when empty.
func WriteFull(sb *strings.Builder, e *Elem) {
	var b xbuf
	writeFull(&b, e)
	sb.Write(b)
}

func writeFull(b *xbuf, e *Elem) {
	b.byte('<')
	b.str(e.Name)
	for _, a := range e.Attrs {
		b.byte(' ')
		b.str(a.Name)
		b.str(`="`)
		escapeAttr(b, a.Value)
		b.byte('"')
	}
	b.byte('>')
	if len(e.Children) == 0 {
		escapeText(b, e.Text)
	}
	for _, c := range e.Children {
		writeFull(b, c)
	}
	b.str("</")
	b.str(e.Name)
	b.byte('>')
}

// MarshalElem writes one element compactly.
func MarshalElem(e *Elem) []byte {
	w := &writer{}
	w.elem(e)
	return w.b
}
