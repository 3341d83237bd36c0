package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestBound: the simulated apply of a plan runs objects in dependency
// order, at most parallelism objects and calls at once, each call one
// latency.
func TestBound(t *testing.T) {
	ctx := context.Background()
	site := openTestSite(t)
	const ms = time.Millisecond
	var conf strings.Builder
	// a package with 3 programs; a chain of three sequences; 4 independent ones
	conf.WriteString("packages:\n  - name: Tools\n    programs:\n")
	for i := range 3 {
		fmt.Fprintf(&conf, "      - { name: P%d, commandLine: p.cmd }\n", i)
	}
	conf.WriteString("sequences:\n  - name: C0\n    steps: []\n  - name: C1\n    steps: [{ name: Run, runTaskSequence: C0 }]\n  - name: C2\n    steps: [{ name: Run, runTaskSequence: C1 }]\n")
	for i := range 4 {
		fmt.Fprintf(&conf, "  - name: S%d\n    steps: []\n", i)
	}
	p := mustPlan(t, ctx, site, parseConfig(t, conf.String()))
	for _, tc := range []struct {
		par        int
		checkNames bool
		rounds     int
	}{
		// every one of the 1 + 3 + 3×2 + 4×2 calls in turn
		{1, false, 18},
		// the chain alone takes 6 rounds; the rest fit beside it
		{8, false, 6},
		// Tools and C0 first: Tools' Put and C0's ImportSequence; two of
		// Tools' programs; the third and C0's SetSequence; then C1 with S0,
		// C2 with S1, S2 with S3, two rounds each
		{2, false, 9},
		// each create of a sequence is guarded by a query before and after
		{8, true, 12},
	} {
		d, calls := p.Bound(tc.par, 10*ms, tc.checkNames)
		want := 18
		if tc.checkNames {
			want = 18 + 2*8 // a query before and after each create
		}
		if calls != want {
			t.Errorf("parallelism %d: %d calls, want %d", tc.par, calls, want)
		}
		if d != time.Duration(tc.rounds)*10*ms {
			t.Errorf("parallelism %d, checkNames %v: bound %v, want %v", tc.par, tc.checkNames, d, time.Duration(tc.rounds)*10*ms)
		}
	}
}
