package tsxml

import (
	"strings"
)

// Marshal writes the sequence compactly, the way a site stores it.
func Marshal(q *Sequence) []byte { return marshal(q, "") }

// MarshalIndent writes the sequence with one element per line, indented by indent.
func MarshalIndent(q *Sequence, indent string) []byte { return marshal(q, indent) }

type writer struct {
	b      strings.Builder
	indent string
	depth  int
}

func marshal(q *Sequence, indent string) []byte {
	w := &writer{indent: indent}
	w.b.Grow(4096)
	w.open("sequence", append([]Attr{{"version", q.Version}}, q.Attrs...), false)
	w.depth++
	if len(q.References) > 0 {
		w.open("referenceList", nil, false)
		w.depth++
		for _, r := range q.References {
			var as []Attr
			if r.Application != "" {
				as = append(as, Attr{"application", r.Application})
			} else {
				as = append(as, Attr{"package", r.Package})
				if r.Program != "" {
					as = append(as, Attr{"program", r.Program})
				}
			}
			w.open("reference", as, true)
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
	if indent != "" {
		w.b.WriteByte('\n')
	}
	return []byte(w.b.String())
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

func (w *writer) open(name string, attrs []Attr, selfClose bool) {
	w.nl()
	w.b.WriteByte('<')
	w.b.WriteString(name)
	for _, a := range attrs {
		w.b.WriteByte(' ')
		w.b.WriteString(a.Name)
		w.b.WriteString(`="`)
		escapeAttr(&w.b, a.Value)
		w.b.WriteByte('"')
	}
	if selfClose {
		w.b.WriteString(" />")
	} else {
		w.b.WriteByte('>')
	}
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

func (w *writer) leaf(name string, attrs []Attr, text string) {
	if text == "" {
		w.open(name, attrs, true)
		return
	}
	w.open(name, attrs, false)
	escapeText(&w.b, text)
	w.closeInline(name)
}

func (w *writer) vars(list string, vars []Variable) {
	if len(vars) == 0 {
		w.open(list, nil, true)
		return
	}
	w.open(list, nil, false)
	w.depth++
	for _, v := range vars {
		as := []Attr{{"name", v.Name}, {"property", v.Property}}
		if v.Hidden {
			as = append(as, Attr{"hidden", "true"})
		}
		w.leaf("variable", as, v.Value)
	}
	w.depth--
	w.close(list)
}

func (w *writer) step(s *Step) {
	name := s.Kind.String()
	var as []Attr
	if s.Kind != KindGroup {
		as = append(as, Attr{"type", s.Type})
	}
	as = append(as, Attr{"name", s.Name}, Attr{"description", s.Description})
	if s.Disabled {
		as = append(as, Attr{"disable", "true"})
	}
	if s.ContinueOnError {
		as = append(as, Attr{"continueOnError", "true"})
	}
	for _, o := range []struct {
		n string
		v *string
	}{{"runIn", s.RunIn}, {"successCodeList", s.SuccessCodes}, {"retryCount", s.RetryCount}, {"runFromNet", s.RunFromNet}, {"timeout", s.Timeout}} {
		if o.v != nil {
			as = append(as, Attr{o.n, *o.v})
		}
	}
	as = append(as, s.Extra...)
	w.open(name, as, false)
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
			w.leaf("action", nil, *s.Action)
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
	if len(e.Children) == 0 {
		w.leaf(e.Name, e.Attrs, e.Text)
		return
	}
	w.open(e.Name, e.Attrs, false)
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
	w := &writer{}
	w.elem(e)
	return []byte(w.b.String())
}
