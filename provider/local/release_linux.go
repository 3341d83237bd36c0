package local

import (
	"unsafe"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// release drops from the process's resident memory the pages of the
// store's file mapping that v, a value read in the read transaction tx,
// lies on. bbolt reads through a shared, read-only mapping of the file, so
// every page a read touches stays resident in the process — a plan that
// reads every sequence of a large site would hold the whole store (440 MB
// at 8,000 sequences of 50 steps) although it copied out what it needed
// long ago. Dropping the pages is always safe for such a mapping: the next
// access reads them again from the page cache. A value outside the mapping
// (one a write transaction changed, which lives on the heap) is left alone.
func release(tx *bolt.Tx, v []byte) {
	if len(v) < releaseFrom {
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

// releaseFrom is the smallest value worth a system call: a sequence's lazy
// properties are tens of kilobytes, an object's listing a few hundred
// bytes.
const releaseFrom = 16 << 10
