package local

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// mappedKiB is how much of file the process holds resident through its
// mappings (smaps Rss), in KiB.
func mappedKiB(t *testing.T, file string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip("no /proc/self/smaps:", err)
	}
	defer f.Close()
	in, total := false, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && len(fields[1]) == 4 && strings.Contains(fields[0], "-"): // a mapping's header
			in = len(fields) >= 6 && fields[5] == file
		case in && fields[0] == "Rss:":
			n, _ := strconv.Atoi(fields[1])
			total += n
		}
	}
	return total
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
