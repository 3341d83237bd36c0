package memo

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/tsctl/tsctl/internal/mapped"
)

// Env names the folder the memo is kept in ("off": none).
const Env = "TSCTL_CACHE"

// File is the memo's file inside its folder.
const File = "plan-memo.db"

// MaxEntries bounds the memo: past it, a flush drops the entries written
// longest ago (an entry is about a kilobyte).
const MaxEntries = 200_000

var bucket = []byte("memo/1")

// releaseFrom is the size of a memo past which a look-up drops the pages
// of the file it mapped (mapped.Release): the look-ups of a large plan
// land all over a memo that holds entries of other configurations and
// earlier versions (up to MaxEntries), and without it the pages mapped
// around each one stayed resident — 35 MB more at 8,000 sequences.
const releaseFrom = 16 << 20

// Dir is the folder the memo is kept in: $TSCTL_CACHE, else tsctl in the
// user's cache folder; "" when $TSCTL_CACHE is "off" or there is no cache
// folder.
func Dir() string {
	switch v := os.Getenv(Env); v {
	case "off":
		return ""
	case "":
		d, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(d, "tsctl")
	default:
		return v
	}
}

// Store is a memo opened for one run: what earlier runs recorded is read
// from the file, shared with other processes reading it; what this run
// records is kept in memory and written by Close, if no other process is
// writing the file then. Safe for concurrent use.
type Store struct {
	path      string
	namespace []byte
	db        *bolt.DB // nil when the file could not be read
	mu        sync.Mutex
	added     map[string][]byte
}

// Open opens the memo in dir for a program whose identity is namespace
// (see Identity): entries another build recorded are never seen. A memo
// that cannot be read (none yet, or held by a process writing it) is
// empty for this run.
func Open(dir string, namespace []byte) *Store {
	s := &Store{path: filepath.Join(dir, File), namespace: namespace, added: map[string][]byte{}}
	if !regularOrNone(s.path) {
		s.path = "" // never opened: a FIFO would block the open
		return s
	}
	if db, err := bolt.Open(s.path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 100 * time.Millisecond}); err == nil {
		s.db = db
	}
	return s
}

// regularOrNone reports whether path is a regular file or nothing.
func regularOrNone(path string) bool {
	fi, err := os.Lstat(path)
	return errors.Is(err, os.ErrNotExist) || err == nil && fi.Mode().IsRegular()
}

func (s *Store) key(k []byte) []byte {
	h := sha256.New()
	h.Write(s.namespace)
	h.Write(k)
	return h.Sum(nil)
}

// Get returns what was recorded for key, nil when nothing was.
func (s *Store) Get(key []byte) []byte {
	k := s.key(key)
	s.mu.Lock()
	v, ok := s.added[string(k)]
	s.mu.Unlock()
	if ok || s.db == nil {
		return v
	}
	_ = s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucket); b != nil {
			if rec := b.Get(k); len(rec) > 8 {
				v = append([]byte(nil), rec[8:]...)
				if tx.Size() > releaseFrom {
					mapped.Release(tx, rec)
				}
			}
		}
		return nil
	})
	return v
}

// Put records value for key; Close writes it.
func (s *Store) Put(key, value []byte) {
	k := s.key(key)
	s.mu.Lock()
	s.added[string(k)] = append([]byte(nil), value...)
	s.mu.Unlock()
}

// Close writes what this run recorded, unless another process holds the
// memo, and closes it. It returns how many entries were written.
func (s *Store) Close() (int, error) {
	if s.db != nil {
		s.db.Close()
		s.db = nil
	}
	s.mu.Lock()
	added := s.added
	s.added = map[string][]byte{}
	s.mu.Unlock()
	if len(added) == 0 {
		return 0, nil
	}
	if s.path == "" || !regularOrNone(s.path) {
		return 0, fmt.Errorf("write the plan memo: %s is not a regular file", filepath.Join(filepath.Dir(s.path), File))
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return 0, fmt.Errorf("write the plan memo: %w", err)
	}
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: 100 * time.Millisecond})
	if err != nil && !errors.Is(err, berrors.ErrTimeout) {
		// not a memo, or a damaged one: it only ever holds what a run can
		// learn again
		if rmErr := os.Remove(s.path); rmErr == nil {
			db, err = bolt.Open(s.path, 0o600, &bolt.Options{Timeout: 100 * time.Millisecond})
		}
	}
	if errors.Is(err, berrors.ErrTimeout) {
		return 0, nil // another run is writing it: what this one learnt is learnt again
	}
	if err != nil {
		return 0, fmt.Errorf("write the plan memo %s: %w", s.path, err)
	}
	defer db.Close()
	now := uint64(time.Now().Unix())
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		for k, v := range added {
			rec := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(v)), now)
			if err := b.Put([]byte(k), append(rec, v...)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		// counted once committed (a write transaction's statistics leave out
		// what it has not written yet)
		err = db.Update(func(tx *bolt.Tx) error { return trim(tx.Bucket(bucket), MaxEntries) })
	}
	if err != nil {
		return 0, fmt.Errorf("write the plan memo %s: %w", s.path, err)
	}
	return len(added), nil
}

// trim drops the entries written longest ago until at most max are left.
func trim(b *bolt.Bucket, max int) error {
	n := b.Stats().KeyN
	if n <= max {
		return nil
	}
	type aged struct {
		key  []byte
		when uint64
	}
	var all []aged
	if err := b.ForEach(func(k, v []byte) error {
		var when uint64
		if len(v) >= 8 {
			when = binary.BigEndian.Uint64(v)
		}
		all = append(all, aged{append([]byte(nil), k...), when})
		return nil
	}); err != nil {
		return err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].when < all[j].when })
	// down to three quarters, so that a full memo is not trimmed on every run
	for _, a := range all[:len(all)-max*3/4] {
		if err := b.Delete(a.key); err != nil {
			return err
		}
	}
	return nil
}

// Identity identifies the running program for the memo: two builds of
// tsctl share entries only when they are the same program. A release (a
// module version with its checksum) or a build from a clean checkout (a
// VCS revision, unmodified) is identified by its build information — the
// source, the Go version and the build settings; any other build by the
// SHA-256 of its executable.
func Identity() ([]byte, error) {
	if bi, ok := debug.ReadBuildInfo(); ok && identifiedBySource(bi) {
		h := sha256.Sum256([]byte("buildinfo\x00" + bi.String()))
		return h[:], nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("identify the tsctl executable: %w", err)
	}
	f, err := os.Open(exe)
	if err != nil {
		return nil, fmt.Errorf("identify the tsctl executable: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	h.Write([]byte("executable\x00"))
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("identify the tsctl executable: %w", err)
	}
	return h.Sum(nil), nil
}

func identifiedBySource(bi *debug.BuildInfo) bool {
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" && bi.Main.Sum != "" {
		return true
	}
	rev, modified := "", ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	return rev != "" && modified == "false"
}
