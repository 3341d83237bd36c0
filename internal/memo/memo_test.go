package memo

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestStoreKeepsAcrossRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache", "tsctl")
	a := Open(dir, []byte("build A"))
	if a.Get([]byte("k")) != nil {
		t.Fatal("empty memo answers")
	}
	a.Put([]byte("k"), []byte("v1"))
	if got := a.Get([]byte("k")); string(got) != "v1" {
		t.Fatalf("same run: %q", got)
	}
	if n, err := a.Close(); n != 1 || err != nil {
		t.Fatalf("close: %d %v", n, err)
	}
	fi, err := os.Stat(filepath.Join(dir, File))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("memo file: %v %v", fi, err)
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Errorf("memo folder mode %v", di.Mode().Perm())
	}
	b := Open(dir, []byte("build A"))
	if got := b.Get([]byte("k")); string(got) != "v1" {
		t.Fatalf("next run: %q", got)
	}
	if n, _ := b.Close(); n != 0 {
		t.Errorf("a run that learnt nothing wrote %d entries", n)
	}
	// another build sees nothing of it
	c := Open(dir, []byte("build B"))
	if got := c.Get([]byte("k")); got != nil {
		t.Fatalf("another build reads %q", got)
	}
	c.Close()
}

// TestStoreShared: runs read the memo at once; one that finishes while
// another writes it loses what it learnt, and says nothing.
func TestStoreShared(t *testing.T) {
	dir := t.TempDir()
	w := Open(dir, nil)
	w.Put([]byte("k"), []byte("v"))
	w.Close()
	r1, r2 := Open(dir, nil), Open(dir, nil)
	if string(r1.Get([]byte("k"))) != "v" || string(r2.Get([]byte("k"))) != "v" {
		t.Fatal("concurrent readers")
	}
	// a writer holding the file
	if db, err := bolt.Open(filepath.Join(dir, File), 0o600, &bolt.Options{Timeout: time.Second}); err == nil {
		db.Close()
		t.Fatal("a writer opened the memo while runs read it")
	}
	r1.Close()
	r2.Close()
	db, err := bolt.Open(filepath.Join(dir, File), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	busy := Open(dir, nil)
	if busy.Get([]byte("k")) != nil {
		t.Error("read while another process writes")
	}
	busy.Put([]byte("k2"), []byte("v2"))
	if n, err := busy.Close(); n != 0 || err != nil {
		t.Errorf("close while another writes: %d %v", n, err)
	}
	db.Close()
}

func TestStoreReplacesADamagedFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, File), bytes.Repeat([]byte("x"), 10000), 0o600); err != nil {
		t.Fatal(err)
	}
	s := Open(dir, nil)
	s.Put([]byte("k"), []byte("v"))
	if n, err := s.Close(); n != 1 || err != nil {
		t.Fatalf("close over a damaged memo: %d %v", n, err)
	}
	if got := Open(dir, nil).Get([]byte("k")); string(got) != "v" {
		t.Errorf("after replacing: %q", got)
	}
}

func TestTrimDropsTheOldest(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, File), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket(bucket)
		for i := range 100 {
			rec := []byte{0, 0, 0, 0, 0, 0, 0, byte(i), 'v'}
			if err := b.Put([]byte(fmt.Sprintf("k%03d", i)), rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = db.Update(func(tx *bolt.Tx) error { return trim(tx.Bucket(bucket), 40) })
	}
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if n := b.Stats().KeyN; n != 30 {
			t.Errorf("%d entries left, want 30", n)
		}
		if b.Get([]byte("k069")) != nil || b.Get([]byte("k070")) == nil {
			t.Error("did not keep the newest")
		}
		return nil
	})
}

func TestIdentity(t *testing.T) {
	a, err := Identity()
	if err != nil || len(a) != 32 {
		t.Fatalf("%x %v", a, err)
	}
	if b, _ := Identity(); !bytes.Equal(a, b) {
		t.Error("identity changes within a run")
	}
}
