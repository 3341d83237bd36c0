package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tsctl/tsctl/provider"
)

// writeFileAtomic replaces path with data, so that readers see the old or
// the new content, never a part.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil && !errors.Is(err, os.ErrPermission) {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// errReadOnly is the answer to a write on a site opened read-only.
func errReadOnly(op string) error {
	return &provider.Error{Kind: provider.KindDenied, Op: op, Msg: "the site is open read-only", Code: provider.WbemAccessDenied}
}

// ServeFile, in the site's folder, says which "tsctl site serve" holds the
// site's store, and how other tsctl commands reach it. It holds the token
// of the server's owner route: it is written readable by its owner only.
const ServeFile = "served-by.json"

// ServeRecord describes a "tsctl site serve" holding a site.
type ServeRecord struct {
	PID     int64     `json:"pid"`
	Machine string    `json:"machine"`
	User    string    `json:"user"`
	Since   time.Time `json:"since"`
	URL     string    `json:"url"`      // https://127.0.0.1:PORT/AdminService
	CertPEM string    `json:"cert_pem"` // the certificate clients trust (--ca-file), when generated
	Token   string    `json:"token"`    // bearer token of the owner route
}

func (r ServeRecord) String() string {
	return fmt.Sprintf("tsctl site serve (pid %d, %s on %s, since %s) at %s", r.PID, r.User, r.Machine, r.Since.UTC().Format("2006-01-02 15:04:05 UTC"), r.URL)
}

// WriteServeRecord records that this process serves the site in dir.
func WriteServeRecord(dir string, r ServeRecord) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, ServeFile), b, 0o600)
}

// RemoveServeRecord removes the record WriteServeRecord wrote.
func RemoveServeRecord(dir string) { os.Remove(filepath.Join(dir, ServeFile)) }

// Served returns the "tsctl site serve" that holds the site in dir; ok is
// false when none does (no record, or its process has ended).
func Served(dir string) (ServeRecord, bool) {
	b, err := os.ReadFile(filepath.Join(dir, ServeFile))
	if err != nil {
		return ServeRecord{}, false
	}
	var r ServeRecord
	if json.Unmarshal(b, &r) != nil || r.URL == "" {
		return ServeRecord{}, false
	}
	if host, _ := os.Hostname(); r.Machine == host && !processAlive(r.PID) {
		return ServeRecord{}, false
	}
	return r, true
}

// ServedError says the site is held by a "tsctl site serve".
type ServedError struct {
	Dir   string
	Serve ServeRecord
}

func (e *ServedError) Error() string {
	return fmt.Sprintf("the site in %s is held by %s", e.Dir, e.Serve)
}

// ErrorHint implements diag's hint interface.
func (e *ServedError) ErrorHint() string {
	return "use --site " + e.Serve.URL + " (with --ca-file, the certificate the server wrote with --cert-out), or stop the server"
}

// BusyError says another process holds the site's store.
type BusyError struct {
	Dir    string
	Waited time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("open local site %s: another tsctl process is using it (waited %s)", e.Dir, e.Waited.Round(time.Second))
}

// ErrorHint implements diag's hint interface.
func (e *BusyError) ErrorHint() string {
	return "run the command again once the other one has finished"
}
