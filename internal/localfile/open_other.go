//go:build !unix

package localfile

import "os"

// open opens path for reading after checking that it is a regular file,
// so that a named pipe or a device is never opened (Read checks again on
// the open file).
func open(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if what := notRegular(fi.Mode()); what != "" {
		return nil, &RefusedError{Path: path, What: what}
	}
	return os.Open(path)
}
