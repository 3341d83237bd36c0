package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/adminservice"
	"github.com/tsctl/tsctl/provider/local"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"tsctl": func() { os.Exit(Main()) },
	})
}

// TestScripts runs testdata/script/*.txtar end to end against local sites.
// Set UPDATE_GOLDEN=1 to rewrite the expected output sections.
func TestScripts(t *testing.T) { runScripts(t, false) }

// TestScriptsHTTPS runs the same scripts with every site call going over
// HTTPS to the script's local site served by the AdminService handler.
// Lines marked [!https] hold for the embedded site only (its own notes and
// URL); scripts that inject faults into the site process skip themselves.
func TestScriptsHTTPS(t *testing.T) { runScripts(t, true) }

func runScripts(t *testing.T, https bool) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join(root, "testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("UPDATE_GOLDEN") != "",
		Condition: func(cond string) (bool, error) {
			if cond == "https" {
				return https, nil
			}
			if cond == "corpus" {
				_, err := os.Stat(filepath.Join(root, "..", "shared", "corpus"))
				return err == nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(e *testscript.Env) error {
			e.Setenv("EXAMPLES", filepath.Join(root, "examples"))
			e.Setenv("FIXTURES", filepath.Join(root, "provider", "export", "testdata"))
			e.Setenv("CORPUS", filepath.Join(root, "..", "shared", "corpus"))
			e.Setenv("TSCTL_USER", `CORP\tsctl-ci`)
			e.Setenv("NO_COLOR", "1")
			if https {
				return serveOverTLS(e)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"synced":        cmdSynced,
			"sitehash":      cmdSiteHash,
			"siteunchanged": cmdSiteUnchanged,
			"sleep":         cmdSleep,
			"envfromfile":   cmdEnvFromFile,
		},
	})
}

// synced [-f path]... asserts that a plan against the default site is empty
// (with ! it asserts there are changes).
func cmdSynced(ts *testscript.TestScript, neg bool, args []string) {
	err := ts.Exec("tsctl", append([]string{"plan", "--detailed-exitcode"}, args...)...)
	switch {
	case !neg && err != nil:
		ts.Fatalf("plan is not empty: %v\n%s", err, ts.ReadFile("stdout"))
	case neg && err == nil:
		ts.Fatalf("plan is empty, expected changes")
	}
}

// siteFile is the default local site's store in the script's work folder.
func siteFile(ts *testscript.TestScript) string {
	return ts.MkAbs(".tsctl/site/site.db")
}

func hashFile(ts *testscript.TestScript, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		if os.IsNotExist(err) {
			return "absent"
		}
		ts.Fatalf("%v", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// sitehash records the hash of the local site's store; siteunchanged then
// asserts the store is byte-identical.
func cmdSiteHash(ts *testscript.TestScript, neg bool, args []string) {
	ts.Setenv("SITE_HASH", hashFile(ts, siteFile(ts)))
}

func cmdSiteUnchanged(ts *testscript.TestScript, neg bool, args []string) {
	now := hashFile(ts, siteFile(ts))
	same := now == ts.Getenv("SITE_HASH")
	if same == neg {
		ts.Fatalf("site store changed: %v (was %s, now %s)", !same, ts.Getenv("SITE_HASH"), now)
	}
}

// sleep DURATION pauses the script (for signals sent to background commands).
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

// envfromfile NAME FILE waits (up to 20 s) for FILE to exist and sets the
// environment variable NAME to its content: a background command's output.
func cmdEnvFromFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: envfromfile NAME FILE")
	}
	p := ts.MkAbs(args[1])
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
			ts.Setenv(args[0], string(b))
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear", args[1])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serveOverTLS serves the script's default local site over HTTPS for the
// script's lifetime and points tsctl at it.
func serveOverTLS(e *testscript.Env) error {
	dir := filepath.Join(e.WorkDir, ".tsctl", "site")
	open := func() (provider.Site, error) {
		return local.Open(dir, local.Options{Timeout: time.Minute})
	}
	srv := httptest.NewTLSServer(adminservice.Handler(open))
	e.Defer(srv.Close)
	ca := filepath.Join(e.WorkDir, ".tsctl-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o644); err != nil {
		return err
	}
	e.Setenv("TSCTL_SITE", srv.URL+"/AdminService")
	e.Setenv("TSCTL_CA_FILE", ca)
	return nil
}
