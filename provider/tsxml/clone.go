package tsxml

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
func Comparable(q *Sequence) *Sequence {
	c := q.Clone()
	c.References = nil
	walkSteps(c.Steps, "", func(_ string, s *Step) bool {
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
