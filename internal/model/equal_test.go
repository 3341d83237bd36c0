package model

import (
	"math/rand"
	"reflect"
	"slices"
	"testing"
)

// TestEqualCoversEveryField fails when a field is added to a model type
// and not to equal.go: the written-out comparison would then miss it.
func TestEqualCoversEveryField(t *testing.T) {
	compared := map[reflect.Type][]string{
		reflect.TypeOf(Sequence{}):  {"Version", "Attrs", "References", "GlobalVars", "Steps"},
		reflect.TypeOf(Step{}):      {"Kind", "Type", "Name", "Description", "Disabled", "ContinueOnError", "RunIn", "SuccessCodes", "RetryCount", "RunFromNet", "Timeout", "Extra", "Condition", "Action", "Vars", "Steps", "ExtraElems", "Layout"},
		reflect.TypeOf(Elem{}):      {"Name", "Attrs", "Text", "Children"},
		reflect.TypeOf(Attr{}):      {"Name", "Value"},
		reflect.TypeOf(Reference{}): {"Package", "Program", "Application"},
		reflect.TypeOf(Variable{}):  {"Name", "Property", "Hidden", "Value"},
	}
	for typ, want := range compared {
		var have []string
		for i := range typ.NumField() {
			have = append(have, typ.Field(i).Name)
		}
		if !slices.Equal(have, want) {
			t.Errorf("%s has fields %v; equal.go compares %v: compare the new field there and list it here", typ, have, want)
		}
	}
}

// TestEqualIsDeepEqual holds equalSequence to reflect.DeepEqual over
// random sequences and their one-change variants, nil and empty slices
// and pointers included, and over the corpus's sequences and what a site
// stores of them.
func TestEqualIsDeepEqual(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	check := func(what string, a, b *Sequence) {
		t.Helper()
		if got, want := equalSequence(a, b), reflect.DeepEqual(a, b); got != want {
			t.Fatalf("%s: equalSequence %v, reflect.DeepEqual %v", what, got, want)
		}
	}
	equalSeen, differentSeen := 0, 0
	for i := range 3000 {
		a := randomSequence(r, 3)
		check("a sequence and itself", a, a)
		check("a sequence and its copy", a, a.Clone())
		b := a.Clone()
		mutate(r, b)
		check("a sequence and a variant", a, b)
		if reflect.DeepEqual(a, b) {
			equalSeen++
		} else {
			differentSeen++
		}
		if i%2 == 0 {
			check("two random sequences", a, randomSequence(r, 3))
		}
	}
	if equalSeen == 0 || differentSeen < 1000 {
		t.Fatalf("the variants were equal %d times and different %d: the test compares too little", equalSeen, differentSeen)
	}
	for name, data := range corpusSequences(t) {
		q, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s := storedShape(q)
		check(name+": parsed and its stored shape", q, s)
		check(name+": stored shape and again", s, storedShape(q))
		var steps []*Step
		walkSteps(q.Steps, "", func(_ string, st *Step) bool { steps = append(steps, st); return true })
		for i := 1; i < len(steps); i++ {
			a, b := ShapeOf(steps[i-1]).q, ShapeOf(steps[i]).q
			check(name+": two steps", a, b)
			check(name+": a step's shape and its copy", a, a.Clone())
		}
	}
}

func randomString(r *rand.Rand) string { return []string{"", "a", "b", "A"}[r.Intn(4)] }

func randomStringPtr(r *rand.Rand) *string {
	if r.Intn(3) == 0 {
		return nil
	}
	return Str(randomString(r))
}

// randomSlice makes nil, an empty slice or up to two elements.
func randomSlice[T any](r *rand.Rand, elem func() T) []T {
	switch r.Intn(4) {
	case 0:
		return nil
	case 1:
		return []T{}
	}
	out := make([]T, 1+r.Intn(2))
	for i := range out {
		out[i] = elem()
	}
	return out
}

func randomElem(r *rand.Rand, depth int) *Elem {
	if r.Intn(3) == 0 {
		return nil
	}
	e := &Elem{Name: randomString(r), Text: randomString(r), Attrs: randomSlice(r, func() Attr { return Attr{randomString(r), randomString(r)} })}
	if depth > 0 {
		e.Children = randomSlice(r, func() *Elem { return randomElem(r, depth-1) })
	}
	return e
}

func randomStep(r *rand.Rand, depth int) *Step {
	s := &Step{
		Kind: StepKind(r.Intn(3)), Type: randomString(r), Name: randomString(r), Description: randomString(r),
		Disabled: r.Intn(2) == 0, ContinueOnError: r.Intn(2) == 0,
		RunIn: randomStringPtr(r), SuccessCodes: randomStringPtr(r), RetryCount: randomStringPtr(r),
		RunFromNet: randomStringPtr(r), Timeout: randomStringPtr(r), Action: randomStringPtr(r),
		Extra:      randomSlice(r, func() Attr { return Attr{randomString(r), randomString(r)} }),
		Condition:  randomElem(r, 2),
		Vars:       randomSlice(r, func() Variable { return Variable{randomString(r), randomString(r), r.Intn(2) == 0, randomString(r)} }),
		ExtraElems: randomSlice(r, func() *Elem { return randomElem(r, 1) }),
		Layout:     randomSlice(r, func() string { return randomString(r) }),
	}
	if depth > 0 {
		s.Steps = randomSlice(r, func() *Step { return randomStep(r, depth-1) })
	}
	return s
}

func randomSequence(r *rand.Rand, depth int) *Sequence {
	return &Sequence{
		Version:    randomString(r),
		Attrs:      randomSlice(r, func() Attr { return Attr{randomString(r), randomString(r)} }),
		References: randomSlice(r, func() Reference { return Reference{randomString(r), randomString(r), randomString(r)} }),
		GlobalVars: randomSlice(r, func() Variable { return Variable{randomString(r), randomString(r), r.Intn(2) == 0, randomString(r)} }),
		Steps:      randomSlice(r, func() *Step { return randomStep(r, depth) }),
	}
}

// mutate changes one thing somewhere in q (or nothing, when it lands on
// a nil it cannot change), nil and empty slices included.
func mutate(r *rand.Rand, q *Sequence) {
	var steps []*Step
	var walk func([]*Step)
	walk = func(ss []*Step) {
		for _, s := range ss {
			if s != nil {
				steps = append(steps, s)
				walk(s.Steps)
			}
		}
	}
	walk(q.Steps)
	flip := func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			v.SetString(v.String() + "x")
		case reflect.Bool:
			v.SetBool(!v.Bool())
		case reflect.Int:
			v.SetInt(v.Int() + 1)
		case reflect.Pointer, reflect.Slice:
			if v.IsNil() {
				if v.Kind() == reflect.Slice {
					v.Set(reflect.MakeSlice(v.Type(), 0, 0))
				} else {
					v.Set(reflect.New(v.Type().Elem()))
				}
			} else if v.Kind() == reflect.Slice && v.Len() > 0 && r.Intn(2) == 0 {
				elem := v.Index(r.Intn(v.Len()))
				if elem.Kind() == reflect.Pointer && !elem.IsNil() {
					elem = elem.Elem()
				}
				if elem.Kind() == reflect.Struct {
					f := elem.Field(r.Intn(elem.NumField()))
					if f.Kind() == reflect.String {
						f.SetString(f.String() + "x")
					}
				} else if elem.Kind() == reflect.String {
					elem.SetString(elem.String() + "x")
				}
			} else {
				v.Set(reflect.Zero(v.Type()))
			}
		}
	}
	if len(steps) == 0 || r.Intn(4) == 0 {
		flip(reflect.ValueOf(q).Elem().Field(r.Intn(5)))
		return
	}
	s := reflect.ValueOf(steps[r.Intn(len(steps))]).Elem()
	field := s.Field(r.Intn(s.NumField()))
	if field.Type() == reflect.TypeOf((*Elem)(nil)) && !field.IsNil() && r.Intn(2) == 0 {
		e := field.Elem()
		flip(e.Field(r.Intn(e.NumField())))
		return
	}
	flip(field)
}

// storedShapeDeriving is storedShape as it was first written: Derive(q,
// nil) first, then what a site derives left out.
func storedShapeDeriving(q *Sequence) *Sequence {
	c := q.Clone()
	Derive(c, nil)
	s := storedShape(c)
	return s
}

// TestStoredShapeIsDerivedLeftOut holds storedShape, which does not
// derive, to deriving first: everything Derive without children sets is
// what storedShape leaves out.
func TestStoredShapeIsDerivedLeftOut(t *testing.T) {
	check := func(what string, q *Sequence) {
		t.Helper()
		if got, want := storedShape(q), storedShapeDeriving(q); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: storedShape differs from deriving first:\n got %+v\nwant %+v", what, got, want)
		}
	}
	seen := 0
	for name, data := range corpusSequences(t) {
		q, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		check(name, q)
		walkSteps(q.Steps, "", func(_ string, s *Step) bool {
			check(name+": "+s.Name, &Sequence{Steps: []*Step{s}})
			seen++
			return true
		})
	}
	// every catalogued class, its global properties set, with globals of
	// its own and a Run Task Sequence step naming a child
	r := rand.New(rand.NewSource(2))
	for _, c := range classes {
		for range 40 {
			s := randomStep(r, 0)
			s.Kind, s.Type, s.Steps = KindStep, c.Name, nil
			if c.Name == cls("SubTasksequence") {
				s.Kind = KindSubSequence
				s.Vars = append(s.Vars, Variable{Name: "TsPackageID", Property: "TsPackageID", Value: "XYZ00001"}, Variable{Name: "TsName", Property: "TsName", Value: "x"})
			}
			for _, p := range c.Props {
				if p.Global || r.Intn(3) == 0 {
					s.Vars = append(s.Vars, Variable{Name: p.Var, Property: p.Name, Value: randomString(r)})
				}
			}
			q := randomSequence(r, 0)
			q.Steps = []*Step{s, {Kind: KindGroup, Name: "g", Steps: []*Step{s.Clone()}}}
			for _, p := range c.Props {
				if p.Global && r.Intn(2) == 0 {
					q.GlobalVars = append(q.GlobalVars, Variable{Name: p.Var, Property: p.Name, Value: "g"})
				}
			}
			check(c.Name, q)
			seen++
		}
	}
	if seen < 1000 {
		t.Fatalf("checked %d steps: too few", seen)
	}
}
