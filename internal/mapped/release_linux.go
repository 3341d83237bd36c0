package mapped

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"unsafe"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// Release drops from the process's resident memory the pages of the
// store's file mapping that v, a value read in the read transaction tx,
// lies on. Dropping the pages is always safe for such a mapping: the next
// access reads them again from the page cache. A value outside the mapping
// (one a write transaction changed, which lives on the heap) is left alone.
func Release(tx *bolt.Tx, v []byte) {
	if len(v) == 0 {
		return
	}
	info := tx.DB().Info()
	start := uintptr(unsafe.Pointer(unsafe.SliceData(v)))
	end := start + uintptr(len(v))
	if start < info.Data || end > info.Data+uintptr(tx.Size()) {
		return
	}
	// Reading a page of a file mapping also maps the pages around it that
	// the page cache holds — the fault-around window, and with large
	// folios the whole folio, up to 2 MiB — so what a read leaves
	// resident reaches well past the value: drop whole 2 MiB windows.
	// Another read's pages dropped with them are read again when touched.
	from := max(start&^(window-1), info.Data)
	to := min((end+window-1)&^(window-1), info.Data+uintptr(tx.Size()))
	p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(v)), -int(start-from))
	// from is on a page (the mapping starts on one); to may end inside the
	// last page, which madvise rounds up.
	_ = unix.Madvise(unsafe.Slice((*byte)(p), to-from), unix.MADV_DONTNEED)
}

// window is the largest folio a file's page cache maps at once on
// x86-64 and arm64 with 4 KiB pages (a PMD).
const window = 2 << 20

// ResidentKiB is how much of file the process holds resident through its
// mappings (the Rss of its mappings in /proc/self/smaps), in KiB.
func ResidentKiB(file string) (int, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, err
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
	return total, sc.Err()
}
