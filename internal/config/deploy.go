package config

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tsctl/tsctl/internal/diag"
)

// timeLayouts are how a deployment's times are written: a date and a
// time of day, without a zone (timeZone: says how clients read it).
var timeLayouts = []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"}

// ParseTime reads a deployment time as written; the result carries the
// wall clock in UTC's fields, whatever timeZone says.
func ParseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time such as 2026-03-02 08:00", s)
}

// requiredOnly are the deployment settings that mean something for a
// required deployment only.
var requiredOnly = []string{"deadline", "asSoonAsPossible", "softwareCenter", "maintenanceWindows", "wakeOnLAN"}

// checkDeployments holds the deployments to the rules the schema cannot
// express: unique names, settings that fit the purpose, an assignment for
// a required deployment, times in order, and sequences that are not
// declared absent.
func (c *Config) checkDeployments(seqs map[string]*Sequence, ds *diag.List) {
	seen := map[string]*Deployment{}
	for _, d := range c.Deployments {
		checkLintIgnores(d.Lint, ds)
		key := strings.ToLower(d.Name)
		if prev := seen[key]; prev != nil {
			hint := "names are unique: rename one of them"
			if _, named := d.Keys["name"]; !named {
				hint = "a deployment is named after its sequence unless it says name:; give each deployment of the sequence a name of its own"
			}
			ds.AddHint(d.Pos, hint, "deployment %q is declared twice (first at %s)", d.Name, prev.Pos)
			continue
		}
		seen[key] = d
		if d.Absent {
			var extra []string
			for k := range d.Keys {
				if k != "name" && k != "sequence" && k != "collection" && k != "absent" {
					extra = append(extra, k)
				}
			}
			if len(extra) > 0 {
				sort.Strings(extra)
				ds.Add(d.Pos, "deployment %q is absent: it takes no settings (%s)", d.Name, strings.Join(extra, ", "))
			}
			continue
		}
		if s := seqs[strings.ToLower(d.Sequence)]; s != nil && s.Absent {
			ds.AddHint(d.SeqPos, "remove the deployment, or drop absent: true from the sequence", "sequence %q is declared absent", d.Sequence)
		}
		if !d.Required() {
			for _, k := range requiredOnly {
				if p, ok := d.Keys[k]; ok {
					ds.AddHint(p, "remove it, or make the deployment purpose: required", "%s: only a required deployment has it; this one is available", k)
				}
			}
			if d.HighRiskAccepted {
				ds.AddHint(d.HighRiskPos, "remove it: only a required deployment is verified as high risk", "highRisk: this deployment is available")
			}
		} else if d.Deadline == "" && !d.AsSoonAsPossible {
			ds.AddHint(d.Pos, "add deadline: 2026-03-16 20:00, or asSoonAsPossible: true", "required deployment %q has no assignment: it would never run", d.Name)
		}
		times := map[string]time.Time{}
		for _, t := range []struct {
			key, value string
			at         diag.Pos
		}{{"available", d.Available, d.AvailablePos}, {"expires", d.Expires, d.ExpiresPos}, {"deadline", d.Deadline, d.DeadlinePos}} {
			if t.value == "" {
				continue
			}
			v, err := ParseTime(t.value)
			if err != nil {
				ds.AddHint(t.at, "write a date and a time of day: 2026-03-02 08:00 (timeZone: says how clients read it)", "%s: %v", t.key, err)
				continue
			}
			times[t.key] = v
		}
		if a, ok := times["available"]; ok {
			if e, ok := times["expires"]; ok && !e.After(a) {
				ds.Add(d.ExpiresPos, "expires: %s is not after available: %s", d.Expires, d.Available)
			}
			if dl, ok := times["deadline"]; ok && dl.Before(a) {
				ds.Add(d.DeadlinePos, "deadline: %s is before available: %s", d.Deadline, d.Available)
			}
		}
		if e, ok := times["expires"]; ok {
			if dl, ok := times["deadline"]; ok && !dl.Before(e) {
				ds.Add(d.DeadlinePos, "deadline: %s is not before expires: %s", d.Deadline, d.Expires)
			}
		}
	}
}

// checkDistribution holds what a package or sequence declares of its
// content's distribution points to what the schema cannot say: no group
// or distribution point named twice.
func checkDistribution(what string, d *Distribution, at diag.Pos, ds *diag.List) {
	if d == nil {
		return
	}
	for _, list := range []struct {
		kind  string
		names []string
	}{{"distribution point group", d.Groups}, {"distribution point", d.Points}} {
		seen := map[string]bool{}
		for _, n := range list.names {
			if seen[strings.ToLower(n)] {
				ds.Add(at, "%s: %s %q is named twice", what, list.kind, n)
			}
			seen[strings.ToLower(n)] = true
		}
	}
}

// Ignores reports whether the deployment ignores a lint code.
func (d *Deployment) Ignores(code string) bool { return ignoreSet(nil, d.Lint)[code] }
