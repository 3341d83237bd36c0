package config

import (
	"os"
	"path/filepath"
	"testing"
)

// LoadThen calls its hook once every file is read and before any is
// decoded: files changed from then on do not change what is loaded.
func TestLoadThenCallsReadOnceEveryFileIsRead(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	write := func(f, seq string) {
		t.Helper()
		doc := "sequences:\n  - name: " + seq + "\n    steps:\n      - name: Say\n        runCommandLine: { commandLine: cmd /c echo hi }\n"
		if err := os.WriteFile(f, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(a, "First")
	write(b, "Second")
	calls := 0
	cfg, ds := LoadThen([]string{a, b}, func() {
		calls++
		// Too late to change what is loaded.
		write(a, "Changed")
		if err := os.WriteFile(b, []byte("sequences: [ {"), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	if ds.HasErrors() || calls != 1 {
		t.Fatalf("calls %d, diagnostics %v", calls, ds)
	}
	if len(cfg.Sequences) != 2 || cfg.Sequences[0].Name != "First" || cfg.Sequences[1].Name != "Second" {
		t.Errorf("loaded what the files held after the hook: %v", cfg.Sequences)
	}

	// A file that is there but cannot be read (a device is refused): the
	// load fails and the hook is not called.
	dev := filepath.Join(dir, "dev.yaml")
	if err := os.Symlink(os.DevNull, dev); err != nil {
		t.Skipf("no symlink to %s here: %v", os.DevNull, err)
	}
	calls = 0
	_, ds = LoadThen([]string{a, dev}, func() { calls++ })
	if !ds.HasErrors() || calls != 0 {
		t.Errorf("unreadable file: calls %d, diagnostics %v", calls, ds)
	}
}
