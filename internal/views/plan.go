package views

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tsctl/tsctl/internal/cores"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
)

// Style colours human output; the zero value prints plain text.
type Style struct{ Color bool }

func (s Style) paint(a plan.Action, text string) string {
	if !s.Color {
		return text
	}
	code := map[plan.Action]string{plan.Create: "32", plan.Update: "33", plan.Delete: "31", plan.Replace: "35"}[a]
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

// WritePlan renders the plan for people: a legend, one block per changed
// object (with field and step diffs), then a summary line.
func WritePlan(w io.Writer, p *plan.Plan, st Style) {
	bw := bufio.NewWriterSize(w, 64<<10) // a plan of thousands of steps is thousands of lines
	defer bw.Flush()
	w = bw
	if !p.Changes {
		fmt.Fprintf(w, "No changes. Site %s matches the configuration.\n", p.Site)
		writeOutside(w, p, "")
		return
	}
	used := map[plan.Action]bool{}
	for _, o := range p.Objects {
		used[o.Action] = true
	}
	fmt.Fprintln(w, "tsctl will perform these actions, in this order:")
	for _, a := range []plan.Action{plan.Create, plan.Update, plan.Replace, plan.Delete} {
		if used[a] {
			fmt.Fprintf(w, "  %s %s\n", st.paint(a, a.Symbol()), a)
		}
	}
	fmt.Fprintln(w)
	var changed []*plan.Object
	for _, o := range p.Objects {
		if o.Action != plan.NoOp && o.Action != plan.Delete {
			changed = append(changed, o)
		}
	}
	writeObjects(w, changed, st)
	if p.Summary.Delete > 0 {
		fmt.Fprintln(w, st.paint(plan.Delete, st.bold("Destroy: these objects will be deleted from the site. There is no undo.")))
		fmt.Fprintln(w)
		byAddr := map[string]*plan.Object{}
		for _, o := range p.Objects {
			byAddr[o.Address] = o
		}
		for _, o := range p.Objects {
			if o.Action != plan.Delete {
				continue
			}
			// A deletion waits for the changes to the sequences using it.
			var after []string
			for _, d := range o.DependsOn {
				if x := byAddr[d]; x != nil {
					why := "which uses it now"
					switch {
					case o.Kind == object.Folder && x.Kind == object.Folder:
						why = "which it holds"
					case o.Kind == object.Folder:
						why = "which is in it now"
					case x.Kind == object.Deployment:
						why = "which deploys it now"
					}
					change := map[plan.Action]string{plan.Update: "update", plan.Delete: "deletion", plan.Replace: "replacement"}[x.Action]
					after = append(after, fmt.Sprintf("    after the %s of %s, %s", change, label(x), why))
				}
			}
			writeObject(w, o, st, after...)
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Destroy: %d to delete (%d declared absent, %d pruned: created by tsctl, no longer in the configuration).\n",
			p.Summary.Delete, countReason(p, "delete_because_absent"), countReason(p, "delete_because_not_in_configuration"))
	}
	if p.Partial {
		fmt.Fprintln(w, "Note: --target narrowed this plan; it may not hold every change the configuration needs.")
	}
	writeOutside(w, p, "")
	fmt.Fprintf(w, "Plan: %s.\n", summaryText(p.Summary))
}

// summaryText counts a plan's actions: replacements only when there are
// any.
func summaryText(s plan.Summary) string {
	replace := ""
	if s.Replace > 0 {
		replace = fmt.Sprintf(", %d to replace", s.Replace)
	}
	return fmt.Sprintf("%d to create, %d to update%s, %d to delete", s.Create, s.Update, replace, s.Delete)
}

// outsideShown is how many objects outside the configuration are named.
const outsideShown = 10

// writeOutside notes the objects tsctl created that the configuration no
// longer declares and that stay on the site, each line starting with
// indent.
func writeOutside(w io.Writer, p *plan.Plan, indent string) {
	n := len(p.NotInConfiguration)
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "%sNote: %d %s tsctl created %s no longer in the configuration and %s on the site; plan --prune deletes %s:\n",
		indent, n, plural(n, "object", "objects"), plural(n, "is", "are"), plural(n, "stays", "stay"), plural(n, "it", "them"))
	for i, o := range p.NotInConfiguration {
		if i == outsideShown {
			fmt.Fprintf(w, "%s  … and %d more (--json lists them all)\n", indent, n-outsideShown)
			break
		}
		fmt.Fprintf(w, "%s  %s %q (%s)\n", indent, o.Kind, o.Name, o.ID)
	}
}

func countReason(p *plan.Plan, r string) int {
	n := 0
	for _, o := range p.Objects {
		if o.Action == plan.Delete && o.Reason == r {
			n++
		}
	}
	return n
}

// label names the object in a sentence: kind "name" (ID).
func label(o *plan.Object) string {
	s := fmt.Sprintf("%s %q%s", o.Kind, o.Name, holds(o))
	if o.ID != "" {
		s += " (" + o.ID + ")"
	}
	return s
}

// holds says what a folder holds, from its address (folder.KIND:PATH):
// " of sequences"; "" for any other object.
func holds(o *plan.Object) string { return folderHolds(o.Kind, o.Address) }

func folderHolds(kind object.Kind, address string) string {
	if kind != object.Folder {
		return ""
	}
	rest, ok := strings.CutPrefix(address, "folder.")
	name, _, _ := strings.Cut(rest, ":")
	if k, known := object.Parse(name); ok && known {
		return " of " + k.Describe() + "s"
	}
	return ""
}

// contentText is a line of content a plan distributes.
func contentText(c plan.Content) string {
	id := ""
	if c.ID != "" {
		id = ", " + c.ID
	}
	return fmt.Sprintf("+ distribute %s %q (%s%s) to %s %q", "content", c.Name, c.Kind.Describe(), id, c.TargetKind.Describe(), c.Target)
}

// writeObject prints the object's head line, then notes (lines printed as
// they are), then its field changes and steps.
// renderWindow is how many objects writeObjects renders before it
// writes them: enough to keep every core busy, few enough that a plan of
// thousands of new sequences never holds more than a window's text.
const renderWindow = 64

// writeObjects writes each object as writeObject does, followed by an
// empty line, in order. The objects of a window are rendered at once on
// every core (a new sequence is hundreds of lines), then written.
func writeObjects(w io.Writer, objs []*plan.Object, st Style) {
	bufs := make([]bytes.Buffer, min(renderWindow, len(objs)))
	for start := 0; start < len(objs); start += renderWindow {
		n := min(renderWindow, len(objs)-start)
		cores.Each(n, func(i int) {
			bufs[i].Reset()
			writeObject(&bufs[i], objs[start+i], st)
			bufs[i].WriteByte('\n')
		})
		for i := range n {
			w.Write(bufs[i].Bytes())
		}
	}
}

func writeObject(w io.Writer, o *plan.Object, st Style, notes ...string) {
	head := fmt.Sprintf("%s %s %q%s", o.Action.Symbol(), o.Kind, o.Name, holds(o))
	if o.ID != "" {
		head += " (" + o.ID + ")"
	}
	switch o.Action {
	case plan.Create:
		if o.Kind == object.Sequence {
			head += fmt.Sprintf(" will be created with %d %s", o.StepCount, plural(o.StepCount, "step", "steps"))
		} else {
			head += " will be created"
		}
	case plan.Update:
		head += " will be updated in place"
	case plan.Replace:
		head += " will be replaced: deleted, then created"
	case plan.Delete:
		head += " will be deleted"
		if o.Kind == object.Sequence && o.StepCount > 0 {
			head += fmt.Sprintf(" with its %d %s", o.StepCount, plural(o.StepCount, "step", "steps"))
		}
		if o.Reason == "delete_because_absent" {
			head += " (declared absent)"
		} else if o.Reason != "" {
			head += " (created by tsctl, no longer in the configuration)"
		}
	}
	fmt.Fprintln(w, st.paint(o.Action, st.bold(head)))
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	width := 0
	for _, c := range o.Changes {
		width = max(width, len(c.Field))
	}
	for _, c := range o.Changes {
		fmt.Fprintf(w, "    %s\n", changeText(c, width, st))
	}
	for _, c := range o.Content {
		fmt.Fprintf(w, "    %s\n", st.paint(plan.Create, contentText(c)))
	}
	for _, n := range o.Notes {
		fmt.Fprintf(w, "    note: %s\n", n)
	}
	for _, s := range o.Steps {
		writeStep(w, s, st)
	}
	for _, s := range o.Tree {
		writeStep(w, s, st)
	}
}

// writeStep prints a step change, or a step of a tree, with its fields.
// A new sequence's tree is thousands of these lines: they are written
// as strings, without fmt.
func writeStep(w io.Writer, s plan.StepChange, st Style) {
	io.WriteString(w, st.paint(s.Action, "  "+stepHead(s)))
	io.WriteString(w, "\n")
	width := 0
	for _, c := range s.Changes {
		width = max(width, len(c.Field))
	}
	for _, c := range s.Changes {
		io.WriteString(w, "        ")
		io.WriteString(w, changeText(c, width, st))
		io.WriteString(w, "\n")
	}
}

// stepHead is a step change's line: + step "Group/Name" (RunCommandLineAction).
func stepHead(s plan.StepChange) string {
	label := "step"
	if s.Type == "group" {
		label = "group"
	}
	line := s.Action.Symbol() + " " + label + " " + strconv.Quote(s.Path)
	if s.Action != plan.Update && s.Type != "" && s.Type != "group" {
		line += " (" + strings.TrimPrefix(s.Type, "SMS_TaskSequence_") + ")"
	}
	return line
}

func changeText(c plan.Change, width int, st Style) string {
	val := func(v string, has bool) string {
		switch {
		case c.Sensitive:
			return "(sensitive)"
		case !has:
			return "(none)"
		}
		return quote(v)
	}
	pad := strings.Repeat(" ", max(0, width-len(c.Field)))
	switch {
	case !c.HasBefore:
		return st.paint(plan.Create, "+ "+c.Field+pad+" = "+val(c.After, true))
	case !c.HasAfter:
		return st.paint(plan.Delete, "- "+c.Field+pad+" = "+val(c.Before, true))
	}
	line := "~ " + c.Field + pad + " = " + val(c.Before, true) + " → " + val(c.After, true)
	if c.ForcesReplacement {
		return st.paint(plan.Replace, line+" (forces replacement)")
	}
	return st.paint(plan.Update, line)
}

// quoteEscapes escapes what quote writes of a value: built once, as a
// Replacer builds its tables on first use (a plan of 200 sequences quoted
// 30,000 values, and built a Replacer for each).
var quoteEscapes = strings.NewReplacer(`"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)

// quote shows a value on one line, shortened when long.
func quote(v string) string {
	const max = 120
	q := `"` + quoteEscapes.Replace(v) + `"`
	if len(q) > max {
		cut := max - 4
		for cut > 0 && !utf8.RuneStart(q[cut]) {
			cut-- // not inside a character: the line stays UTF-8
		}
		q = q[:cut] + "…\""
	}
	return q
}

// WritePlanMarkdown renders a compact plan for a pull-request comment: a
// summary table, with each object's field and step changes folded away.
func WritePlanMarkdown(w io.Writer, p *plan.Plan) {
	bw := bufio.NewWriterSize(w, 64<<10)
	defer bw.Flush()
	w = bw
	fmt.Fprintf(w, "### tsctl plan for site %s\n\n", p.Site)
	if !p.Changes {
		fmt.Fprintf(w, "No changes. Site %s matches the configuration.\n", p.Site)
		writeMarkdownOutside(w, p)
		return
	}
	fmt.Fprintf(w, "**Plan: %s.**", summaryText(p.Summary))
	if p.Partial {
		fmt.Fprint(w, " _(partial: --target)_")
	}
	fmt.Fprint(w, "\n\n")
	writeMarkdownOutside(w, p)
	fmt.Fprint(w, "| | object | id | changes |\n|---|---|---|---|\n")
	for _, o := range p.Objects {
		if o.Action == plan.NoOp {
			continue
		}
		what := ""
		switch {
		case o.Action == plan.Create && o.Kind == object.Sequence:
			what = fmt.Sprintf("new, %d %s", o.StepCount, plural(o.StepCount, "step", "steps"))
		case o.Action == plan.Create:
			what = "new"
		case o.Action == plan.Delete:
			what = "**delete**"
		case o.Action == plan.Replace:
			what = "**replace**"
		default:
			what = fmt.Sprintf("%d %s, %d %s", len(o.Changes), plural(len(o.Changes), "field", "fields"), len(o.Steps), plural(len(o.Steps), "step", "steps"))
		}
		if n := len(o.Content); n > 0 {
			what += fmt.Sprintf(", %d content to distribute", n)
		}
		fmt.Fprintf(w, "| `%s` | %s `%s`%s | %s | %s |\n", o.Action.Symbol(), o.Kind, mdEscape(o.Name), holds(o), o.ID, what)
	}
	for _, o := range p.Objects {
		if o.Action == plan.NoOp || len(o.Changes)+len(o.Steps)+len(o.Tree)+len(o.Content)+len(o.Notes) == 0 {
			continue
		}
		what := map[plan.Action]string{plan.Create: "new ", plan.Delete: "deleted ", plan.Replace: "replaced "}[o.Action]
		fmt.Fprintf(w, "\n<details><summary>%s%s <code>%s</code>%s</summary>\n\n```diff\n", what, o.Kind, htmlEscape(o.Name), holds(o))
		var b strings.Builder
		for _, c := range o.Changes {
			fmt.Fprintf(&b, "%s\n", changeText(c, 0, Style{}))
		}
		for _, c := range o.Content {
			fmt.Fprintf(&b, "%s\n", contentText(c))
		}
		for _, n := range o.Notes {
			fmt.Fprintf(&b, "# note: %s\n", n)
		}
		for _, s := range append(append([]plan.StepChange(nil), o.Steps...), o.Tree...) {
			fmt.Fprintf(&b, "%s\n", stepHead(s))
			for _, c := range s.Changes {
				fmt.Fprintf(&b, "    %s\n", changeText(c, 0, Style{}))
			}
		}
		fmt.Fprint(w, strings.ReplaceAll(b.String(), "```", "` ` `"))
		fmt.Fprint(w, "```\n\n</details>\n")
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "`", "'") }

var htmlEscapes = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func htmlEscape(s string) string { return htmlEscapes.Replace(s) }

// writeMarkdownOutside notes the objects outside the configuration in a
// pull-request comment.
func writeMarkdownOutside(w io.Writer, p *plan.Plan) {
	n := len(p.NotInConfiguration)
	if n == 0 {
		return
	}
	var names []string
	for i, o := range p.NotInConfiguration {
		if i == outsideShown {
			names = append(names, fmt.Sprintf("and %d more", n-outsideShown))
			break
		}
		names = append(names, fmt.Sprintf("%s `%s` (%s)", o.Kind, mdEscape(o.Name), o.ID))
	}
	fmt.Fprintf(w, "_Not in the configuration, left on the site (`--prune` deletes %s): %s._\n\n", plural(n, "it", "them"), strings.Join(names, ", "))
}
