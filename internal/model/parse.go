package model

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unsafe"
)

// MaxDepth bounds element nesting so that hostile input cannot exhaust the stack.
const MaxDepth = 256

// SyntaxError is a problem in a sequence document, with the line it was found on.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Parse reads a <sequence> document.
func Parse(data []byte) (*Sequence, error) {
	root, err := scan(data)
	if err != nil {
		return nil, err
	}
	return FromElem(root)
}

// ParseString is Parse of a document held as a string (a site's Sequence
// property, an export's): it reads the string's bytes where they are, not
// a copy (scan never writes to what it reads, and copies what it keeps).
// A sequence is 40–60 KB; an export of 1,000 copied 45 MB.
func ParseString(doc string) (*Sequence, error) {
	return Parse(unsafe.Slice(unsafe.StringData(doc), len(doc)))
}

// readTreeStd reads a document with encoding/xml; tests compare scan with it.
func readTreeStd(data []byte) (*Elem, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var stack []*Elem
	var root *Elem
	line := func() int { l, _ := d.InputPos(); return l }
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &SyntaxError{Line: se.Line, Msg: se.Msg}
			}
			return nil, &SyntaxError{Line: line(), Msg: err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= MaxDepth {
				return nil, &SyntaxError{Line: line(), Msg: fmt.Sprintf("elements nested deeper than %d", MaxDepth)}
			}
			e := &Elem{Name: t.Name.Local}
			for _, a := range t.Attr {
				name := a.Name.Local
				if a.Name.Space != "" {
					name = a.Name.Space + ":" + name
				}
				e.Attrs = append(e.Attrs, Attr{Name: name, Value: a.Value})
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, &SyntaxError{Line: line(), Msg: "more than one root element"}
				}
				root = e
			} else {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			top := stack[len(stack)-1]
			if len(top.Children) > 0 && strings.TrimSpace(top.Text) == "" {
				top.Text = ""
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, &SyntaxError{Line: line(), Msg: "text outside the root element"}
			}
		}
	}
	if root == nil {
		return nil, &SyntaxError{Msg: "empty document: expected <sequence>"}
	}
	return root, nil
}

// FromElem converts a parsed <sequence> element tree into a Sequence.
func FromElem(root *Elem) (*Sequence, error) {
	if root.Name != "sequence" {
		return nil, &SyntaxError{Msg: fmt.Sprintf("root element is <%s>, expected <sequence>", root.Name)}
	}
	q := &Sequence{}
	for _, a := range root.Attrs {
		if a.Name == "version" {
			q.Version = a.Value
		} else {
			q.Attrs = append(q.Attrs, a)
		}
	}
	for _, c := range root.Children {
		switch c.Name {
		case "referenceList":
			for _, r := range c.Children {
				if r.Name != "reference" {
					return nil, &SyntaxError{Msg: fmt.Sprintf("unexpected <%s> in <referenceList>", r.Name)}
				}
				var ref Reference
				ref.Package, _ = r.Attr("package")
				ref.Program, _ = r.Attr("program")
				ref.Application, _ = r.Attr("application")
				q.References = append(q.References, ref)
			}
		case "globalVarList":
			vars, err := readVars(c)
			if err != nil {
				return nil, err
			}
			q.GlobalVars = vars
		default:
			s, err := readStep(c)
			if err != nil {
				return nil, err
			}
			q.Steps = append(q.Steps, s)
		}
	}
	return q, nil
}

func readVars(list *Elem) ([]Variable, error) {
	vars := make([]Variable, 0, len(list.Children))
	for _, v := range list.Children {
		if v.Name != "variable" {
			return nil, &SyntaxError{Msg: fmt.Sprintf("unexpected <%s> in <%s>", v.Name, list.Name)}
		}
		var x Variable
		for _, a := range v.Attrs {
			switch a.Name {
			case "name":
				x.Name = a.Value
			case "property":
				x.Property = a.Value
			case "hidden":
				x.Hidden = a.Value == "true"
			}
		}
		x.Value = v.Text
		vars = append(vars, x)
	}
	return vars, nil
}

func readStep(e *Elem) (*Step, error) {
	s := &Step{}
	switch e.Name {
	case "group":
		s.Kind = KindGroup
	case "step":
		s.Kind = KindStep
	case "subtasksequence":
		s.Kind = KindSubSequence
	default:
		return nil, &SyntaxError{Msg: fmt.Sprintf("unexpected element <%s> where a step or group was expected", e.Name)}
	}
	for _, a := range e.Attrs {
		v := a.Value
		switch a.Name {
		case "type":
			s.Type = v
		case "name":
			s.Name = v
		case "description":
			s.Description = v
		case "disable", "continueOnError":
			s.Extra = append(s.Extra, a)
		case "runIn":
			s.RunIn = Str(v)
		case "successCodeList":
			s.SuccessCodes = Str(v)
		case "retryCount":
			s.RetryCount = Str(v)
		case "runFromNet":
			s.RunFromNet = Str(v)
		case "timeout":
			s.Timeout = Str(v)
		default:
			s.Extra = append(s.Extra, a)
		}
	}
	s.SettleFlags()
	// An MDT Lite Touch <step> without a type runs its <action> as a
	// command line; a Run Task Sequence step always names its class.
	if s.Kind == KindSubSequence && s.Type == "" {
		return nil, &SyntaxError{Msg: fmt.Sprintf("<%s name=%q> has no type attribute", e.Name, s.Name)}
	}
	var layoutBuf, usualBuf [8]string // the children's names; a step has a few
	layout := layoutBuf[:0]
	var seenCondition, seenAction, seenVars bool
	for _, c := range e.Children {
		switch {
		case c.Name == ElemCondition && !seenCondition:
			s.Condition, seenCondition = c, true
		case s.Kind != KindGroup && c.Name == ElemAction && !seenAction:
			s.Action, seenAction = Str(c.Text), true
		case s.Kind != KindGroup && c.Name == ElemDefaultVarList && !seenVars:
			vars, err := readVars(c)
			if err != nil {
				return nil, err
			}
			s.Vars, seenVars = vars, true
		case s.Kind == KindGroup && (c.Name == "group" || c.Name == "step" || c.Name == "subtasksequence"):
			child, err := readStep(c)
			if err != nil {
				return nil, err
			}
			s.Steps = append(s.Steps, child)
			layout = append(layout, ElemStep)
			continue
		default:
			s.ExtraElems = append(s.ExtraElems, c)
			layout = append(layout, ElemExtra)
			continue
		}
		layout = append(layout, c.Name)
	}
	if !slices.Equal(layout, s.appendUsualLayout(usualBuf[:0])) {
		s.Layout = append([]string{}, layout...) // not nil when empty
	}
	return s, nil
}

// ParseElem reads one XML element (and its children) into an Elem.
func ParseElem(data []byte) (*Elem, error) {
	return scan(data)
}

// ParseStep reads one <step>, <group> or <subtasksequence> element.
func ParseStep(data []byte) (*Step, error) {
	e, err := ParseElem(data)
	if err != nil {
		return nil, err
	}
	return readStep(e)
}
