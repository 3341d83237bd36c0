package local

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// endedPID is the ID of a process of this machine that has ended.
func endedPID(t *testing.T) int64 {
	t.Helper()
	name, args := "true", []string(nil)
	if runtime.GOOS == "windows" {
		name, args = "cmd", []string{"/c", "exit"}
	}
	cmd := exec.Command(name, args...)
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot start a process: %v", err)
	}
	return int64(cmd.ProcessState.Pid())
}

func TestOpenNamesTheServerHoldingTheSite(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// Without a lease: busy.
	var busy *BusyError
	if _, err := Open(dir, Options{Timeout: 200 * time.Millisecond}); !errors.As(err, &busy) || !strings.Contains(err.Error(), "another tsctl process is using it") {
		t.Errorf("busy site: %v", err)
	}

	// A server holding it is named at once, with its URL.
	host, _ := os.Hostname()
	if err := WriteServeRecord(dir, ServeRecord{PID: int64(os.Getpid()), Machine: host, User: `CORP\srv`, Since: time.Now(), URL: "https://127.0.0.1:1/AdminService", Token: "t"}); err != nil {
		t.Fatal(err)
	}
	var served *ServedError
	start := time.Now()
	_, err = Open(dir, Options{})
	if !errors.As(err, &served) || time.Since(start) > 5*time.Second || !strings.Contains(served.ErrorHint(), "--site https://127.0.0.1:1/AdminService") {
		t.Errorf("served site: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, ServeFile)); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("server record mode %v, want 0600 (it holds a token)", fi.Mode().Perm())
	}
	// A record whose process has ended is ignored.
	if err := WriteServeRecord(dir, ServeRecord{PID: endedPID(t), Machine: host, URL: "https://127.0.0.1:1/AdminService"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := Served(dir); ok {
		t.Errorf("record of an ended server taken as live")
	}
}

func TestReadOnlyCreatesAndWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	if _, err := Open(dir, Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only open of a missing site succeeded")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("read-only open created %s", dir)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, _ := os.ReadFile(filepath.Join(dir, DBFile))
	ro, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	// Another reader shares it.
	ro2, err := Open(dir, Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("second reader: %v", err)
	}
	ro2.Close()
	in := provider.New(object.ClassPackage)
	in.Props["Name"] = "X"
	if _, err := ro.Put(ctx, in); !provider.IsKind(err, provider.KindDenied) {
		t.Errorf("Put on a read-only site: %v", err)
	}
	if list, err := ro.Query(ctx, provider.Query{Class: object.ClassPackage}); err != nil || len(list) == 0 {
		t.Errorf("read-only query: %d, %v", len(list), err)
	}
	ro.Close()
	after, _ := os.ReadFile(filepath.Join(dir, DBFile))
	if string(before) != string(after) {
		t.Errorf("read-only use changed the store")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("site folder holds %d entries, want only the store", len(entries))
	}
}
