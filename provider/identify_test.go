package provider

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLockHolderIn(t *testing.T) {
	since := time.Date(2025, 3, 1, 10, 15, 0, 0, time.UTC)
	cases := []struct {
		msg     string
		user    string
		machine string
		since   time.Time
	}{
		{`SetSequence: object is locked by CORP\jane on CM-CONSOLE-7 since 2025-03-01 10:15 UTC (0x80041001)`, `CORP\jane`, "CM-CONSOLE-7", since},
		{`the object is locked by user 'CORP\ann' on machine 'PC7'`, `CORP\ann`, "PC7", time.Time{}},
		{`Locked by CORP\bob since 20250301101500.000000+000`, `CORP\bob`, "", since},
		{`locked by CORP\eve since 2025-03-01T10:15:00Z`, `CORP\eve`, "", since},
	}
	for _, tc := range cases {
		li, ok := LockHolderIn(tc.msg)
		if !ok || li.User != tc.user || li.Machine != tc.machine || !li.Since.Equal(tc.since) || !li.Held() {
			t.Errorf("LockHolderIn(%q) = %+v, %v", tc.msg, li, ok)
		}
	}
	for _, msg := range []string{"Generic failure", "the file is locked", "unlocked"} {
		if li, ok := LockHolderIn(msg); ok {
			t.Errorf("LockHolderIn(%q) found %+v", msg, li)
		}
	}
}

type codeSite struct {
	Site
	rows []*Instance
	err  error
}

func (c codeSite) Query(_ context.Context, q Query) ([]*Instance, error) {
	if q.Class != ClassIdentification || len(q.Select) != 1 || q.Select[0] != "ThisSiteCode" {
		return nil, errors.New("unexpected query " + q.WQL())
	}
	return c.rows, c.err
}

func TestReadSiteCode(t *testing.T) {
	row := func(code string) *Instance { return &Instance{Props: map[string]any{"ThisSiteCode": code}} }
	if code, err := ReadSiteCode(context.Background(), codeSite{rows: []*Instance{row("ps1")}}); err != nil || code != "PS1" {
		t.Errorf("one row: %q %v", code, err)
	}
	for _, rows := range [][]*Instance{nil, {row("")}, {row("PS1"), row("CAS")}} {
		if _, err := ReadSiteCode(context.Background(), codeSite{rows: rows}); err == nil || !strings.Contains(err.Error(), "expected one") {
			t.Errorf("%d rows: %v", len(rows), err)
		}
	}
	denied := &Error{Kind: KindDenied, Op: "query SMS_Identification", Msg: "HTTP 403"}
	if _, err := ReadSiteCode(context.Background(), codeSite{err: denied}); !errors.Is(err, denied) {
		t.Errorf("error: %v", err)
	}
}

func TestIsUnsupported(t *testing.T) {
	for err, want := range map[error]bool{
		&Error{Kind: KindNotFound}:                                true,
		&Error{Kind: KindFailed, Code: WbemInvalidMethod}:         true,
		&Error{Kind: KindInvalid, Code: WbemMethodNotImplemented}: true,
		&Error{Kind: KindFailed, Code: WbemFailed}:                false,
		&Error{Kind: KindDenied}:                                  false,
		errors.New("plain"):                                       false,
	} {
		if got := IsUnsupported(err); got != want {
			t.Errorf("IsUnsupported(%v) = %v", err, got)
		}
	}
}
