package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a buffer written from the counter's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCounterLines: off a terminal, progress is a line at each interval
// (a total not known yet left out), nothing once done; on a terminal, one
// line rewritten in place and cleared at the end; --quiet prints nothing.
func TestCounterLines(t *testing.T) {
	var errb syncBuffer
	c := &cli{stderr: &errb}
	k := c.startCounter(false, 20*time.Millisecond)
	k.phase("read", "sequences", -1)
	k.add()
	waitFor(t, func() bool { return strings.Contains(errb.String(), "tsctl: 1 sequences read\n") })
	k.phase("converted", "sequences", 4)
	k.add()
	k.add()
	waitFor(t, func() bool { return strings.Contains(errb.String(), "tsctl: 2 of 4 sequences converted\n") })
	k.done()
	k.done()
	out := errb.String()
	if !strings.Contains(out, "tsctl: 1 sequences read\n") || !strings.Contains(out, "tsctl: 2 of 4 sequences converted\n") || strings.Contains(out, "\r") {
		t.Errorf("lines:\n%q", out)
	}
	n := len(out)
	time.Sleep(50 * time.Millisecond)
	if len(errb.String()) != n {
		t.Errorf("progress after done: %q", errb.String()[n:])
	}

	var live syncBuffer
	c = &cli{stderr: &live}
	k = c.startCounter(true, 10*time.Millisecond)
	k.phase("converted", "sequences", 3)
	k.add()
	waitFor(t, func() bool { return strings.Contains(live.String(), "\r\033[Ktsctl: 1 of 3 sequences converted") })
	k.done()
	if out := live.String(); !strings.Contains(out, "\r\033[Ktsctl: 1 of 3 sequences converted") || !strings.HasSuffix(out, "\r\033[K") || strings.Contains(out, "\n") {
		t.Errorf("live line: %q", out)
	}

	var quiet bytes.Buffer
	c = &cli{stderr: &quiet}
	k = c.newCounter(true)
	k.phase("read", "sequences", 3)
	k.add()
	k.done()
	if quiet.Len() != 0 || k != nil {
		t.Errorf("--quiet printed %q", quiet.String())
	}
}

// waitFor waits until ok holds (the counter's interval passes on a loaded
// machine too), at most 10 s.
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
