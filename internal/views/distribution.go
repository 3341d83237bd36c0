package views

import (
	"fmt"
	"io"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/object"
)

// EventDistribution is the event apply --wait-distribution ends with.
const EventDistribution = "distribution"

// DistributionEvent is what apply --wait-distribution found when it
// stopped waiting: each content on each distribution point, and the
// counts. It follows the summary event.
type DistributionEvent struct {
	Content       []ContentStatus `json:"content"` // never null
	Event         string          `json:"event"`   // "distribution"
	Failed        int             `json:"failed"`
	FormatVersion string          `json:"format_version"`
	Installed     int             `json:"installed"`
	Pending       int             `json:"pending"`
	TimedOut      bool            `json:"timed_out"` // the wait ended with content still pending
}

// ContentStatus is one content on one distribution point.
type ContentStatus struct {
	Group  string      `json:"group,omitempty"` // the group it is there through; optional
	ID     string      `json:"id,omitempty"`    // its PackageID; optional
	Kind   object.Kind `json:"kind"`
	Name   string      `json:"name"`
	Server string      `json:"server"` // the distribution point's server name
	State  string      `json:"state"`  // INSTALLED, INSTALL_PENDING, INSTALL_FAILED…; NOT_TARGETED before the site lists it
}

// NewDistribution views what waiting for distribution found.
func NewDistribution(status []engine.DistributionStatus, timedOut bool) *DistributionEvent {
	ev := &DistributionEvent{Event: EventDistribution, FormatVersion: FormatVersion, Content: []ContentStatus{}, TimedOut: timedOut}
	for _, s := range status {
		ev.Content = append(ev.Content, ContentStatus{Group: s.Group, ID: s.ID, Kind: s.Kind, Name: s.Name, Server: s.Server, State: s.State})
		switch {
		case s.Done:
			ev.Installed++
		case s.Failed:
			ev.Failed++
		default:
			ev.Pending++
		}
	}
	return ev
}

// DistributionLine is the progress line of waiting for distribution.
func DistributionLine(status []engine.DistributionStatus) string {
	ev := NewDistribution(status, false)
	line := fmt.Sprintf("distribution: %d of %d installed", ev.Installed, len(status))
	if ev.Pending > 0 {
		line += fmt.Sprintf(", %d pending", ev.Pending)
	}
	if ev.Failed > 0 {
		line += fmt.Sprintf(", %d failed", ev.Failed)
	}
	return line
}

// WriteHuman prints, for people, each content that did not arrive — one
// line per distribution point — then the counts.
func (d *DistributionEvent) WriteHuman(w io.Writer) {
	for _, c := range d.Content {
		if c.State == "INSTALLED" {
			continue
		}
		what := "failed "
		if c.State != "INSTALL_FAILED" {
			what = "pending"
		}
		line := fmt.Sprintf("%s   %s %q", what, c.Kind, c.Name)
		if c.ID != "" {
			line += " (" + c.ID + ")"
		}
		line += " on " + c.Server
		if c.Group != "" {
			line += fmt.Sprintf(" (group %q)", c.Group)
		}
		fmt.Fprintln(w, line+": "+c.State)
	}
	counts := fmt.Sprintf("%d installed, %d pending, %d failed.", d.Installed, d.Pending, d.Failed)
	if d.Failed+d.Pending > 0 {
		fmt.Fprintln(w, "Distribution incomplete: "+counts)
		return
	}
	fmt.Fprintln(w, "Distribution complete: "+counts)
}
