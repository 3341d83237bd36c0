package secret

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
)

// A secret file is read only when it is a regular file of at most
// MaxBytes; an empty one, and an empty variable, are refused with
// {empty: true} as the way to say blank.
func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, size int) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Repeat("s", size)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("max", MaxBytes-1) // with its newline, exactly the limit
	write("over", MaxBytes)
	write("blank", 0)
	t.Setenv("TSCTL_TEST_BLANK", "")
	t.Setenv("TSCTL_TEST_SET", "v")
	for _, tc := range []struct {
		s       config.Secret
		value   string
		err     string
		hasHint bool
	}{
		{s: config.Secret{File: "max", Dir: dir}, value: strings.Repeat("s", MaxBytes-1)},
		{s: config.Secret{File: "over", Dir: dir}, err: "secret: file " + filepath.Join(dir, "over") + " is larger than 64 KiB"},
		{s: config.Secret{File: "blank", Dir: dir}, err: "secret: file " + filepath.Join(dir, "blank") + " is empty", hasHint: true},
		{s: config.Secret{File: ".", Dir: dir}, err: "secret: file " + dir + " is not a regular file (a folder)"},
		{s: config.Secret{File: "none", Dir: dir}, err: "secret: file " + filepath.Join(dir, "none") + " does not exist"},
		{s: config.Secret{Env: "TSCTL_TEST_SET"}, value: "v"},
		{s: config.Secret{Env: "TSCTL_TEST_BLANK"}, err: "secret: environment variable TSCTL_TEST_BLANK is empty", hasHint: true},
		{s: config.Secret{Env: "TSCTL_TEST_UNSET_42"}, err: "secret: environment variable TSCTL_TEST_UNSET_42 is not set", hasHint: true},
		{s: config.Secret{Empty: true}, value: ""},
	} {
		v, err := Read(tc.s)
		switch {
		case tc.err == "" && (err != nil || v != tc.value):
			t.Errorf("%s: got %d bytes, %v", tc.s, len(v), err)
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%s: got %v, want %s", tc.s, err, tc.err)
		case tc.err != "" && strings.Contains(tc.err, "empty") && !strings.Contains(diag.HintOf(err), "{empty: true}"):
			t.Errorf("%s: hint %q does not name {empty: true}", tc.s, diag.HintOf(err))
		}
	}
}

// Find tells what keeps apply from a secret without reading it.
func TestFindSecret(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ok.txt"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TSCTL_TEST_SET", "value")
	t.Setenv("TSCTL_TEST_EMPTY", "")
	cases := []struct {
		s    config.Secret
		want string
	}{
		{config.Secret{Env: "TSCTL_TEST_SET"}, ""},
		{config.Secret{Env: "TSCTL_TEST_EMPTY"}, "is empty"},
		{config.Secret{Env: "TSCTL_TEST_NEVER_SET_7f3a"}, "is not set"},
		{config.Secret{File: "ok.txt", Dir: dir}, ""},
		{config.Secret{File: "empty.txt", Dir: dir}, "is empty"},
		{config.Secret{File: "nope.txt", Dir: dir}, "does not exist"},
		{config.Secret{File: ".", Dir: dir}, "is not a regular file"},
	}
	for _, tc := range cases {
		if got, _ := Find(tc.s); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.s, got, tc.want)
		}
	}
}
