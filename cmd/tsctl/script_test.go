package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tsctl/tsctl/internal/krbtest"
	"github.com/tsctl/tsctl/internal/workload"
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
// HTTPS to the script's local site served by "tsctl site serve".
// Lines marked [!https] hold for the embedded site only (its own notes and
// URL); scripts that inject faults into the site process skip themselves.
func TestScriptsHTTPS(t *testing.T) { runScripts(t, true) }

func runScripts(t *testing.T, https bool) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
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
			e.Setenv("FIXTURES", filepath.Join(root, "internal", "exportfile", "testdata"))
			e.Setenv("CORPUS", filepath.Join(root, "..", "shared", "corpus"))
			e.Setenv("TSCTL_USER", `CORP\tsctl-ci`)
			e.Setenv("NO_COLOR", "1")
			// A plan memo of the script's own, used by every plan after the
			// first that compares a sequence.
			e.Setenv("TSCTL_CACHE", filepath.Join(e.WorkDir, ".cache", "tsctl"))
			// No Kerberos tickets of whoever runs the tests.
			e.Setenv("KRB5CCNAME", filepath.Join(e.WorkDir, ".no-krb5cc"))
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
			"gencert":       cmdGenCert,
			"sitefaults":    cmdSiteFaults,
			"krbrealm":      cmdKrbRealm,
			"genconfig":     cmdGenConfig,
			"maxlines":      cmdMaxLines,
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

// gencert [-expired] CERT KEY writes a loopback server certificate (the
// leaf, then the CA that issued it: the file is also what clients trust)
// and its key (PEM); with -expired, one whose validity ended yesterday.
func cmdGenCert(ts *testscript.TestScript, neg bool, args []string) {
	expired := len(args) > 0 && args[0] == "-expired"
	if expired {
		args = args[1:]
	}
	if len(args) != 2 {
		ts.Fatalf("usage: gencert [-expired] CERT KEY")
	}
	from, to := time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	if expired {
		from, to = time.Now().Add(-30*24*time.Hour), time.Now().Add(-24*time.Hour)
	}
	sc, err := newServeCert(serveNames("127.0.0.1"), from, to)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), sc.leafPEM, 0o644))
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), sc.leafKeyPEM, 0o600))
}

// served is the "tsctl site serve" process a script's tsctl reaches in
// the HTTPS run.
type served struct {
	bin, dir string
	vars     []string // the script's environment at setup
	stop     func()
}

// serveOverTLS starts "tsctl site serve" on a free loopback port for the
// script's default local site, with a freshly generated certificate, and
// points the script's tsctl at it. The server stops when the script ends.
func serveOverTLS(e *testscript.Env) error {
	bin, err := lookPath("tsctl", e.Getenv("PATH"))
	if err != nil {
		return err
	}
	sv := &served{bin: bin, dir: e.WorkDir, vars: append([]string(nil), e.Vars...)}
	e.Values[servedKey{}] = sv
	e.Defer(func() {
		if sv.stop != nil {
			sv.stop()
		}
	})
	url, err := sv.start("")
	if err != nil {
		return err
	}
	e.Setenv("TSCTL_SITE", url)
	e.Setenv("TSCTL_CA_FILE", sv.caFile())
	return nil
}

type servedKey struct{}

// caFile is where the server writes its generated certificate.
func (sv *served) caFile() string { return filepath.Join(sv.dir, ".tsctl-ca.pem") }

// start (re)starts the server with the faults spec injected into its site
// and returns its URL.
func (sv *served) start(faults string) (string, error) {
	if sv.stop != nil {
		sv.stop()
		sv.stop = nil
	}
	ca := sv.caFile()
	urlFile := filepath.Join(sv.dir, ".tsctl-url")
	os.Remove(urlFile)
	var log bytes.Buffer
	cmd := exec.Command(sv.bin, "site", "serve", "--listen", "127.0.0.1:0", "--cert-out", ca, "--url-out", urlFile)
	cmd.Dir = sv.dir
	cmd.Env = append(append([]string(nil), sv.vars...), "TSCTL_LOCAL_FAULTS="+faults)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start tsctl site serve: %w", err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(exited) }()
	sv.stop = func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(urlFile); err == nil && len(b) > 0 {
			return string(b), nil
		}
		select {
		case <-exited:
			sv.stop = nil
			return "", fmt.Errorf("tsctl site serve exited: %v\n%s", waitErr, log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			sv.stop()
			sv.stop = nil
			return "", fmt.Errorf("tsctl site serve did not start in 20s\n%s", log.String())
		}
	}
}

// krbrealm DIR SPN writes a test realm's files into DIR (see krbtest):
// service.keytab for SPN, the user's tickets in krb5cc, and krb5.conf.
func cmdKrbRealm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: krbrealm DIR SPN")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	_, err := krbtest.Write(dir, args[1])
	ts.Check(err)
}

// sitefaults [SPEC] injects faults (see TSCTL_LOCAL_FAULTS) into the
// script's site from now on; without SPEC it removes them. Against the
// embedded site it sets TSCTL_LOCAL_FAULTS for the commands that follow;
// in the HTTPS run it restarts the served site with the faults inside it.
func cmdSiteFaults(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) > 1 {
		ts.Fatalf("usage: sitefaults [SPEC]")
	}
	spec := strings.Join(args, "")
	sv, _ := ts.Value(servedKey{}).(*served)
	if sv == nil {
		ts.Setenv("TSCTL_LOCAL_FAULTS", spec)
		return
	}
	url, err := sv.start(spec)
	ts.Check(err)
	ts.Setenv("TSCTL_SITE", url)
}

// lookPath finds name in the directories of path (the script's PATH, which
// holds the test binary under the name tsctl).
func lookPath(name, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if runtime.GOOS == "windows" {
			p += ".exe"
		}
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not on the script's PATH", name)
}

// genconfig SEQUENCES STEPS FILE writes the generated configuration
// tsctl-gen writes (internal/workload) to FILE.
func cmdGenConfig(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: genconfig SEQUENCES STEPS FILE")
	}
	var spec workload.Spec
	_, err := fmt.Sscan(args[0], &spec.Sequences)
	ts.Check(err)
	_, err = fmt.Sscan(args[1], &spec.Steps)
	ts.Check(err)
	var b bytes.Buffer
	ts.Check(workload.Write(&b, spec))
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), b.Bytes(), 0o644))
}

// maxlines stdout|stderr N asserts that the last command printed at most N
// lines there: that it fits on a screen.
func cmdMaxLines(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || (args[0] != "stdout" && args[0] != "stderr") {
		ts.Fatalf("usage: maxlines stdout|stderr N")
	}
	var max int
	_, err := fmt.Sscan(args[1], &max)
	ts.Check(err)
	text := ts.ReadFile(args[0])
	n := strings.Count(text, "\n")
	if (n > max) != neg {
		ts.Fatalf("%s has %d lines, want at most %d", args[0], n, max)
	}
}
