package model

import (
	"slices"
	"strings"
)

// Clone returns a deep copy of q.
func (q *Sequence) Clone() *Sequence {
	c := *q
	c.Attrs = append([]Attr(nil), q.Attrs...)
	c.References = append([]Reference(nil), q.References...)
	c.GlobalVars = append([]Variable(nil), q.GlobalVars...)
	c.Steps = cloneSteps(q.Steps)
	return &c
}

func cloneSteps(in []*Step) []*Step {
	if in == nil {
		return nil
	}
	out := make([]*Step, len(in))
	for i, s := range in {
		out[i] = s.Clone()
	}
	return out
}

// Clone returns a deep copy of s.
func (s *Step) Clone() *Step {
	c := *s
	for _, p := range []**string{&c.RunIn, &c.SuccessCodes, &c.RetryCount, &c.RunFromNet, &c.Timeout, &c.Action} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	c.Extra = append([]Attr(nil), s.Extra...)
	if s.Layout != nil {
		c.Layout = append([]string{}, s.Layout...)
	}
	c.Condition = s.Condition.Clone()
	c.Vars = append([]Variable(nil), s.Vars...)
	c.Steps = cloneSteps(s.Steps)
	c.ExtraElems = make([]*Elem, len(s.ExtraElems))
	for i, e := range s.ExtraElems {
		c.ExtraElems[i] = e.Clone()
	}
	if s.ExtraElems == nil {
		c.ExtraElems = nil
	}
	return &c
}

// Clone returns a deep copy of e (nil for nil).
func (e *Elem) Clone() *Elem {
	if e == nil {
		return nil
	}
	c := *e
	c.Attrs = append([]Attr(nil), e.Attrs...)
	if e.Children != nil {
		c.Children = make([]*Elem, len(e.Children))
		for i, ch := range e.Children {
			c.Children[i] = ch.Clone()
		}
	}
	return &c
}

// Comparable returns a copy of a normalised sequence reduced to what an
// author controls: derived parts (referenceList, <action> of catalogue
// classes, properties the site computes) are dropped and secret values are
// blanked, because a site never returns them. Two sequences are the same
// task sequence exactly when their Comparable forms are equal.
func Comparable(q *Sequence) *Sequence { return MakeComparable(q.Clone()) }

// MakeComparable reduces q itself to its Comparable form and returns it,
// for a caller that has no further use for q as it was (a plan that shows
// the steps of a sequence it creates, which apply builds again).
func MakeComparable(c *Sequence) *Sequence {
	c.References = nil
	walkSteps(c.Steps, "", func(_ string, s *Step) bool {
		slices.SortStableFunc(s.Extra, func(a, b Attr) int { return strings.Compare(a.Name, b.Name) })
		cl := Lookup(s.Type)
		if cl == nil {
			return true
		}
		s.Action = nil
		kept := s.Vars[:0]
		for _, v := range s.Vars {
			p := cl.Prop(v.Property)
			if p != nil && p.Derived {
				continue
			}
			if a, _, _, ok := cl.ArrayOf(v.Property); ok && a.Derived {
				continue
			}
			if p != nil {
				v.Value = p.blankSecret(v.Value)
			}
			kept = append(kept, v)
		}
		s.Vars = kept
		return true
	})
	return c
}

// Identical reports whether a site given a and a site given b store the
// same task sequence in everything an author controls, with nothing
// filled in: both are brought to what a site stores (Derive), then what
// the site derives is left out — the referenceList, the derived
// globalVarList entries, the version, the <action> of catalogued classes,
// the values of the Run Task Sequence properties taken from the child and
// of the sizes a download step lists (the referenced package's size on the
// target site), and the descriptions an Install Application step lists
// (the console's, from the application) — secret values are blanked and
// variables are compared regardless of order. Unlike Comparable after
// Normalize, a property absent from one and present with its default value
// in the other is a difference, and so is any attribute.
func Identical(a, b *Sequence) bool {
	return equalSequence(storedShape(a), storedShape(b))
}

// IdenticalSteps is Identical for two single steps.
func IdenticalSteps(a, b *Step) bool { return ShapeOf(a).Stores(b) }

// StepShape is what a site stores of a step, worked out once to compare
// several steps with it.
type StepShape struct{ q *Sequence }

// ShapeOf works out what a site stores of s; s may change afterwards.
func ShapeOf(s *Step) StepShape { return StepShape{storedShape(&Sequence{Steps: []*Step{s}})} }

// Stores reports whether a site given b stores this shape:
// ShapeOf(a).Stores(b) is IdenticalSteps(a, b).
func (sh StepShape) Stores(b *Step) bool {
	return equalSequence(sh.q, storedShape(&Sequence{Steps: []*Step{b}}))
}

// storedShape is what Identical compares of q. It is what Derive(q, nil)
// makes of q with what a site derives left out, written without deriving
// it: Derive without children sets the version, the referenceList, the
// derived globals and a catalogued class's <action>, each of which is left
// out here (TestStoredShapeIsDerivedLeftOut holds it to deriving first).
func storedShape(q *Sequence) *Sequence {
	c := q.Clone()
	c.Version, c.References = "", nil
	var globals []Variable
	for _, v := range c.GlobalVars {
		if !DerivedGlobal(v.Property) {
			globals = append(globals, v)
		}
	}
	c.GlobalVars = globals
	walkSteps(c.Steps, "", func(_ string, s *Step) bool {
		// attribute order is not significant
		slices.SortStableFunc(s.Extra, func(a, b Attr) int { return strings.Compare(a.Name, b.Name) })
		cl := Lookup(s.Type)
		layout := s.EffectiveLayout()
		s.Layout = []string{}
		for _, el := range layout {
			if el != ElemAction || cl == nil { // a catalogued class's action is derived
				s.Layout = append(s.Layout, el)
			}
		}
		if cl == nil {
			slices.SortStableFunc(s.Vars, byProperty)
			return true
		}
		s.Action = nil
		kept := make([]Variable, 0, len(s.Vars))
		for _, v := range s.Vars {
			if a, _, field, ok := cl.ArrayOf(v.Property); ok && a.Derived {
				switch {
				case a.Name == "AppInfo" && field == "Description":
					continue
				case a.Name == "PackageInfo" && field == "Size":
					v.Value = ""
				}
			}
			if p := cl.Prop(v.Property); p != nil {
				if p.Derived && cl.Name == cls("SubTasksequence") {
					v.Value = ""
				}
				v.Value = p.blankSecret(v.Value)
			}
			kept = append(kept, v)
		}
		slices.SortStableFunc(kept, byProperty)
		s.Vars = kept
		return true
	})
	return c
}

// byProperty orders variables by the property they set.
func byProperty(a, b Variable) int { return strings.Compare(a.Property, b.Property) }
