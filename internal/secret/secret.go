package secret

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/localfile"
)

// MaxBytes bounds a secret file. A password, PIN or product key is
// a few dozen bytes; a larger file is the wrong file.
const MaxBytes = 64 << 10

// Values holds what every secret of a configuration resolved to: its
// value, or why it could not be read. ReadAll fills it before the site is
// opened, so that no local file is read while the site is held; the plan
// then decides which of them matter (engine's CheckSecrets), and apply
// writes exactly the values read then.
type Values struct {
	read map[string]secretRead // by Key
}

type secretRead struct {
	value string
	err   error
}

// ReadAll reads every secret the configuration's sequences declare, once
// per source. A secret that cannot be read is recorded, not reported: only
// the secrets a plan writes must be readable.
func ReadAll(cfg *config.Config) *Values {
	ss := &Values{read: map[string]secretRead{}}
	for _, q := range cfg.Sequences {
		for _, s := range q.Secrets() {
			k := Key(s)
			if _, done := ss.read[k]; !done {
				v, err := Read(s)
				ss.read[k] = secretRead{v, err}
			}
		}
	}
	return ss
}

// Value returns what s was read as.
func (ss *Values) Value(s config.Secret) (string, error) {
	if s.Empty {
		return "", nil
	}
	r, ok := ss.read[Key(s)]
	if !ok {
		return "", fmt.Errorf("secret: %s was not read before the site was opened", s)
	}
	return r.value, r.err
}

// Key identifies a secret's source: the variable, or the file by the path
// it is read from.
func Key(s config.Secret) string {
	switch {
	case s.Empty:
		return "empty"
	case s.Env != "":
		return "env:" + s.Env
	}
	return "file:" + path(s)
}

func path(s config.Secret) string {
	if filepath.IsAbs(s.File) {
		return s.File
	}
	return filepath.Join(s.Dir, s.File)
}

// Read reads a secret's value from its environment variable or file;
// {empty: true} is the blank value. An empty variable or file is an error
// (a blank value is declared with {empty: true}). Errors name the source,
// never the value.
func Read(s config.Secret) (string, error) {
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
		p := path(s)
		b, err := localfile.Read(p, MaxBytes)
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

// Find says what keeps apply from reading a secret ("" when it can),
// without reading it.
func Find(s config.Secret) (problem, hint string) {
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
		st, err := os.Stat(path(s))
		switch {
		case errors.Is(err, os.ErrNotExist):
			return "does not exist", "create the file where tsctl apply runs, or fix the path (relative to the configuration file)"
		case err != nil:
			return "cannot be read: " + err.Error(), ""
		case !st.Mode().IsRegular():
			return "is not a regular file", ""
		case st.Size() == 0:
			return "is empty", "if the value is really blank, write {empty: true} instead"
		case st.Size() > MaxBytes:
			return fmt.Sprintf("is larger than %d bytes", MaxBytes), ""
		}
	}
	return "", ""
}
