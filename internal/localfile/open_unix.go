//go:build unix

package localfile

import (
	"os"
	"syscall"
)

// open opens path for reading without blocking: O_NONBLOCK makes opening a
// FIFO that has no writer return at once (Read then refuses it after
// fstat); it changes nothing for regular files.
func open(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
