package model

// The equality functions below are reflect.DeepEqual for the model's own
// types, written out: Identical compares a built step with the original
// for every step convert writes, and reflection took a third of that
// comparison. They keep DeepEqual's rules exactly — a nil slice or
// pointer differs from a non-nil one, empty or not — so swapping one for
// the other changes no answer (TestEqualIsDeepEqual; TestEqualCoversEveryField
// fails when a field is added to a type and not here).

func equalSequence(a, b *Sequence) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Version == b.Version &&
		equalAttrs(a.Attrs, b.Attrs) &&
		equalReferences(a.References, b.References) &&
		equalVariables(a.GlobalVars, b.GlobalVars) &&
		equalSteps(a.Steps, b.Steps)
}

func equalSteps(a, b []*Step) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalStep(a[i], b[i]) {
			return false
		}
	}
	return true
}

func equalStep(a, b *Step) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Kind == b.Kind &&
		a.Type == b.Type &&
		a.Name == b.Name &&
		a.Description == b.Description &&
		a.Disabled == b.Disabled &&
		a.ContinueOnError == b.ContinueOnError &&
		equalStringPtr(a.RunIn, b.RunIn) &&
		equalStringPtr(a.SuccessCodes, b.SuccessCodes) &&
		equalStringPtr(a.RetryCount, b.RetryCount) &&
		equalStringPtr(a.RunFromNet, b.RunFromNet) &&
		equalStringPtr(a.Timeout, b.Timeout) &&
		equalAttrs(a.Extra, b.Extra) &&
		EqualElem(a.Condition, b.Condition) &&
		equalStringPtr(a.Action, b.Action) &&
		equalVariables(a.Vars, b.Vars) &&
		equalSteps(a.Steps, b.Steps) &&
		equalElems(a.ExtraElems, b.ExtraElems) &&
		equalStrings(a.Layout, b.Layout)
}

// EqualElem is reflect.DeepEqual(a, b) for two elements.
func EqualElem(a, b *Elem) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Name == b.Name &&
		a.Text == b.Text &&
		equalAttrs(a.Attrs, b.Attrs) &&
		equalElems(a.Children, b.Children)
}

func equalElems(a, b []*Elem) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if !EqualElem(a[i], b[i]) {
			return false
		}
	}
	return true
}

func equalStringPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// equalFlat is DeepEqual for slices of comparable structs and strings.
func equalFlat[T comparable](a, b []T) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalAttrs(a, b []Attr) bool           { return equalFlat(a, b) }
func equalReferences(a, b []Reference) bool { return equalFlat(a, b) }
func equalVariables(a, b []Variable) bool   { return equalFlat(a, b) }
func equalStrings(a, b []string) bool       { return equalFlat(a, b) }
