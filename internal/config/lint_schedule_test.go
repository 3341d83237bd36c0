package config

import (
	"strings"
	"testing"
	"time"
)

// A required deployment whose deadline, or whose available time when it
// runs as soon as possible, has passed is linted (TS012): a time in UTC
// once it is before now, a local time once it has passed in every time
// zone (UTC-12). Available deployments, times to come and ignored codes
// are not.
func TestLintPastSchedule(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, dep string
		want      []string // positions line:col of the warnings
	}{
		{"deadline passed, utc", "    purpose: required\n    timeZone: utc\n    deadline: 2026-11-30 11:59\n", []string{"9:15"}},
		{"deadline to come, utc", "    purpose: required\n    timeZone: utc\n    deadline: 2026-11-30 12:01\n", nil},
		// 2026-11-29 23:59 local has passed in UTC-12 at 12:00 UTC (23:59 there is 11:59 UTC).
		{"deadline passed everywhere, local", "    purpose: required\n    deadline: 2026-11-29 23:59\n", []string{"8:15"}},
		{"deadline still to come somewhere, local", "    purpose: required\n    deadline: 2026-11-30 00:01\n", nil},
		{"as soon as possible, available passed", "    purpose: required\n    timeZone: utc\n    asSoonAsPossible: true\n    available: 2026-01-01 08:00\n", []string{"10:16"}},
		{"as soon as possible, no available time", "    purpose: required\n    asSoonAsPossible: true\n", nil},
		{"as soon as possible, available to come", "    purpose: required\n    timeZone: utc\n    asSoonAsPossible: true\n    available: 2027-01-01 08:00\n", nil},
		{"available deployment", "    purpose: available\n    timeZone: utc\n    available: 2020-01-01 08:00\n", nil},
		{"ignored", "    purpose: required\n    timeZone: utc\n    deadline: 2020-01-01 08:00\n    lint: { ignore: [{ code: TS012, reason: a test }] }\n", nil},
	} {
		cfg, ds := Parse("c.yaml", []byte("sequences:\n  - name: S\n    steps: [{ name: Hello, runCommandLine: echo }]\ndeployments:\n  - sequence: S\n    collection: Pilot\n"+tc.dep))
		if ds.HasErrors() {
			t.Fatalf("%s: %v", tc.name, ds)
		}
		var got []string
		for _, d := range LintAt(cfg, now) {
			if d.Code == LintPastSchedule {
				got = append(got, strings.TrimPrefix(d.Pos.String(), "c.yaml:"))
				if !strings.Contains(d.Msg, "has passed") || d.Hint == "" {
					t.Errorf("%s: %s (hint %q)", tc.name, d.Msg, d.Hint)
				}
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: TS012 at %q, want %q", tc.name, got, tc.want)
		}
	}
}
