package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An apply to a local site that does not exist plans against an empty
// stand-in and creates the site only once the plan is approved; another
// process creating the site in between makes it refuse.
func TestApplyToANewSiteRefusesWhenAnotherCreatedIt(t *testing.T) {
	tmp := t.TempDir()
	site := filepath.Join(tmp, "site")
	mine := writePrefetchConfig(t, tmp, "mine.yaml", "hi")
	theirs := writePrefetchConfig(t, tmp, "theirs.yaml", "bye")
	var out, errb bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, planApproved: func() {
		if code, o, e := runTsctl("apply", "-f", theirs, "--site", "local:"+site, "--auto-approve"); code != 0 {
			t.Errorf("the other apply: exit %d\n%s\n%s", code, o, e)
		}
	}}
	if code := c.main([]string{"apply", "-f", mine, "--site", "local:" + site, "--auto-approve"}); code != exitError {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitError, out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), "was created by another process while this apply planned against a new one") {
		t.Errorf("stderr:\n%s", errb.String())
	}
	// The other apply's sequence is there, unchanged: plan its file.
	if code, o, e := runTsctl("plan", "-f", theirs, "--site", "local:"+site, "--detailed-exitcode"); code != 0 {
		t.Errorf("the site changed after the refusal: exit %d\n%s\n%s", code, o, e)
	}
}

func TestApplyToANewSiteCreatesItOnlyOnceApproved(t *testing.T) {
	tmp := t.TempDir()
	site := filepath.Join(tmp, "site")
	cfg := writePrefetchConfig(t, tmp, "a.yaml", "hi")
	approved := 0
	var out, errb bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, planApproved: func() {
		approved++
		if _, err := os.Stat(site); !os.IsNotExist(err) {
			t.Errorf("the site exists before the plan is approved: %v", err)
		}
	}}
	if code := c.main([]string{"apply", "-f", cfg, "--site", "local:" + site, "--auto-approve", "--stats"}); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if approved != 1 || !strings.Contains(out.String(), "Apply complete: 1 created") {
		t.Errorf("approved %d times; stdout:\n%s", approved, out.String())
	}
	// The stand-in and the new site were each read once.
	if n := identifications(t, errb.String()); n != "2" {
		t.Errorf("identified %s sites, want 2 (the stand-in, then the new site)\n%s", n, errb.String())
	}
	if code, o, e := runTsctl("plan", "-f", cfg, "--site", "local:"+site, "--detailed-exitcode"); code != 0 {
		t.Errorf("plan after apply: exit %d\n%s\n%s", code, o, e)
	}
}
