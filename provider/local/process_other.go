//go:build !unix && !windows

package local

// processAlive cannot tell on this system: a process is taken to run until
// its lease expires.
func processAlive(pid int64) bool { return pid > 0 }
