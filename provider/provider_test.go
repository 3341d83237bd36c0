package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestPathRoundTrip(t *testing.T) {
	p := Path("SMS_Program", "PackageID", "PS100004", "ProgramName", `Run "it" \now`)
	if p != `SMS_Program.PackageID="PS100004",ProgramName="Run \"it\" \\now"` {
		t.Fatalf("Path = %s", p)
	}
	class, keys, err := ParsePath(p)
	if err != nil || class != "SMS_Program" || keys["ProgramName"] != `Run "it" \now` || keys["PackageID"] != "PS100004" {
		t.Fatalf("ParsePath = %s %v %v", class, keys, err)
	}
	for _, bad := range []string{"", "NoKeys", `C.K=unquoted`, `C.K="open`, `C.K="a"x`} {
		if _, _, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) accepted", bad)
		}
	}
}

func TestWQL(t *testing.T) {
	q := Query{Class: "SMS_Package", Select: []string{"PackageID", "Name"}, Where: map[string]string{"Name": `O'Brien\x`, "A": "1"}}
	if got := q.WQL(); got != `SELECT PackageID,Name FROM SMS_Package WHERE A='1' AND Name='O\'Brien\\x'` {
		t.Errorf("WQL = %s", got)
	}
}

func TestInstanceAccessors(t *testing.T) {
	in := New("X")
	in.Props["s"], in.Props["i"], in.Props["b"], in.Props["n"] = "7", int64(3), true, nil
	in.Props["o"] = []*Instance{New("Y")}
	if in.String("s") != "7" || in.Int("s") != 7 || in.String("i") != "3" || !in.Bool("b") || in.String("n") != "" || len(in.Objects("o")) != 1 {
		t.Error("accessors")
	}
	c := in.Clone()
	c.Objects("o")[0].Props["z"] = "1"
	if _, ok := in.Objects("o")[0].Props["z"]; ok {
		t.Error("Clone shares embedded objects")
	}
}

func FuzzParsePath(f *testing.F) {
	f.Add(`SMS_TaskSequencePackage.PackageID="PS100001"`)
	f.Add(`SMS_Program.PackageID="A",ProgramName="B \"q\""`)
	f.Fuzz(func(t *testing.T, s string) {
		class, keys, err := ParsePath(s)
		if err != nil || len(keys) != 1 {
			return
		}
		for k, v := range keys {
			c2, k2, err := ParsePath(Path(class, k, v))
			if err != nil || c2 != class || k2[k] != v {
				t.Fatalf("round trip of %q: %v %v", s, k2, err)
			}
		}
	})
}

type flaky struct {
	Site
	fails int
	calls int
	after time.Duration // Retry-After of each failure
}

func (f *flaky) Get(ctx context.Context, path string) (*Instance, error) {
	f.calls++
	if f.calls <= f.fails {
		return nil, &Error{Kind: KindTransient, Op: "Get", Msg: "connection reset", RetryAfter: f.after}
	}
	return New("X"), nil
}

func (f *flaky) Put(ctx context.Context, in *Instance) (string, error) {
	f.calls++
	return "", &Error{Kind: KindTransient, Op: "Put", Msg: "timeout"}
}

func TestRetrying(t *testing.T) {
	f := &flaky{fails: 2}
	r := NewRetrying(f)
	r.Base = time.Millisecond
	if _, err := r.Get(context.Background(), "p"); err != nil || f.calls != 3 || r.Retries() != 2 {
		t.Errorf("get: %v after %d calls, %d retries", err, f.calls, r.Retries())
	}
	f2 := &flaky{fails: 10}
	r2 := NewRetrying(f2)
	r2.Base = time.Millisecond
	if _, err := r2.Get(context.Background(), "p"); err == nil || f2.calls != 4 {
		t.Errorf("gives up after 4 tries: %v after %d", err, f2.calls)
	}
	// A create is never retried: the first attempt may have succeeded.
	f3 := &flaky{}
	r3 := NewRetrying(f3)
	if _, err := r3.Put(context.Background(), New("SMS_Package")); err == nil || f3.calls != 1 {
		t.Errorf("create retried: %d calls", f3.calls)
	}
	in := New("SMS_Package")
	in.Props["PackageID"] = "PS100001"
	r3.Base = time.Millisecond
	if _, err := r3.Put(context.Background(), in); err == nil || f3.calls != 5 {
		t.Errorf("update not retried: %d calls", f3.calls)
	}
}

// A site that says when to come back is not asked again sooner.
func TestRetryingWaitsRetryAfter(t *testing.T) {
	f := &flaky{fails: 1, after: 200 * time.Millisecond}
	r := NewRetrying(f)
	r.Base = time.Millisecond
	start := time.Now()
	if _, err := r.Get(context.Background(), "p"); err != nil || f.calls != 2 {
		t.Fatalf("get: %v after %d calls", err, f.calls)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("retried after %v, before the site's Retry-After of 200ms", d)
	}
}

func TestCounting(t *testing.T) {
	c := NewCounting(&flaky{})
	c.Get(context.Background(), "a")
	c.Get(context.Background(), "b")
	if got := c.Summary(); got != "2 calls: get 2" {
		t.Errorf("summary = %q", got)
	}
}

// blockingSite holds every Get until release is closed.
type blockingSite struct {
	Site
	entered chan struct{}
	release chan struct{}
}

func (b *blockingSite) Get(ctx context.Context, path string) (*Instance, error) {
	b.entered <- struct{}{}
	<-b.release
	return nil, nil
}

func TestLimited(t *testing.T) {
	b := &blockingSite{entered: make(chan struct{}, 2), release: make(chan struct{})}
	l := NewLimited(b, 1)
	done := make(chan struct{})
	go func() { l.Get(context.Background(), "a"); close(done) }()
	<-b.entered
	// The one slot is taken: a second call waits, and gives up with its context.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.Get(ctx, "b"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second call: %v, want it to wait for the slot and time out", err)
	}
	select {
	case <-b.entered:
		t.Fatal("two calls in flight with a limit of 1")
	default:
	}
	close(b.release)
	<-done
	if _, err := l.Get(context.Background(), "c"); err != nil {
		t.Fatal(err)
	}
}

func TestCodeIn(t *testing.T) {
	cases := []struct {
		msg  string
		code uint32
		kind ErrorKind
		ok   bool
	}{
		{"Generic failure", 0, 0, false},
		{"SetSequence: rejected (0x80041001)", WbemFailed, KindFailed, true},
		{"Exception from HRESULT: 0x800706ba", RPCUnavailable, KindTransient, true},
		{"0x80041008 and 0x80041002", WbemInvalidParameter, KindInvalid, true},
		{"unknown 0x80049999 then 0X80041003", WbemAccessDenied, KindDenied, true},
		{"a0x80041002 glued to a word", 0, 0, false},
		{"0x800410021 too long", 0, 0, false},
		{"timed out 0x80043001", WbemTimedOut, KindTransient, true},
	}
	for _, tc := range cases {
		code, kind, ok := CodeIn(tc.msg)
		if code != tc.code || kind != tc.kind || ok != tc.ok {
			t.Errorf("CodeIn(%q) = 0x%08X, %v, %v; want 0x%08X, %v, %v", tc.msg, code, kind, ok, tc.code, tc.kind, tc.ok)
		}
	}
}

func FuzzCodeIn(f *testing.F) {
	f.Add("Exception from HRESULT: 0x800706BA")
	f.Add("rejected (0x80041001) (InternalError)")
	f.Fuzz(func(t *testing.T, msg string) {
		code, kind, ok := CodeIn(msg)
		if !ok {
			if code != 0 {
				t.Fatalf("CodeIn(%q): code 0x%08X without ok", msg, code)
			}
			return
		}
		k, known := KindOfCode(code)
		if !known || k != kind {
			t.Fatalf("CodeIn(%q) = 0x%08X %v, but KindOfCode says %v %v", msg, code, kind, k, known)
		}
		if !strings.Contains(strings.ToUpper(msg), fmt.Sprintf("%08X", code)) {
			t.Fatalf("CodeIn(%q) = 0x%08X, which the message does not name", msg, code)
		}
	})
}
