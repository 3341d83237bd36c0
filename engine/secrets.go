package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/localfile"
	"github.com/tsctl/tsctl/internal/plan"
)

// MaxSecretBytes bounds a secret file. A password, PIN or product key is
// a few dozen bytes; a larger file is the wrong file.
const MaxSecretBytes = 64 << 10

// Secrets holds what every secret of a configuration resolved to: its
// value, or why it could not be read. ReadSecrets fills it before the site
// is opened, so that no local file is read while the site is held; the
// plan then decides which of them matter (CheckSecrets), and apply writes
// exactly the values read then.
type Secrets struct {
	read map[string]secretRead // by secretKey
}

type secretRead struct {
	value string
	err   error
}

// ReadSecrets reads every secret the configuration's sequences declare,
// once per source. A secret that cannot be read is recorded, not
// reported: only the secrets a plan writes must be readable.
func ReadSecrets(cfg *config.Config) *Secrets {
	ss := &Secrets{read: map[string]secretRead{}}
	for _, q := range cfg.Sequences {
		for _, s := range q.Secrets() {
			k := secretKey(s)
			if _, done := ss.read[k]; !done {
				v, err := ReadSecret(s)
				ss.read[k] = secretRead{v, err}
			}
		}
	}
	return ss
}

// value returns what s was read as.
func (ss *Secrets) value(s config.Secret) (string, error) {
	if s.Empty {
		return "", nil
	}
	r, ok := ss.read[secretKey(s)]
	if !ok {
		return "", fmt.Errorf("secret: %s was not read before the site was opened", s)
	}
	return r.value, r.err
}

// secretKey identifies a secret's source: the variable, or the file by
// the path it is read from.
func secretKey(s config.Secret) string {
	switch {
	case s.Empty:
		return "empty"
	case s.Env != "":
		return "env:" + s.Env
	}
	return "file:" + secretPath(s)
}

func secretPath(s config.Secret) string {
	if filepath.IsAbs(s.File) {
		return s.File
	}
	return filepath.Join(s.Dir, s.File)
}

// CheckSecrets reports, at each secret's position, every secret the plan
// writes that could not be read: those of sequences it creates or whose
// steps it changes. Apply calls it before its first write; a caller that
// asks for approval calls it before asking.
func (p *Planned) CheckSecrets(ss *Secrets) diag.List {
	var ds diag.List
	for _, s := range p.writtenSecrets() {
		if _, err := ss.value(s); err != nil {
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
		it := p.items[o.Address]
		if it != nil && it.seq != nil && (o.Action == plan.Create || it.stepsChanged) {
			out = append(out, it.seq.Secrets()...)
		}
	}
	return out
}

// ReadSecret reads a secret's value from its environment variable or file;
// {empty: true} is the blank value. An empty variable or file is an error
// (a blank value is declared with {empty: true}). Errors name the source,
// never the value.
func ReadSecret(s config.Secret) (string, error) {
	const blank = "if the value is really blank, write {empty: true} instead"
	switch {
	case s.Empty:
		return "", nil
	case s.Env != "":
		v, ok := os.LookupEnv(s.Env)
		if !ok {
			return "", diag.WithHint(fmt.Errorf("secret: environment variable %s is not set", s.Env), "export "+s.Env+" before running tsctl apply")
		}
		if v == "" {
			return "", diag.WithHint(fmt.Errorf("secret: environment variable %s is empty", s.Env), "set "+s.Env+" to the secret; "+blank)
		}
		return v, nil
	case s.File != "":
		p := secretPath(s)
		b, err := localfile.Read(p, MaxSecretBytes)
		if err != nil {
			var re *localfile.RefusedError
			switch {
			case errors.As(err, &re):
				return "", fmt.Errorf("secret: file %s is %s", p, re.Reason())
			case errors.Is(err, os.ErrNotExist):
				return "", fmt.Errorf("secret: file %s does not exist", p)
			}
			return "", fmt.Errorf("secret: read %s: %w", p, err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", diag.WithHint(fmt.Errorf("secret: file %s is empty", p), blank)
		}
		return v, nil
	}
	return "", errors.New("secret: no source")
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
		it := p.items[o.Address]
		if it == nil || it.seq == nil || !(o.Action == plan.Create || it.stepsChanged) {
			continue
		}
		for _, s := range it.seq.Secrets() {
			if s.Empty {
				continue
			}
			k := secretKey(s)
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
		problem, hint := findSecret(u.first)
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

// findSecret says what keeps apply from reading a secret ("" when it can),
// without reading it.
func findSecret(s config.Secret) (problem, hint string) {
	switch {
	case s.Env != "":
		v, ok := os.LookupEnv(s.Env)
		switch {
		case !ok:
			return "is not set", "export " + s.Env + " where tsctl apply runs"
		case v == "":
			return "is empty", "set " + s.Env + " to the secret; if the value is really blank, write {empty: true} instead"
		}
	case s.File != "":
		st, err := os.Stat(secretPath(s))
		switch {
		case errors.Is(err, os.ErrNotExist):
			return "does not exist", "create the file where tsctl apply runs, or fix the path (relative to the configuration file)"
		case err != nil:
			return "cannot be read: " + err.Error(), ""
		case !st.Mode().IsRegular():
			return "is not a regular file", ""
		case st.Size() == 0:
			return "is empty", "if the value is really blank, write {empty: true} instead"
		case st.Size() > MaxSecretBytes:
			return fmt.Sprintf("is larger than %d bytes", MaxSecretBytes), ""
		}
	}
	return "", ""
}

func firstKey(m map[string]bool) string {
	for k := range m {
		return k
	}
	return ""
}
