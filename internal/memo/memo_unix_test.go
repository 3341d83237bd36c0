//go:build unix

package memo

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestStoreRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, File), 0o600); err != nil {
		t.Skip(err)
	}
	done := make(chan struct{})
	go func() {
		s := Open(dir, nil)
		s.Put([]byte("k"), []byte("v"))
		if _, err := s.Close(); err == nil {
			t.Error("wrote into a FIFO")
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("opening a FIFO as the memo blocked")
	}
}
