package plan

import (
	"fmt"
	"io"
	"strings"
)

// Style colours human output; the zero value prints plain text.
type Style struct{ Color bool }

func (s Style) paint(a Action, text string) string {
	if !s.Color {
		return text
	}
	code := map[Action]string{Create: "32", Update: "33", Delete: "31"}[a]
	if code == "" {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

func (s Style) bold(text string) string {
	if !s.Color {
		return text
	}
	return "\x1b[1m" + text + "\x1b[0m"
}

// WriteHuman renders the plan for people: a legend, one block per changed
// object (with field and step diffs), then a summary line.
func (p *Plan) WriteHuman(w io.Writer, st Style) {
	if !p.Changes {
		fmt.Fprintf(w, "No changes. Site %s matches the configuration.\n", p.Site)
		return
	}
	used := map[Action]bool{}
	for _, o := range p.Objects {
		used[o.Action] = true
	}
	fmt.Fprintln(w, "tsctl will perform these actions, in this order:")
	for _, a := range []Action{Create, Update, Delete} {
		if used[a] {
			fmt.Fprintf(w, "  %s %s\n", st.paint(a, a.Symbol()), a)
		}
	}
	fmt.Fprintln(w)
	for _, o := range p.Objects {
		if o.Action == NoOp {
			continue
		}
		o.writeHuman(w, st)
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Plan: %d to create, %d to update, %d to delete.\n", p.Summary.Create, p.Summary.Update, p.Summary.Delete)
}

func (o *Object) writeHuman(w io.Writer, st Style) {
	head := fmt.Sprintf("%s %s %q", o.Action.Symbol(), o.Kind, o.Name)
	if o.ID != "" {
		head += " (" + o.ID + ")"
	}
	switch o.Action {
	case Create:
		if o.Kind == KindSequence {
			head += fmt.Sprintf(" will be created with %d steps", o.StepCount)
		} else {
			head += " will be created"
		}
	case Update:
		head += " will be updated in place"
	case Delete:
		head += " will be deleted"
	}
	fmt.Fprintln(w, st.paint(o.Action, st.bold(head)))
	width := 0
	for _, c := range o.Changes {
		width = max(width, len(c.Field))
	}
	for _, c := range o.Changes {
		fmt.Fprintf(w, "    %s\n", c.human(width, st))
	}
	for _, s := range o.Steps {
		label := "step"
		if s.Type == "group" {
			label = "group"
		}
		line := fmt.Sprintf("  %s %s %q", s.Action.Symbol(), label, s.Path)
		if s.Action != Update && s.Type != "" && s.Type != "group" {
			line += " (" + strings.TrimPrefix(s.Type, "SMS_TaskSequence_") + ")"
		}
		fmt.Fprintln(w, st.paint(s.Action, line))
		width := 0
		for _, c := range s.Changes {
			width = max(width, len(c.Field))
		}
		for _, c := range s.Changes {
			fmt.Fprintf(w, "        %s\n", c.human(width, st))
		}
	}
}

func (c Change) human(width int, st Style) string {
	val := func(v string, has bool) string {
		switch {
		case c.Sensitive:
			return "(sensitive)"
		case !has:
			return "(none)"
		}
		return quote(v)
	}
	pad := strings.Repeat(" ", width-len(c.Field))
	switch {
	case !c.HasBefore:
		return st.paint(Create, "+ "+c.Field+pad+" = "+val(c.After, true))
	case !c.HasAfter:
		return st.paint(Delete, "- "+c.Field+pad+" = "+val(c.Before, true))
	}
	return st.paint(Update, "~ "+c.Field+pad+" = "+val(c.Before, true)+" → "+val(c.After, true))
}

// quote shows a value on one line, shortened when long.
func quote(v string) string {
	const max = 120
	q := `"` + strings.NewReplacer(`"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(v) + `"`
	if len(q) > max {
		q = q[:max-4] + "…\""
	}
	return q
}
