package plan

import (
	"fmt"

	"github.com/tsctl/tsctl/internal/object"
)

// FormatVersion is the version of the JSON plan document: the major part
// changes when a consumer-visible field changes meaning or disappears, the
// minor part when fields are added. 1.1 added objects[].steps (the step
// tree of a sequence created or deleted), the fields of a deleted package
// (changes with before values) and not_in_configuration. 1.2 added the
// kinds deployment and folder, the action replace (with
// summary.replace and changes[].forces_replacement), objects[].content
// (content to distribute) and objects[].notes.
const FormatVersion = "1.2"

// Action is what a plan does to one object.
type Action int

const (
	NoOp Action = iota
	Create
	Update
	Delete
	// Replace deletes an object and creates it again: what it changes
	// cannot change in place (a deployment's collection or sequence).
	Replace
)

func (a Action) String() string {
	return [...]string{"no-op", "create", "update", "delete", "replace"}[a]
}

// Symbol is the marker used in human output.
func (a Action) Symbol() string {
	return [...]string{" ", "+", "~", "-", "-/+"}[a]
}

// MarshalText renders the action as its name.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses an action name.
func (a *Action) UnmarshalText(b []byte) error {
	for x := NoOp; x <= Replace; x++ {
		if x.String() == string(b) {
			*a = x
			return nil
		}
	}
	return fmt.Errorf("unknown action %q", b)
}

// FieldContent is the field of a change that sends a package's content
// to the distribution points that hold it again (--redistribute); its
// Before names the source version the content was at when planned.
const FieldContent = "content"

// Change is one field that differs.
type Change struct {
	Field     string `json:"field"`
	Before    string `json:"before,omitempty"`
	After     string `json:"after,omitempty"`
	HasBefore bool   `json:"has_before"`
	HasAfter  bool   `json:"has_after"`
	Sensitive bool   `json:"sensitive,omitempty"`
	// ForcesReplacement says the field cannot change in place: the object
	// is replaced (action replace).
	ForcesReplacement bool `json:"forces_replacement,omitempty"`
}

// Content is one object's content that the plan distributes to a
// distribution point group or a distribution point, because it is not
// there.
type Content struct {
	Kind       object.Kind `json:"kind"`         // the content's kind: package, osImage, bootImage…
	Name       string      `json:"name"`         // the content's name
	ID         string      `json:"id,omitempty"` // its PackageID; empty until apply creates it
	TargetKind object.Kind `json:"target_kind"`  // distributionPointGroup or distributionPoint
	Target     string      `json:"target"`       // the group's or the server's name
}

// StepChange is an added, removed or changed step of a sequence.
type StepChange struct {
	Path    string   `json:"path"`
	Action  Action   `json:"action"`
	Type    string   `json:"type,omitempty"` // step class; "group" for groups
	Changes []Change `json:"changes,omitempty"`
}

// Object is the planned action for one object: a package, a sequence, a
// deployment or a folder.
type Object struct {
	Address string       `json:"address"` // kind.name, unique in a plan
	Kind    object.Kind  `json:"kind"`
	Name    string       `json:"name"`
	ID      string       `json:"id,omitempty"` // its key when the object exists: PackageID, AdvertisementID, ContainerNodeID
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
	// Content is the content the plan distributes for the object: a
	// package's own, a sequence's references and boot image.
	Content []Content `json:"content,omitempty"`
	// Notes say what a reviewer should know that the plan does not
	// change: content a changed source leaves out of date on distribution
	// points, a high-risk deployment accepted.
	Notes []string `json:"notes,omitempty"`
}

// Summary counts the actions of a plan.
type Summary struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Delete  int `json:"delete"`
	Replace int `json:"replace,omitempty"` // optional
	NoOp    int `json:"no_op"`
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
		case Replace:
			p.Summary.Replace++
		default:
			p.Summary.NoOp++
		}
	}
	p.Changes = p.Summary.Create+p.Summary.Update+p.Summary.Delete+p.Summary.Replace > 0
}
