package tsxml

import (
	"strings"
	"sync"
)

// Marshal writes the sequence compactly, the way a site stores it.
func Marshal(q *Sequence) []byte { return []byte(marshal(q, "")) }

// MarshalString is Marshal as a string.
func MarshalString(q *Sequence) string { return marshal(q, "") }

var bufPool = sync.Pool{New: func() any { return new(strings.Builder) }}

// Stores reports whether stored is exactly the compact XML of q, and the
// length of that XML, without keeping a copy of it.
func Stores(q *Sequence, stored string) (bool, int) {
	w := &writer{}
	b := bufPool.Get().(*strings.Builder)
	b.Reset()
	b.Grow(len(stored) + 64)
	w.b = b
	w.write(q)
	out := b.String()
	equal, n := out == stored, len(out)
	if n < 1<<20 {
		bufPool.Put(b)
	}
	return equal, n
}

// MarshalIndent writes the sequence with one element per line, indented by indent.
func MarshalIndent(q *Sequence, indent string) []byte { return []byte(marshal(q, indent)) }

type writer struct {
	b      *strings.Builder
	indent string
	depth  int
}

func marshal(q *Sequence, indent string) string {
	w := &writer{indent: indent, b: new(strings.Builder)}
	w.b.Grow(4096)
	w.write(q)
	return w.b.String()
}

func (w *writer) write(q *Sequence) {
	w.start("sequence")
	w.attr("version", q.Version)
	w.attrs(q.Attrs)
	w.b.WriteByte('>')
	w.depth++
	if len(q.References) > 0 {
		w.start("referenceList")
		w.b.WriteByte('>')
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
			w.b.WriteString(" />")
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
		w.b.WriteByte('\n')
	}
}

func (w *writer) nl() {
	if w.indent == "" {
		return
	}
	if w.b.Len() > 0 {
		w.b.WriteByte('\n')
	}
	for i := 0; i < w.depth; i++ {
		w.b.WriteString(w.indent)
	}
}

// start writes "<name" on a new line when indenting; attributes follow.
func (w *writer) start(name string) {
	w.nl()
	w.b.WriteByte('<')
	w.b.WriteString(name)
}

func (w *writer) attr(name, value string) {
	w.b.WriteByte(' ')
	w.b.WriteString(name)
	w.b.WriteString(`="`)
	escapeAttr(w.b, value)
	w.b.WriteByte('"')
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
		w.b.WriteString(" />")
		return
	}
	w.b.WriteByte('>')
	escapeText(w.b, text)
	w.closeInline(name)
}

func (w *writer) close(name string) {
	w.nl()
	w.closeInline(name)
}

func (w *writer) closeInline(name string) {
	w.b.WriteString("</")
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

func (w *writer) vars(list string, vars []Variable) {
	w.start(list)
	if len(vars) == 0 {
		w.b.WriteString(" />")
		return
	}
	w.b.WriteByte('>')
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
	if s.Kind != KindGroup {
		w.attr("type", s.Type)
	}
	w.attr("name", s.Name)
	w.attr("description", s.Description)
	if s.Disabled {
		w.attr("disable", "true")
	}
	if s.ContinueOnError {
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
	w.b.WriteByte('>')
	w.depth++
	if s.Condition != nil {
		w.elem(s.Condition)
	}
	if s.Kind == KindGroup {
		for _, c := range s.Steps {
			w.step(c)
		}
	} else {
		if s.Action != nil {
			w.start("action")
			w.end("action", *s.Action)
		}
		w.vars("defaultVarList", s.Vars)
	}
	for _, e := range s.ExtraElems {
		w.elem(e)
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
	w.b.WriteByte('>')
	w.depth++
	for _, c := range e.Children {
		w.elem(c)
	}
	w.depth--
	w.close(e.Name)
}

func escapeText(b *strings.Builder, s string) {
	if !strings.ContainsAny(s, "&<>\r") {
		b.WriteString(s)
		return
	}
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteRune(r)
		}
	}
}

func escapeAttr(b *strings.Builder, s string) {
	if !strings.ContainsAny(s, "&<>\"\n\r\t") {
		b.WriteString(s)
		return
	}
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\n':
			b.WriteString("&#xA;")
		case '\r':
			b.WriteString("&#xD;")
		case '\t':
			b.WriteString("&#x9;")
		default:
			b.WriteRune(r)
		}
	}
}

// WriteFull writes e the way the console writes documents nested in
// properties (Set Dynamic Variables rules): compact, with every element
// given an end tag, even when empty.
func WriteFull(b *strings.Builder, e *Elem) {
	b.WriteByte('<')
	b.WriteString(e.Name)
	for _, a := range e.Attrs {
		b.WriteByte(' ')
		b.WriteString(a.Name)
		b.WriteString(`="`)
		escapeAttr(b, a.Value)
		b.WriteByte('"')
	}
	b.WriteByte('>')
	if len(e.Children) == 0 {
		escapeText(b, e.Text)
	}
	for _, c := range e.Children {
		WriteFull(b, c)
	}
	b.WriteString("</")
	b.WriteString(e.Name)
	b.WriteByte('>')
}

// MarshalElem writes one element compactly.
func MarshalElem(e *Elem) []byte {
	w := &writer{b: new(strings.Builder)}
	w.elem(e)
	return []byte(w.b.String())
}
