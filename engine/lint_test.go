package engine

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

func warnings(ds diag.List, code string) []string {
	var out []string
	for _, d := range ds {
		if d.Code == code {
			out = append(out, d.Error())
		}
	}
	return out
}

// TS009: a Run Task Sequence step whose child is disabled on the site
// (ProgramFlags DISABLED) fails the parent's deployment, continue on error
// or not.
func TestLintDisabledChild(t *testing.T) {
	ctx := context.Background()
	site := openTestSite(t)
	child := parseConfig(t, "sequences:\n  - name: Child\n    steps:\n      - name: Say\n        runCommandLine: cmd /c echo\n")
	mustApply(t, ctx, site, child, PlanOptions{}, 1)
	parent := "sequences:\n  - name: Parent\n    steps:\n      - name: Run child\n        continueOnError: true\n        runTaskSequence: Child\n"
	_, ds, err := MakePlan(ctx, site, parseConfig(t, parent), PlanOptions{})
	if err != nil || len(warnings(ds, config.LintDisabledChild)) != 0 {
		t.Fatalf("an enabled child: %v %v", err, ds)
	}
	in := provider.New(object.ClassTaskSequencePackage)
	in.Props["PackageID"] = idOf(t, site, "Child")
	in.Props["ProgramFlags"] = int64(ProgramFlagDisabled | 0x2000)
	if _, err := site.Put(ctx, in); err != nil {
		t.Fatal(err)
	}
	_, ds, err = MakePlan(ctx, site, parseConfig(t, parent), PlanOptions{})
	w := warnings(ds, config.LintDisabledChild)
	if err != nil || len(w) != 1 || !strings.Contains(w[0], `step "Run child" runs "Child" (PS100004), which is disabled on site PS1: the deployment of "Parent" fails, continueOnError does not help`) {
		t.Fatalf("a disabled child: %v %q", err, w)
	}
	// Ignored on the step, or a disabled step, is not reported.
	for _, conf := range []string{
		strings.Replace(parent, "        continueOnError: true\n", "        lint: { ignore: [{ code: TS009, reason: re-enabled at go-live }] }\n", 1),
		strings.Replace(parent, "        continueOnError: true\n", "        enabled: false\n", 1),
	} {
		_, ds, err = MakePlan(ctx, site, parseConfig(t, conf), PlanOptions{})
		if err != nil || len(warnings(ds, config.LintDisabledChild)) != 0 {
			t.Errorf("%s: %v %v", conf, err, warnings(ds, config.LintDisabledChild))
		}
	}
}

// TS010: a sequence near the 2 MB a site stores, and a parent whose
// children bring the combined XML near the policy limit.
func TestLintNearSizeLimits(t *testing.T) {
	ctx := context.Background()
	site := openTestSite(t)
	big := strings.Repeat("x", 250)
	step := func(i int) string {
		return "      - name: Step " + strconv.Itoa(i) + "\n        runCommandLine: cmd /c echo " + big + "\n"
	}
	seq := func(name string, steps int, child string) string {
		s := "  - name: " + name + "\n    steps:\n"
		if child != "" {
			s += "      - name: Run " + child + "\n        runTaskSequence: " + child + "\n"
		}
		for i := 0; i < steps; i++ {
			s += step(i)
		}
		return s
	}
	// About 1.7 MB: over 80 % of 2 MB.
	conf := "sequences:\n" + seq("Large", 1550, "")
	_, ds, err := MakePlan(ctx, site, parseConfig(t, conf), PlanOptions{})
	w := warnings(ds, config.LintNearPolicyLimit)
	if err != nil || len(w) != 1 || !strings.Contains(w[0], `sequence "Large" is 1.`) || !strings.Contains(w[0], "over 80% of the 2.0 MB a site stores") {
		t.Fatalf("near 2 MB: %v %q %v", err, w, ds)
	}

	defer func(v int) { combinedWarnAt = v }(combinedWarnAt)
	combinedWarnAt = 300 << 10
	conf = "sequences:\n" + seq("Leaf", 400, "") + seq("Middle", 400, "Leaf") + seq("Top", 10, "Middle")
	mustApply(t, ctx, site, parseConfig(t, "sequences:\n"+seq("Leaf", 400, "")), PlanOptions{}, 1) // Leaf exists on the site
	_, ds, err = MakePlan(ctx, site, parseConfig(t, conf), PlanOptions{})
	w = warnings(ds, config.LintNearPolicyLimit)
	if err != nil || len(w) != 2 || !strings.Contains(strings.Join(w, "\n"), `sequence "Top" and the 2 sequences it runs hold`) ||
		!strings.Contains(strings.Join(w, "\n"), `sequence "Middle" and the 1 sequence it runs hold`) {
		t.Fatalf("combined: %v %q", err, w)
	}
	// A child on the site that the configuration does not declare counts too.
	conf = "sequences:\n" + seq("Top", 500, "Leaf")
	_, ds, err = MakePlan(ctx, site, parseConfig(t, conf), PlanOptions{})
	if w = warnings(ds, config.LintNearPolicyLimit); err != nil || len(w) != 1 || !strings.Contains(w[0], `"Top" and the 1 sequence it runs`) {
		t.Fatalf("site child: %v %q", err, w)
	}
}

// TestStartedLintIsThePlans: a plan given the configuration's lint started
// earlier (StartLint) reports what it reports linting itself; a lint
// started for another configuration is not taken for this one's.
func TestStartedLintIsThePlans(t *testing.T) {
	ctx := context.Background()
	site := openTestSite(t)
	conf := "sequences:\n  - name: A\n    steps:\n      - name: Off\n        enabled: false\n        runCommandLine: cmd /c echo\n"
	cfg := parseConfig(t, conf)
	_, want, err := MakePlan(ctx, site, cfg, PlanOptions{})
	if err != nil || len(warnings(want, config.LintDisabledStep)) != 1 {
		t.Fatalf("linting itself: %v %v", err, want)
	}
	_, got, err := MakePlan(ctx, site, cfg, PlanOptions{Lint: StartLint(cfg)})
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("with the lint started: %v\n%v\nwant\n%v", err, got, want)
	}
	other := parseConfig(t, "sequences:\n  - name: A\n    steps:\n      - name: On\n        runCommandLine: cmd /c echo\n")
	_, got, err = MakePlan(ctx, site, cfg, PlanOptions{Lint: StartLint(other)})
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("with another configuration's lint started: %v\n%v\nwant\n%v", err, got, want)
	}
}
