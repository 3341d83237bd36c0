package wmi

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tsctl/tsctl/provider"
)

func TestParseURL(t *testing.T) {
	good := map[string]Target{
		"wmi://cm01.contoso.com/PS1": {Server: "cm01.contoso.com", SiteCode: "PS1"},
		"wmi://cm01/ps1":             {Server: "cm01", SiteCode: "PS1"},
		"wmi://cm01":                 {Server: "cm01"},
		"wmi:///PS1":                 {SiteCode: "PS1"},
		"wmi://./PS1":                {SiteCode: "PS1"},
		"wmi://localhost/PS1":        {SiteCode: "PS1"},
		"wmi://10.0.0.5/PS1":         {Server: "10.0.0.5", SiteCode: "PS1"},
		"wmi://[fd00::5]/PS1":        {Server: "fd00::5", SiteCode: "PS1"},
	}
	for in, want := range good {
		got, err := ParseURL(in)
		if err != nil || got != want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"https://cm01/PS1", "wmi://cm01/PS12", "wmi://cm01/P$1", "wmi://u:p@cm01/PS1", "wmi://cm01:135/PS1", "wmi://cm01/PS1?x=1", `wmi://"/PS1`, "wmi://cm'01/PS1", "wmi://-cm01/PS1"} {
		if _, err := ParseURL(in); err == nil {
			t.Errorf("ParseURL(%q) accepted", in)
		}
	}
	if Namespace("PS1") != `root\SMS\site_PS1` {
		t.Error(Namespace("PS1"))
	}
}

func TestMapError(t *testing.T) {
	cases := []struct {
		hr   uint32
		ext  *ExtendedStatus
		kind provider.ErrorKind
		msg  string
	}{
		{0x80041002, nil, provider.KindNotFound, "Not found (HRESULT 0x80041002)"},
		{0x80041003, nil, provider.KindDenied, "security role"},
		{0x80070005, nil, provider.KindDenied, "HRESULT 0x80070005"},
		{0x800706BA, nil, provider.KindTransient, "HRESULT 0x800706BA"},
		{0x80041008, nil, provider.KindInvalid, "HRESULT 0x80041008"},
		{0x80041001, &ExtendedStatus{Description: "Sequence exceeds the maximum size", ErrorCode: 1078462229}, provider.KindFailed, "SMS_ExtendedStatus 1078462229: Sequence exceeds the maximum size"},
	}
	for _, tc := range cases {
		err := MapError("SetSequence", tc.hr, "Not found", tc.ext)
		var pe *provider.Error
		if !errors.As(err, &pe) || pe.Kind != tc.kind || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("MapError(0x%08X) = %v (kind %v); want kind %v with %q", tc.hr, err, pe.Kind, tc.kind, tc.msg)
		}
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want any }{
		{int32(-3), int64(-3)}, {uint32(4000000000), int64(4000000000)}, {uint8(7), int64(7)}, {int16(2), int64(2)},
		{"x", "x"}, {true, true}, {nil, nil},
	}
	for _, tc := range cases {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%#v) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
	if got := Normalize([]any{"a", "b"}).([]string); len(got) != 2 || got[1] != "b" {
		t.Errorf("strings: %v", got)
	}
	if got := Normalize([]any{int32(1), uint8(2)}).([]int64); len(got) != 2 || got[1] != 2 {
		t.Errorf("ints: %v", got)
	}
}

func TestWorker(t *testing.T) {
	var set, torn atomic.Bool
	w, err := StartWorker(func() error { set.Store(true); return nil }, func() { torn.Store(true) })
	if err != nil || !set.Load() {
		t.Fatal(err)
	}
	// Calls run one at a time.
	var running, overlap atomic.Int32
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			errs <- w.Do(context.Background(), func() error {
				if running.Add(1) > 1 {
					overlap.Add(1)
				}
				time.Sleep(time.Millisecond)
				running.Add(-1)
				return nil
			})
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if overlap.Load() != 0 {
		t.Error("calls overlapped")
	}
	// Errors and panics come back as errors.
	if err := w.Do(context.Background(), func() error { return errors.New("boom") }); err == nil || err.Error() != "boom" {
		t.Errorf("error: %v", err)
	}
	if err := w.Do(context.Background(), func() error { panic("couldn't initialize") }); err == nil || !strings.Contains(err.Error(), "couldn't initialize") {
		t.Errorf("panic: %v", err)
	}
	// A cancelled call that has not started returns at once.
	block := make(chan struct{})
	go w.Do(context.Background(), func() error { <-block; return nil })
	time.Sleep(5 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Do(ctx, func() error { t.Error("ran after cancel"); return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	close(block)
	w.Stop()
	w.Stop()
	if !torn.Load() {
		t.Error("teardown did not run")
	}
	if err := w.Do(context.Background(), func() error { return nil }); !errors.Is(err, ErrStopped) {
		t.Errorf("after stop: %v", err)
	}
	if _, err := StartWorker(func() error { return errors.New("no COM") }, nil); err == nil {
		t.Error("setup failure ignored")
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"wmi://cm01/PS1", "wmi://cm01.corp.example", "wmi:///PS1", "wmi://./ps1", "wmi://cm01:135/PS1", "wmi://u@cm01/PS1", "wmi://cm01/PS1?x=1", `wmi://"/PS1`, "wmi://cm'01/PS1", "wmi://-cm01/PS1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tg, err := ParseURL(raw)
		if err != nil {
			return
		}
		if tg.SiteCode != "" && (!validCode(tg.SiteCode) || tg.SiteCode != strings.ToUpper(tg.SiteCode)) {
			t.Fatalf("%q: site code %q", raw, tg.SiteCode)
		}
		// The server becomes part of \\SERVER\root\SMS\site_CODE.
		if strings.ContainsAny(tg.Server, `\/"' `) {
			t.Fatalf("%q: server %q would change the namespace path", raw, tg.Server)
		}
	})
}
