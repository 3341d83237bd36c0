package localfile

import (
	"fmt"
	"io"
	"io/fs"
)

// RefusedError says why a file was not read: it is not a regular file, or
// it is larger than the limit.
type RefusedError struct {
	Path  string
	What  string // what the file is instead, e.g. "a named pipe"; "" when too large
	Limit int64  // the limit it exceeds; 0 when not a regular file
}

// Reason says what is wrong without naming the file.
func (e *RefusedError) Reason() string {
	if e.What != "" {
		return "not a regular file (" + e.What + ")"
	}
	return "larger than " + Size(e.Limit)
}

func (e *RefusedError) Error() string { return e.Path + ": " + e.Reason() }

// TooLarge reports whether the file was refused for its size.
func (e *RefusedError) TooLarge() bool { return e.What == "" }

// Read returns the content of the regular file at path, refusing anything
// else and anything over limit bytes with a *RefusedError. Opening never
// blocks (a FIFO with no writer is refused, not waited for), and at most
// limit+1 bytes are read whatever the file claims its size is.
func Read(path string, limit int64) ([]byte, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if what := notRegular(fi.Mode()); what != "" {
		return nil, &RefusedError{Path: path, What: what}
	}
	if fi.Size() > limit {
		return nil, &RefusedError{Path: path, Limit: limit}
	}
	// One allocation of the right size (ReadAll would grow and copy); the
	// byte past the size read says whether the file has grown meanwhile.
	size := int64(512)
	if fi.Size() > 0 {
		size = fi.Size() + 1
	}
	data := make([]byte, 0, size)
	r := io.LimitReader(f, limit+1)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(data)) > limit {
		return nil, &RefusedError{Path: path, Limit: limit}
	}
	return data, nil
}

// notRegular names what a file of mode m is when it is not a regular file.
func notRegular(m fs.FileMode) string {
	switch t := m.Type(); {
	case t == 0:
		return ""
	case t&fs.ModeDir != 0:
		return "a folder"
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeCharDevice != 0:
		return "a character device"
	case t&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// Size writes a byte count the way tsctl states its limits: 64 KiB, 64 MiB.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
