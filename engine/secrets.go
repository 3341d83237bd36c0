package engine

import (
	"fmt"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/secret"
)

// CheckSecrets reports, at each secret's position, every secret the plan
// writes that could not be read: those of sequences it creates or whose
// steps it changes. Apply calls it before its first write; a caller that
// asks for approval calls it before asking.
func (p *Planned) CheckSecrets(ss *secret.Values) diag.List {
	var ds diag.List
	for _, s := range p.writtenSecrets() {
		if _, err := ss.Value(s); err != nil {
			ds.AddErr(s.Pos, err)
		}
	}
	ds.Sort()
	return ds
}

// writtenSecrets lists the secrets of the sequences the plan creates or
// whose steps it changes: the secrets apply writes.
func (p *Planned) writtenSecrets() []config.Secret {
	var out []config.Secret
	for _, o := range p.Plan.Objects {
		if e := p.entries[o.Address]; e != nil && e.writesSteps() {
			out = append(out, e.seq.Secrets()...)
		}
	}
	return out
}

// MissingSecrets warns, once per source, about the secrets this plan's
// writes need (those of sequences it creates or whose steps it changes)
// that apply would not find: an environment variable not set or empty, a
// file that is missing, not a regular file, empty or too large. Nothing is
// read: variables are looked up and files only stat'ed, so a plan made
// where secrets are not kept (a CI job that only plans) says what apply
// will need without holding any value.
func (p *Planned) MissingSecrets() diag.List {
	type use struct {
		first config.Secret
		seqs  map[string]bool
	}
	uses := map[string]*use{}
	var order []string
	for _, o := range p.Plan.Objects {
		it := p.entries[o.Address]
		if it == nil || !it.writesSteps() {
			continue
		}
		for _, s := range it.seq.Secrets() {
			if s.Empty {
				continue
			}
			k := secret.Key(s)
			u := uses[k]
			if u == nil {
				u = &use{first: s, seqs: map[string]bool{}}
				uses[k] = u
				order = append(order, k)
			}
			u.seqs[it.seq.Name] = true
		}
	}
	var ds diag.List
	for _, k := range order {
		u := uses[k]
		problem, hint := secret.Find(u.first)
		if problem == "" {
			continue
		}
		who := fmt.Sprintf("sequence %q needs it", firstKey(u.seqs))
		if n := len(u.seqs); n > 1 {
			who = fmt.Sprintf("%d sequences this plan writes need it", n)
		}
		ds = append(ds, diag.Diagnostic{Severity: diag.Warning, Pos: u.first.Pos,
			Msg:  fmt.Sprintf("secret %s %s: %s, and apply stops here before it changes anything", u.first, problem, who),
			Hint: hint})
	}
	return ds
}

func firstKey(m map[string]bool) string {
	for k := range m {
		return k
	}
	return ""
}
