//go:build unix

package main

import (
	"os"
	"syscall"
)

// maxRSS returns a finished process's peak resident memory in KiB.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss)
	}
	return 0
}
