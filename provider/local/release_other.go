//go:build !linux

package local

import bolt "go.etcd.io/bbolt"

// release is a no-op where tsctl does not drop mapped pages (see
// release_linux.go).
func release(*bolt.Tx, []byte) {}
