package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tsctl/tsctl/provider/local"
)

// An apply reads a local site while the configuration is decoded, by a
// prefetch that lets the store go before the command reads another file;
// it uses what was read only when no write was committed in between.

const prefetchConfig = `site: PS1
sequences:
  - name: Seq A
    steps:
      - name: Say
        runCommandLine: { commandLine: cmd /c echo %s }
`

// runWithHook runs tsctl in process with a hook called once the local
// prefetch has let the store go.
func runWithHook(hook func(), args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, localPrefetched: hook}
	code := c.main(args)
	return code, out.String(), errb.String()
}

func writePrefetchConfig(t *testing.T, dir, name, word string) string {
	t.Helper()
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, []byte(strings.Replace(prefetchConfig, "%s", word, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// initSite makes an empty local site in a new folder and returns both.
func initSite(t *testing.T) (tmp, site string) {
	t.Helper()
	tmp = t.TempDir()
	site = filepath.Join(tmp, "site")
	if code, _, errs := runTsctl("site", "init", "--site", "local:"+site); code != 0 {
		t.Fatalf("site init: %s", errs)
	}
	return tmp, site
}

// identifications counts the connect-time queries --stats reports.
func identifications(t *testing.T, stderr string) string {
	t.Helper()
	for _, l := range strings.Split(stderr, "\n") {
		if _, calls, ok := strings.Cut(l, "calls: "); ok {
			for _, part := range strings.Split(calls, ", ") {
				if n, ok := strings.CutPrefix(part, "query SMS_Identification "); ok {
					return strings.Fields(n)[0]
				}
			}
		}
	}
	t.Fatalf("no SMS_Identification count in:\n%s", stderr)
	return ""
}

func TestLocalPrefetchLetsTheSiteGoBeforeOtherFilesAreRead(t *testing.T) {
	tmp, site := initSite(t)
	cfg := writePrefetchConfig(t, tmp, "a.yaml", "hi")
	for _, cmd := range [][]string{
		{"apply", "-f", cfg, "--site", "local:" + site, "--auto-approve", "--stats"},
		{"apply", "-f", cfg, "--site", "local:" + site, "--auto-approve", "--stats"}, // no changes
	} {
		called := 0
		hook := func() {
			called++
			// Nothing holds the store: another process could open it for
			// writing at once.
			s, err := local.Open(site, local.Options{Timeout: time.Millisecond})
			if err != nil {
				t.Errorf("%s: the store is still held after the prefetch: %v", cmd[0], err)
				return
			}
			s.Close()
		}
		code, out, errs := runWithHook(hook, cmd...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", cmd[0], code, out, errs)
		}
		if called != 1 {
			t.Errorf("%s: the prefetch ran %d times, want 1", cmd[0], called)
		}
		// Unchanged since the prefetch: its reads are the plan's, the site
		// is identified once.
		if n := identifications(t, errs); n != "1" {
			t.Errorf("%s: identified the site %s times, want 1 (the prefetch's reads unused?)\n%s", cmd[0], n, errs)
		}
	}
}

func TestLocalPrefetchReadsAgainWhenTheSiteChanged(t *testing.T) {
	tmp, site := initSite(t)
	mine := writePrefetchConfig(t, tmp, "mine.yaml", "hi")
	theirs := writePrefetchConfig(t, tmp, "theirs.yaml", "bye")
	// Between the prefetch and the apply's own open, another administrator
	// creates the sequence the configuration declares.
	hook := func() {
		if code, out, errs := runTsctl("apply", "-f", theirs, "--site", "local:"+site, "--auto-approve"); code != 0 {
			t.Errorf("the other apply: exit %d\n%s\n%s", code, out, errs)
		}
	}
	code, out, errs := runWithHook(hook, "apply", "-f", mine, "--site", "local:"+site, "--auto-approve", "--stats")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errs)
	}
	// What the prefetch read (no Seq A) is stale: the apply reads the site
	// again and updates the sequence the other apply created instead of
	// creating a second one.
	if !strings.Contains(out, "Plan: 0 to create, 1 to update, 0 to delete.") {
		t.Errorf("apply planned from what the prefetch read:\n%s", out)
	}
	if n := identifications(t, errs); n != "2" {
		t.Errorf("identified the site %s times, want 2 (read again after the change)\n%s", n, errs)
	}
	code, out, errs = runTsctl("plan", "-f", mine, "--site", "local:"+site, "--detailed-exitcode")
	if code != 0 {
		t.Errorf("plan after apply: exit %d\n%s\n%s", code, out, errs)
	}
	_, shown, _ := runTsctl("site", "show", "--site", "local:"+site)
	if n := strings.Count(shown, "Seq A"); n != 1 {
		t.Errorf("the site holds %d sequences named Seq A, want 1:\n%s", n, shown)
	}
}

// With no --site and no $TSCTL_SITE, apply uses the embedded site in
// .tsctl/site, and reads it early too.
func TestLocalPrefetchOfTheDefaultSite(t *testing.T) {
	tmp := t.TempDir()
	t.Chdir(tmp)
	t.Setenv(SiteEnv, "")
	cfg := writePrefetchConfig(t, tmp, "a.yaml", "hi")
	if code, _, errs := runTsctl("apply", "-f", cfg, "--auto-approve"); code != 0 {
		t.Fatalf("first apply: %s", errs)
	}
	called := 0
	code, out, errs := runWithHook(func() { called++ }, "apply", "-f", cfg, "--auto-approve", "--stats")
	if code != 0 || called != 1 {
		t.Fatalf("exit %d, prefetched %d times\n%s\n%s", code, called, out, errs)
	}
	if n := identifications(t, errs); n != "1" || !strings.Contains(errs, "using the embedded local site in .tsctl/site") {
		t.Errorf("identified %s times, want 1\n%s", n, errs)
	}
}
