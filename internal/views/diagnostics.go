package views

import (
	"fmt"
	"io"
	"strings"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
)

// FormatVersion is the version of the validate document, the site objects
// document and the apply events. 1.0 is the first that carries it; 1.1
// added the outcome "replaced" (and the summary's replaced count) and the
// distribution events of apply --wait-distribution.
const FormatVersion = "1.1"

// Diagnostic is one problem, as JSON reports it.
type Diagnostic struct {
	Severity string `json:"severity"`       // "error" or "warning"
	Code     string `json:"code,omitempty"` // a lint code (TS001…); optional
	File     string `json:"file,omitempty"` // optional: a problem of no file has none
	Line     int    `json:"line,omitempty"` // 1-based; optional
	Column   int    `json:"column,omitempty"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"` // what to do about it; optional
}

// Diagnostics are the problems a command reports, in the order reported.
type Diagnostics []Diagnostic

// DiagnosticsOf views positioned diagnostics.
func DiagnosticsOf(ds diag.List) Diagnostics {
	out := Diagnostics{}
	for _, d := range ds {
		out = append(out, Diagnostic{Severity: d.Severity.String(), Code: d.Code, File: d.Pos.File, Line: d.Pos.Line, Column: d.Pos.Col,
			Message: d.Msg, Hint: d.Hint})
	}
	return out
}

func (d Diagnostic) warning() bool { return d.Severity == diag.Warning.String() }

func (d Diagnostic) pos() string { return diag.Pos{File: d.File, Line: d.Line, Col: d.Column}.String() }

// Validation is the document tsctl validate --json prints.
type Validation struct {
	FormatVersion string `json:"format_version"`
	// Valid is false when the configuration has errors, or warnings under
	// --strict.
	Valid       bool        `json:"valid"`
	Diagnostics Diagnostics `json:"diagnostics"` // never null
	// WarningsByCode counts the warnings by lint code.
	WarningsByCode map[string]int `json:"warnings_by_code"`
}

// NewValidation views what validate found.
func NewValidation(ds diag.List, valid bool) *Validation {
	v := &Validation{FormatVersion: FormatVersion, Valid: valid, Diagnostics: DiagnosticsOf(ds)}
	v.WarningsByCode = v.Diagnostics.WarningsByCode()
	return v
}

// WarningsByCode counts the warnings of each lint code.
func (ds Diagnostics) WarningsByCode() map[string]int {
	by := map[string]int{}
	for _, d := range ds {
		if d.warning() && d.Code != "" {
			by[d.Code]++
		}
	}
	return by
}

// SameWarnings is how many warnings of one lint code WriteHuman prints in
// full (the first with its hint) before one line counting the rest; the
// same goes for an error repeated word for word at other places (one
// secret variable unset, used by a thousand steps).
const SameWarnings = 3

// group is what WriteHuman groups d with: a warning's lint code, or an
// error's words; "" for a warning without a code.
func (d Diagnostic) group() string {
	if d.warning() {
		return d.Code
	}
	return "\x00" + d.Code + "\x00" + d.Message + "\x00" + d.Hint
}

// WriteHuman prints the diagnostics for people, one line each
// (file:line:col: …, or tsctl: … without a position) with a hint line;
// warnings of one code, and errors repeated word for word, are grouped:
// the first few in full, then one line counting the rest.
func (ds Diagnostics) WriteHuman(w io.Writer) { ds.WriteHumanListing(w, "--format github") }

// WriteHumanListing is WriteHuman for a command where every warning is
// listed some other way: every says how ("tsctl plan --format github"
// for a command without --format).
func (ds Diagnostics) WriteHumanListing(w io.Writer, every string) {
	count, printed := map[string]int{}, map[string]int{}
	for _, d := range ds {
		if k := d.group(); k != "" {
			count[k]++
		}
	}
	for _, d := range ds {
		key := d.group()
		if key != "" {
			n := printed[key]
			printed[key]++
			if n >= SameWarnings {
				continue
			}
		}
		prefix := ""
		if d.warning() {
			prefix = "warning: "
		}
		if d.Code != "" {
			prefix += d.Code + ": "
		}
		if p := d.pos(); p != "" {
			fmt.Fprintf(w, "%s: %s%s\n", p, prefix, d.Message)
		} else {
			fmt.Fprintf(w, "tsctl: %s%s\n", prefix, d.Message)
		}
		if d.Hint != "" && (key == "" || printed[key] == 1) {
			fmt.Fprintf(w, "\thint: %s\n", d.Hint)
		}
		if key == "" || printed[key] != SameWarnings || count[key] <= SameWarnings {
			continue
		}
		rest := count[key] - SameWarnings
		if !d.warning() {
			fmt.Fprintf(w, "tsctl: error: and %d more like it at other places: %s%s\n", rest, prefix, d.Message)
			continue
		}
		what := ""
		if lc, ok := config.LookupLintCode(d.Code); ok {
			what = " (" + lc.Summary + ")"
		}
		fmt.Fprintf(w, "tsctl: warning: %s: and %d more%s; %s lists every one\n", d.Code, rest, what, every)
	}
}

// LintSummary is the line counting the warnings by code, with what each
// code reports; "" without warnings.
func (ds Diagnostics) LintSummary() string {
	by := ds.WarningsByCode()
	total := 0
	var parts []string
	for _, lc := range config.LintCodes {
		if n := by[lc.Code]; n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%d %s (%s)", n, lc.Code, lc.Summary))
		}
	}
	if total == 0 {
		return ""
	}
	return fmt.Sprintf("%d lint %s: %s", total, plural(total, "warning", "warnings"), strings.Join(parts, ", "))
}

// WriteGitHub prints every diagnostic as a GitHub Actions workflow
// annotation (::error file=…,line=…,col=…::…).
func (ds Diagnostics) WriteGitHub(w io.Writer) {
	esc := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	prop := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
	for _, d := range ds {
		level := "error"
		if d.warning() {
			level = "warning"
		}
		msg := d.Message
		if d.Code != "" {
			msg = d.Code + ": " + msg
		}
		if d.Hint != "" {
			msg += "\nhint: " + d.Hint
		}
		var loc []string
		if d.File != "" {
			loc = append(loc, "file="+prop.Replace(d.File))
		}
		if d.Line > 0 {
			loc = append(loc, fmt.Sprintf("line=%d", d.Line), fmt.Sprintf("col=%d", d.Column))
		}
		if d.Code != "" {
			loc = append(loc, "title="+prop.Replace(d.Code))
		}
		fmt.Fprintf(w, "::%s %s::%s\n", level, strings.Join(loc, ","), esc.Replace(msg))
	}
}
