package views

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
)

// The events of tsctl apply --json, one JSON object per line. Each names
// itself in Event and carries FormatVersion.
const (
	EventPlan           = "plan"
	EventStart          = "start"
	EventDone           = "done"
	EventSummary        = "summary"
	EventAlreadyApplied = "already_applied"
)

// PlanEvent is the first event: the plan about to be applied.
type PlanEvent struct {
	Event         string     `json:"event"` // "plan"
	FormatVersion string     `json:"format_version"`
	Plan          *plan.Plan `json:"plan"` // the plan document (its own format_version)
}

// StartEvent says an object's writes begin.
type StartEvent struct {
	Action        plan.Action `json:"action"` // "create", "update" or "delete"
	Address       string      `json:"address"`
	Event         string      `json:"event"` // "start"
	FormatVersion string      `json:"format_version"`
}

// DoneEvent says an object is finished, with its outcome. Objects the plan
// leaves alone have none.
type DoneEvent struct {
	Address       string      `json:"address"`
	Event         string      `json:"event"` // "done"
	FormatVersion string      `json:"format_version"`
	Hint          string      `json:"hint,omitempty"` // what to do about a failure, when known; optional
	ID            string      `json:"id,omitempty"`   // the PackageID, when the object exists; optional
	Kind          object.Kind `json:"kind"`
	Name          string      `json:"name"`
	Outcome       string      `json:"outcome"`          // see Outcome.Outcome
	Reason        string      `json:"reason,omitempty"` // why it failed or was skipped; optional
}

// SummaryEvent is the last event: every object's outcome, the counts, and
// the provider calls the apply made.
type SummaryEvent struct {
	Calls       map[string]int `json:"calls"`         // provider calls by kind ("query SMS_Package", "get", …)
	CallsAtOnce int            `json:"calls_at_once"` // the most calls that were in flight at once
	Created     int            `json:"created"`
	Deleted     int            `json:"deleted"`
	Event       string         `json:"event"` // "summary"
	Failed      int            `json:"failed"`
	// FormatVersion is the version of the events.
	FormatVersion string    `json:"format_version"`
	Objects       []Outcome `json:"objects"` // every object of the plan, in plan order
	Replaced      int       `json:"replaced"`
	Retries       int       `json:"retries"` // transient errors retried
	Skipped       int       `json:"skipped"`
	Unchanged     int       `json:"unchanged"`
	Updated       int       `json:"updated"`
}

// AlreadyAppliedEvent is the only event of applying a saved plan whose
// every object is already at its planned state: nothing was changed.
type AlreadyAppliedEvent struct {
	Event         string `json:"event"` // "already_applied"
	FormatVersion string `json:"format_version"`
	PlanFile      string `json:"plan_file"`
}

// Outcome is what apply did to one object.
type Outcome struct {
	Address string      `json:"address"`
	Kind    object.Kind `json:"kind"`
	Name    string      `json:"name"`
	ID      string      `json:"id,omitempty"` // optional: the PackageID, when the object exists
	// Outcome is "unchanged", "created", "updated", "replaced",
	// "deleted", "failed" or "skipped".
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"` // why it failed or was skipped; optional
	Hint    string `json:"hint,omitempty"`   // what to do about a failure, when known; optional
}

// Outcomes an object can have.
const (
	Unchanged = "unchanged"
	Created   = "created"
	Updated   = "updated"
	Replaced  = "replaced"
	Deleted   = "deleted"
	Failed    = "failed"
	Skipped   = "skipped"
)

// OutcomeOf views what apply did to one object.
func OutcomeOf(r engine.ObjectResult) Outcome {
	return Outcome{Address: r.Address, Kind: r.Kind, Name: r.Name, ID: r.ID, Outcome: r.Outcome.String(), Reason: r.Reason, Hint: r.Hint}
}

// SummaryOf views the result of an apply with the provider calls it made
// (by kind, and the most at once) and the transient errors it retried.
func SummaryOf(res *engine.ApplyResult, calls map[string]int, callsAtOnce, retries int) *SummaryEvent {
	objs := make([]Outcome, len(res.Objects))
	for i, r := range res.Objects {
		objs[i] = OutcomeOf(r)
	}
	return NewSummary(objs, calls, callsAtOnce, retries)
}

// Done is the DoneEvent of an outcome.
func (o Outcome) Done() DoneEvent {
	return DoneEvent{Address: o.Address, Event: EventDone, FormatVersion: FormatVersion, ID: o.ID, Kind: o.Kind, Name: o.Name,
		Outcome: o.Outcome, Reason: o.Reason, Hint: o.Hint}
}

// Progress is the line apply prints for people when the object is
// finished: kind "name": outcome, the PackageID of an object created, and
// the reason of a failure or a skip.
func (o Outcome) Progress() string {
	msg := fmt.Sprintf("%s %q%s: %s", o.Kind, o.Name, folderHolds(o.Kind, o.Address), o.Outcome)
	if o.ID != "" && (o.Outcome == Created || o.Outcome == Replaced) {
		msg += " (" + o.ID + ")"
	}
	if o.Reason != "" {
		msg += ": " + o.Reason
	}
	return msg
}

// NewSummary counts the outcomes of an apply.
func NewSummary(objs []Outcome, calls map[string]int, callsAtOnce, retries int) *SummaryEvent {
	s := &SummaryEvent{Event: EventSummary, FormatVersion: FormatVersion, Objects: objs, Calls: calls, CallsAtOnce: callsAtOnce, Retries: retries}
	if s.Objects == nil {
		s.Objects = []Outcome{}
	}
	for _, o := range objs {
		switch o.Outcome {
		case Created:
			s.Created++
		case Updated:
			s.Updated++
		case Replaced:
			s.Replaced++
		case Deleted:
			s.Deleted++
		case Unchanged:
			s.Unchanged++
		case Failed:
			s.Failed++
		case Skipped:
			s.Skipped++
		}
	}
	return s
}

// Incomplete reports whether any object failed or was skipped.
func (s *SummaryEvent) Incomplete() bool { return s.Failed+s.Skipped > 0 }

// WriteHuman prints the summary for people: every object's outcome but the
// unchanged, in plan order, then Apply complete (or incomplete) with the
// counts.
func (s *SummaryEvent) WriteHuman(w io.Writer) {
	for _, r := range s.Objects {
		if r.Outcome == Unchanged {
			continue
		}
		line := fmt.Sprintf("%-9s %s %q%s", r.Outcome, r.Kind, r.Name, folderHolds(r.Kind, r.Address))
		if r.ID != "" {
			line += " (" + r.ID + ")"
		}
		if r.Reason != "" {
			line += ": " + r.Reason
		}
		fmt.Fprintln(w, line)
	}
	replaced := ""
	if s.Replaced > 0 {
		replaced = fmt.Sprintf("%d replaced, ", s.Replaced)
	}
	counts := fmt.Sprintf("%d created, %d updated, %s%d deleted, %d unchanged, %d failed, %d skipped.",
		s.Created, s.Updated, replaced, s.Deleted, s.Unchanged, s.Failed, s.Skipped)
	if s.Retries > 0 {
		counts += fmt.Sprintf(" %d transient %s retried.", s.Retries, plural(s.Retries, "error", "errors"))
	}
	if s.Incomplete() {
		fmt.Fprintln(w, "Apply incomplete: "+counts)
		return
	}
	fmt.Fprintln(w, "Apply complete: "+counts)
}

// Hints lists, once each, what to do about the failures.
func (s *SummaryEvent) Hints() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range s.Objects {
		if r.Hint != "" && !seen[r.Hint] {
			seen[r.Hint] = true
			out = append(out, r.Hint)
		}
	}
	return out
}

// Line renders an event as one line of JSON.
func Line(event any) ([]byte, error) {
	b, err := json.Marshal(event)
	if err != nil {
		return nil, fmt.Errorf("render %T: %w", event, err)
	}
	return append(b, '\n'), nil
}

// Document renders a document (a Validation, a plan, a SiteObjects) as
// indented JSON.
func Document(doc any) ([]byte, error) {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render %T: %w", doc, err)
	}
	return append(b, '\n'), nil
}
