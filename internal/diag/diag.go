package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Severity says whether a diagnostic stops tsctl.
type Severity int

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Pos is a position in a configuration file (1-based line and column).
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Diagnostic is one problem.
type Diagnostic struct {
	Severity Severity
	Code     string // stable lint code (TS001…), "" for errors of the configuration
	Pos      Pos
	Msg      string
	Hint     string
}

func (d Diagnostic) Error() string {
	s := d.Msg
	if p := d.Pos.String(); p != "" {
		s = p + ": " + s
	}
	return s
}

// List is a set of diagnostics; as an error it stands for all of them.
type List []Diagnostic

// Add appends an error diagnostic.
func (l *List) Add(pos Pos, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// AddHint appends an error diagnostic with a hint.
func (l *List) AddHint(pos Pos, hint, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Warn appends a lint warning with a stable code.
func (l *List) Warn(pos Pos, code, hint, format string, args ...any) {
	*l = append(*l, Diagnostic{Severity: Warning, Code: code, Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// Sort orders diagnostics by file, line and column and drops exact duplicates.
func (l *List) Sort() {
	sort.SliceStable(*l, func(i, j int) bool {
		a, b := (*l)[i].Pos, (*l)[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	out := (*l)[:0]
	for i, d := range *l {
		if i > 0 && d == out[len(out)-1] {
			continue
		}
		out = append(out, d)
	}
	*l = out
}

func (l List) Error() string {
	var b strings.Builder
	for i, d := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.Error())
	}
	return b.String()
}

// Err returns l as an error when it holds any error, else nil.
func (l List) Err() error {
	if l.HasErrors() {
		return l
	}
	return nil
}

// hinted is an error that carries a hint for the user.
type hinted struct {
	err  error
	hint string
}

func (h hinted) Error() string { return h.err.Error() }
func (h hinted) Unwrap() error { return h.err }

// WithHint attaches a hint to err.
func WithHint(err error, hint string) error {
	if err == nil || hint == "" {
		return err
	}
	return hinted{err, hint}
}

// HintOf returns the hint attached to err, if any: by WithHint, or by an
// error in its chain that has an ErrorHint method.
func HintOf(err error) string {
	for err != nil {
		if h, ok := err.(hinted); ok {
			return h.hint
		}
		if h, ok := err.(interface{ ErrorHint() string }); ok && h.ErrorHint() != "" {
			return h.ErrorHint()
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return ""
		}
		err = u.Unwrap()
	}
	return ""
}

// AddErr appends err as a diagnostic at pos, keeping its hint.
func (l *List) AddErr(pos Pos, err error) {
	*l = append(*l, Diagnostic{Pos: pos, Msg: err.Error(), Hint: HintOf(err)})
}
