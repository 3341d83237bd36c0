//go:build unix

package local

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process with this ID runs on this machine.
func processAlive(pid int64) bool {
	if pid <= 0 || int64(int(pid)) != pid {
		return false
	}
	err := syscall.Kill(int(pid), 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
