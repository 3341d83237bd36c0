package memo

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/mapped"
)

// TestGetReleasesMappedPages: the look-ups of a large plan in a memo that
// holds many other entries leave only a few windows of its file resident,
// not every page mapped around each look-up (about the whole file before).
func TestGetReleasesMappedPages(t *testing.T) {
	dir := t.TempDir()
	const n = 24_000 // 1 KiB each: a file past releaseFrom
	w := Open(dir, []byte("build A"))
	value := []byte(strings.Repeat("v", 1<<10))
	for i := range n {
		w.Put([]byte(fmt.Sprint("key ", i)), value)
	}
	if got, err := w.Close(); got != n || err != nil {
		t.Fatalf("wrote %d entries: %v", got, err)
	}
	r := Open(dir, []byte("build A"))
	defer r.Close()
	for i := 0; i < n; i += 3 {
		if got := r.Get([]byte(fmt.Sprint("key ", i))); len(got) != len(value) {
			t.Fatalf("key %d: %d bytes", i, len(got))
		}
	}
	file, _ := filepath.Abs(filepath.Join(dir, File))
	kib, err := mapped.ResidentKiB(file)
	if err != nil {
		t.Skip("no /proc/self/smaps:", err)
	}
	if kib > 8<<10 {
		t.Errorf("after %d look-ups in a memo of %d entries, %d KiB of it stay resident", n/3, n, kib)
	}
}
