package planfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"time"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/localfile"
	"github.com/tsctl/tsctl/internal/plan"
)

// Kind identifies a tsctl plan file.
const Kind = "tsctl-plan"

// FormatVersion is the version of the plan file layout. 2.0 added site:
// the site's absolute identity, which apply holds the plan to.
const FormatVersion = "2.0"

// formatV1 is the layout before site: its plan's target is the site URL
// as it was given, possibly a folder relative to where tsctl ran.
const formatV1 = "1.0"

// Options are the planning options a saved plan was made with.
type Options struct {
	Prune          bool     `json:"prune,omitempty"`
	Targets        []string `json:"targets,omitempty"`
	ReplaceSecrets bool     `json:"replace_secrets,omitempty"`
	// AllowEmptyPrune: --prune with a configuration that declares nothing.
	AllowEmptyPrune bool `json:"allow_empty_prune,omitempty"`
	// Redistribute: the packages --redistribute named.
	Redistribute []string `json:"redistribute,omitempty"`
}

// Configuration identifies the configuration a plan was made from.
type Configuration struct {
	Files  []string `json:"files"`  // absolute paths, in load order
	SHA256 string   `json:"sha256"` // over every file's path and content
}

// File is a saved plan.
type File struct {
	Kind          string        `json:"kind"`
	FormatVersion string        `json:"format_version"`
	Created       time.Time     `json:"created"`
	Configuration Configuration `json:"configuration"`
	Site          Site          `json:"site"`
	Options       Options       `json:"options"`
	Plan          *plan.Plan    `json:"plan"`
}

// HashFiles hashes configuration files by path and content.
func HashFiles(files []string) (Configuration, error) {
	h := sha256.New()
	var abs []string
	for _, f := range files {
		a, err := filepath.Abs(f)
		if err != nil {
			return Configuration{}, err
		}
		b, err := localfile.Read(a, config.MaxFileBytes)
		if err != nil {
			return Configuration{}, err
		}
		abs = append(abs, a)
		fmt.Fprintf(h, "%s\x00%d\x00", a, len(b))
		h.Write(b)
	}
	return Configuration{Files: abs, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Write saves f atomically: a reader sees the old file or the whole new one.
func Write(path string, f *File) error {
	f.Kind, f.FormatVersion = Kind, FormatVersion
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tsctl-plan-*")
	if err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write plan: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write plan: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// ErrNotPlan marks a file that is not a tsctl plan file.
var ErrNotPlan = errors.New("not a tsctl plan file")

// MaxBytes bounds a plan file.
const MaxBytes = 256 << 20

// Read loads a saved plan.
func Read(path string) (*File, error) {
	b, err := localfile.Read(path, MaxBytes)
	if err != nil {
		return nil, err
	}
	return Parse(path, b)
}

// Parse reads a saved plan from its bytes; name is the file's, for errors.
func Parse(name string, b []byte) (*File, error) {
	var f File
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil || f.Kind != Kind {
		return nil, fmt.Errorf("%s: %w", name, ErrNotPlan)
	}
	switch f.FormatVersion {
	case FormatVersion:
		if err := f.Site.check(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	case formatV1:
		f.Site = v1Site(f.Plan)
	default:
		return nil, fmt.Errorf("%s: plan file format %s; this tsctl reads %s and %s", name, f.FormatVersion, FormatVersion, formatV1)
	}
	if f.Plan == nil || slices.Contains(f.Plan.Objects, nil) {
		return nil, fmt.Errorf("%s: %w", name, ErrNotPlan)
	}
	return &f, nil
}

// StaleError says why a saved plan no longer applies.
type StaleError struct{ Reason string }

func (e *StaleError) Error() string { return "stale plan: " + e.Reason + "; run tsctl plan again" }

// Check compares a saved plan with a plan made now from the same
// configuration: every object must have the version it had, objects that
// were absent must still be absent, and the actions must be the same.
func Check(saved, now *plan.Plan) error {
	if saved.Site != now.Site {
		return &StaleError{fmt.Sprintf("the plan is for site %s, this is site %s", saved.Site, now.Site)}
	}
	byAddr := map[string]*plan.Object{}
	for _, o := range now.Objects {
		byAddr[o.Address] = o
	}
	for _, o := range saved.Objects {
		n := byAddr[o.Address]
		what := fmt.Sprintf("%s %q", o.Kind, o.Name)
		switch {
		case n == nil:
			return &StaleError{what + " is no longer planned"}
		case o.ID == "" && n.ID != "":
			return &StaleError{fmt.Sprintf("%s was created on the site (%s) since the plan was made", what, n.ID)}
		case o.ID != "" && n.ID == "":
			return &StaleError{what + " was deleted from the site since the plan was made"}
		case o.Version != n.Version:
			return &StaleError{what + " changed on the site since the plan was made"}
		}
		if !reflect.DeepEqual(normal(o, saved.FormatVersion), normal(n, saved.FormatVersion)) {
			return &StaleError{what + " would now be planned differently"}
		}
		delete(byAddr, o.Address)
	}
	for _, n := range now.Objects {
		if _, extra := byAddr[n.Address]; extra && n.Action != plan.NoOp {
			return &StaleError{fmt.Sprintf("%s %q now needs a change the plan does not hold", n.Kind, n.Name)}
		}
	}
	return nil
}

// AlreadyApplied reports whether a plan made now, from the same
// configuration with the same options, finds every object of the saved
// plan at its planned state: nothing is left to do. With --replace-secrets
// a plan always pushes secrets again; an object whose only change is that
// push counts as done when it was saved after the plan was made (it was
// created, or its version changed).
func AlreadyApplied(saved *File, now *plan.Plan) bool {
	if saved.Plan.Site != now.Site {
		return false
	}
	was := map[string]*plan.Object{}
	for _, o := range saved.Plan.Objects {
		was[o.Address] = o
	}
	for _, n := range now.Objects {
		if n.Action == plan.NoOp {
			continue
		}
		if o := was[n.Address]; saved.Options.ReplaceSecrets && o != nil && onlySecrets(n) && (o.ID == "" || o.Version != n.Version) {
			continue
		}
		if o := was[n.Address]; o != nil && onlyRedistributed(o, n) {
			continue
		}
		return false
	}
	return true
}

// onlyRedistributed reports whether the only change planned now for an
// object is sending its content again (--redistribute) and the content
// was sent since the saved plan was made: its source version (the
// change's Before) moved.
func onlyRedistributed(saved, now *plan.Object) bool {
	if now.Action != plan.Update || len(now.Steps) > 0 || len(now.Changes) != 1 || now.Changes[0].Field != plan.FieldContent {
		return false
	}
	for _, c := range saved.Changes {
		if c.Field == plan.FieldContent {
			return c.Before != now.Changes[0].Before
		}
	}
	return false
}

// onlySecrets reports whether the only change planned for o is pushing
// its secrets again.
func onlySecrets(o *plan.Object) bool {
	if o.Action != plan.Update || len(o.Steps) > 0 || len(o.Changes) == 0 {
		return false
	}
	for _, c := range o.Changes {
		if c.Field != "secrets" {
			return false
		}
	}
	return true
}

// normal strips nothing but makes nil and empty slices compare equal.
// normal is what of o a saved plan of plan format version is compared on:
// plans before 1.1 held no step tree and no fields of a deletion.
func normal(o *plan.Object, version string) plan.Object {
	c := *o
	if version == "1.0" || version == "" {
		c.Tree = nil
		if c.Action == plan.Delete {
			c.Changes = nil
		}
	}
	if len(c.Changes) == 0 {
		c.Changes = nil
	}
	if len(c.Steps) == 0 {
		c.Steps = nil
	}
	if len(c.Tree) == 0 {
		c.Tree = nil
	}
	if len(c.DependsOn) == 0 {
		c.DependsOn = nil
	}
	if len(c.Content) == 0 {
		c.Content = nil
	}
	if len(c.Notes) == 0 {
		c.Notes = nil
	}
	return c
}
