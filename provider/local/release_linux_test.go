package local

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/tsctl/tsctl/internal/mapped"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// mappedKiB is how much of file the process holds resident through its
// mappings, in KiB.
func mappedKiB(t *testing.T, file string) int {
	t.Helper()
	kib, err := mapped.ResidentKiB(file)
	if err != nil {
		t.Skip("no /proc/self/smaps:", err)
	}
	return kib
}

// TestGetReleasesMappedPages: reading every sequence of a site leaves
// only a few windows of the store resident, not every page read. Before,
// a plan of 8,000 sequences held the whole 440 MB store in its RSS.
func TestGetReleasesMappedPages(t *testing.T) {
	s := open(t, Options{})
	const n, size = 300, 48 << 10 // 14 MiB of lazy properties
	var paths []string
	err := s.db.Update(func(tx *bolt.Tx) error {
		for i := range n {
			in := provider.New(object.ClassTaskSequencePackage)
			in.Props["PackageID"] = fmt.Sprintf("PS1%05X", 0x100+i)
			in.Props["Name"] = fmt.Sprintf("Sequence %d", i)
			in.Props["Sequence"] = strings.Repeat(string(rune('a'+i%26)), size)
			p := provider.Path(object.ClassTaskSequencePackage, "PackageID", in.String("PackageID"))
			paths = append(paths, p)
			if err := s.save(tx, p, in); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	file, _ := filepath.Abs(filepath.Join(s.dir, DBFile))
	for _, p := range paths {
		in, err := s.Get(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(in.String("Sequence")) != size {
			t.Fatalf("%s: Sequence of %d bytes", p, len(in.String("Sequence")))
		}
	}
	// at most the last window read and the one after it, and the pages of
	// the objects bucket
	if kib := mappedKiB(t, file); kib > 6<<10 {
		t.Errorf("after reading %d MiB of sequences, %d KiB of the store stay resident", n*size>>20, kib)
	}
}
