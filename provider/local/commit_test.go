package local

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openCommitter(t *testing.T) *committer {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "c.db"), 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	return &committer{db: db}
}

// TestGroupCommit holds the first write inside its transaction while
// others queue, then checks that the queued writes share one transaction,
// that a failing write among them is rolled back alone with its own error,
// and that every other write is stored.
func TestGroupCommit(t *testing.T) {
	c := openCommitter(t)
	errBoom := errors.New("boom")
	const n = 6
	inFirst, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	txOf := map[int][]int{} // write → IDs of the transactions it ran in
	results := make([]error, n+1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		results[0] = c.update(func(tx *bolt.Tx) error {
			close(inFirst)
			<-release
			return tx.Bucket([]byte("b")).Put([]byte("k0"), []byte("v"))
		})
	}()
	<-inFirst
	// Queue the writes one at a time, so that they arrive in order 1..n
	// behind the running commit (the stats below depend on where the
	// failing write stands among them).
	for i := 1; i <= n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.update(func(tx *bolt.Tx) error {
				mu.Lock()
				txOf[i] = append(txOf[i], tx.ID())
				mu.Unlock()
				if err := tx.Bucket([]byte("b")).Put([]byte(fmt.Sprint("k", i)), []byte("v")); err != nil {
					return err
				}
				if i == 3 {
					return errBoom
				}
				return nil
			})
		}()
		if !waitQueued(t, c, i) {
			break
		}
	}
	close(release)
	wg.Wait()

	for i, err := range results {
		if want := error(nil); i == 3 {
			if !errors.Is(err, errBoom) {
				t.Errorf("write 3: %v, want boom", err)
			}
		} else if err != want {
			t.Errorf("write %d: %v", i, err)
		}
	}
	err := c.db.View(func(tx *bolt.Tx) error {
		for i := 0; i <= n; i++ {
			got := tx.Bucket([]byte("b")).Get([]byte(fmt.Sprint("k", i)))
			if (got != nil) != (i != 3) {
				t.Errorf("k%d stored: %v", i, got != nil)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The queued writes ran together: the writes queued before the failing
	// one in one transaction, those after it in the next.
	firsts := map[int]bool{}
	for i := 1; i <= n; i++ {
		firsts[txOf[i][0]] = true
	}
	if len(firsts) > 2 {
		t.Errorf("%d queued writes first ran in %d transactions, want at most 2: %v", n, len(firsts), txOf)
	}
	// Committed: the first write alone, then 1–2 and 4–6 (3 is rolled
	// back alone, as is the batch it failed).
	if st := c.stats(); st.Commits != 3 || st.Writes != n+1 || st.Longest < st.Waited/time.Duration(n+1) {
		t.Errorf("stats %+v, want 3 commits of %d writes", st, n+1)
	}
}

// waitQueued waits until n writes are queued behind the running commit,
// and reports whether they were (if not, the test has failed).
func waitQueued(t *testing.T, c *committer, n int) bool {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Microsecond) {
		c.mu.Lock()
		l := len(c.queue)
		c.mu.Unlock()
		if l == n {
			return true
		}
		if time.Now().After(deadline) {
			t.Errorf("%d of %d writes queued behind the running commit", l, n)
			return false
		}
	}
}

// TestGroupCommitConcurrent runs many writers at once: each sees its own
// result and every successful write is stored exactly once.
func TestGroupCommitConcurrent(t *testing.T) {
	c := openCommitter(t)
	const n = 200
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.update(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte("b"))
				if i%10 == 0 {
					return fmt.Errorf("write %d refused", i)
				}
				cnt := 0
				if v := b.Get([]byte("count")); v != nil {
					fmt.Sscan(string(v), &cnt)
				}
				if err := b.Put([]byte("count"), []byte(fmt.Sprint(cnt+1))); err != nil {
					return err
				}
				return b.Put([]byte(fmt.Sprint("k", i)), []byte("v"))
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i%10 == 0) {
			t.Errorf("write %d: %v", i, err)
		}
	}
	c.db.View(func(tx *bolt.Tx) error {
		if got := string(tx.Bucket([]byte("b")).Get([]byte("count"))); got != "180" {
			t.Errorf("count = %s, want 180 (each successful write once)", got)
		}
		return nil
	})
	// Every write is counted with its wait; at most one commit per write
	// that succeeded.
	st := c.stats()
	if st.Writes != n || st.Commits < 1 || st.Commits > n-n/10 || st.Waited <= 0 || st.Longest <= 0 || st.Longest > st.Waited {
		t.Errorf("stats %+v after %d writes", st, n)
	}
	if s := st.String(); !strings.HasPrefix(s, fmt.Sprintf("%d commits of %d writes; a write waited ", st.Commits, n)) {
		t.Errorf("stats read %q", s)
	}
}

// TestGroupCommitPanic: a write that panics fails alone; the others and
// later writes still commit.
func TestGroupCommitPanic(t *testing.T) {
	c := openCommitter(t)
	err := c.update(func(tx *bolt.Tx) error { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "internal error in a write: boom") {
		t.Fatalf("panicking write: %v", err)
	}
	if err := c.update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("b")).Put([]byte("k"), []byte("v")) }); err != nil {
		t.Fatalf("write after a panic: %v", err)
	}
}
