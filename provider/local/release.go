package local

import (
	bolt "go.etcd.io/bbolt"

	"github.com/tsctl/tsctl/internal/mapped"
)

// release drops from the process's resident memory the pages of the
// store's file mapping that v, a value read in the read transaction tx,
// lies on (mapped.Release): a plan that reads every sequence of a large
// site would otherwise hold the whole store (440 MB at 8,000 sequences of
// 50 steps) although it copied out what it needed long ago.
func release(tx *bolt.Tx, v []byte) {
	if len(v) >= releaseFrom {
		mapped.Release(tx, v)
	}
}

// releaseFrom is the smallest value worth a system call: a sequence's lazy
// properties are tens of kilobytes, an object's listing a few hundred
// bytes.
const releaseFrom = 16 << 10
