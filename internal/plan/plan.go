package plan

import (
	"fmt"

	"github.com/tsctl/tsctl/internal/object"
)

// FormatVersion is the version of the JSON plan document: the major part
// changes when a consumer-visible field changes meaning or disappears, the
// minor part when fields are added. 1.1 added objects[].steps (the step
// tree of a sequence created or deleted), the fields of a deleted package
// (changes with before values) and not_in_configuration.
const FormatVersion = "1.1"

// Action is what a plan does to one object.
type Action int

const (
	NoOp Action = iota
	Create
	Update
	Delete
)

func (a Action) String() string {
	return [...]string{"no-op", "create", "update", "delete"}[a]
}

// Symbol is the one-character marker used in human output.
func (a Action) Symbol() string {
	return [...]string{" ", "+", "~", "-"}[a]
}

// MarshalText renders the action as its name.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses an action name.
func (a *Action) UnmarshalText(b []byte) error {
	for x := NoOp; x <= Delete; x++ {
		if x.String() == string(b) {
			*a = x
			return nil
		}
	}
	return fmt.Errorf("unknown action %q", b)
}

// Change is one field that differs.
type Change struct {
	Field     string `json:"field"`
	Before    string `json:"before,omitempty"`
	After     string `json:"after,omitempty"`
	HasBefore bool   `json:"has_before"`
	HasAfter  bool   `json:"has_after"`
	Sensitive bool   `json:"sensitive,omitempty"`
}

// StepChange is an added, removed or changed step of a sequence.
type StepChange struct {
	Path    string   `json:"path"`
	Action  Action   `json:"action"`
	Type    string   `json:"type,omitempty"` // step class; "group" for groups
	Changes []Change `json:"changes,omitempty"`
}

// Object is the planned action for one package or sequence.
type Object struct {
	Address string       `json:"address"` // kind.name, unique in a plan
	Kind    object.Kind  `json:"kind"`
	Name    string       `json:"name"`
	ID      string       `json:"id,omitempty"` // PackageID when the object exists
	Action  Action       `json:"action"`
	Changes []Change     `json:"changes,omitempty"`
	Steps   []StepChange `json:"step_changes,omitempty"`
	// Tree is every group and step of a sequence created (action create,
	// settings as after values) or deleted (action delete, settings as
	// before values), depth-first, in the shape of Steps.
	Tree      []StepChange `json:"steps,omitempty"`
	StepCount int          `json:"step_count,omitempty"`
	DependsOn []string     `json:"depends_on,omitempty"`
	// Version is the object's SedoObjectVersion when the plan was made.
	Version string `json:"observed_version,omitempty"`
	// Reason explains a deletion: delete_because_absent or
	// delete_because_not_in_configuration (--prune).
	Reason string `json:"reason,omitempty"`
}

// Summary counts the actions of a plan.
type Summary struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
	NoOp   int `json:"no_op"`
}

// Plan is the ordered list of actions for a site. Objects are in an order
// that respects dependencies: an object comes after everything it uses.
type Plan struct {
	FormatVersion string    `json:"format_version"`
	Site          string    `json:"site"`   // site code
	Target        string    `json:"target"` // the site URL the plan was made against
	Objects       []*Object `json:"objects"`
	Summary       Summary   `json:"summary"`
	// Changes is true when applying the plan would change the site.
	Changes bool `json:"changes"`
	// Partial is true when --target narrowed the plan.
	Partial bool `json:"partial,omitempty"`
	// NotInConfiguration lists the objects tsctl created (marked as its
	// own) that the configuration no longer declares and that this plan,
	// made without --prune, leaves on the site.
	NotInConfiguration []Outside `json:"not_in_configuration,omitempty"`
}

// Outside is an object a plan leaves alone although tsctl manages it.
type Outside struct {
	Address string      `json:"address"`
	Kind    object.Kind `json:"kind"`
	Name    string      `json:"name"`
	ID      string      `json:"id"`
}

// Finish computes the summary fields.
func (p *Plan) Finish() {
	p.FormatVersion = FormatVersion
	p.Summary = Summary{}
	for _, o := range p.Objects {
		switch o.Action {
		case Create:
			p.Summary.Create++
		case Update:
			p.Summary.Update++
		case Delete:
			p.Summary.Delete++
		default:
			p.Summary.NoOp++
		}
	}
	p.Changes = p.Summary.Create+p.Summary.Update+p.Summary.Delete > 0
}
