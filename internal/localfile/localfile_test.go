package localfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 511, 512, 513, 4096} {
		p := filepath.Join(dir, "f")
		want := bytes.Repeat([]byte("x"), n)
		if err := os.WriteFile(p, want, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := Read(p, 4096)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%d bytes: got %d bytes, %v", n, len(got), err)
		}
	}
}

func TestReadTooLarge(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, make([]byte, 1025), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Read(p, 1024)
	var re *RefusedError
	if !errors.As(err, &re) || !re.TooLarge() || err.Error() != p+": larger than 1 KiB" {
		t.Fatalf("got %v", err)
	}
}

// A file whose size says nothing (Linux /proc files report 0) is still
// read no further than the limit.
func TestReadSizeUnknown(t *testing.T) {
	const p = "/proc/self/status"
	if fi, err := os.Stat(p); err != nil || fi.Size() != 0 {
		t.Skip("no /proc file reporting size 0 on this system")
	}
	_, err := Read(p, 16)
	var re *RefusedError
	if !errors.As(err, &re) || !re.TooLarge() {
		t.Fatalf("got %v", err)
	}
	if b, err := Read(p, 1<<20); err != nil || len(b) == 0 {
		t.Fatalf("got %d bytes, %v", len(b), err)
	}
}

func TestReadRefusesFolder(t *testing.T) {
	dir := t.TempDir()
	_, err := Read(dir, 1024)
	var re *RefusedError
	if !errors.As(err, &re) || re.What != "a folder" || err.Error() != dir+": not a regular file (a folder)" {
		t.Fatalf("got %v", err)
	}
}

func TestReadRefusesDevice(t *testing.T) {
	p := os.DevNull
	if _, err := os.Stat("/dev/zero"); err == nil {
		p = "/dev/zero"
	}
	_, err := Read(p, 1024)
	var re *RefusedError
	if !errors.As(err, &re) || re.TooLarge() {
		t.Fatalf("%s: got %v", p, err)
	}
}

func TestReadMissing(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), "none"), 1024)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v", err)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{64 << 10: "64 KiB", 64 << 20: "64 MiB", 256 << 20: "256 MiB", 1000: "1000 bytes", 1536: "1536 bytes"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
