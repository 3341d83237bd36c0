package facade

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tsctl/tsctl/internal/edm"
	"github.com/tsctl/tsctl/internal/jsonvalue"
	"github.com/tsctl/tsctl/internal/model"
)

// stepsJSON is the reference appendSteps is held to: the Steps built as
// maps, as the façade rendered them before it wrote them straight to JSON.
// It renders a step tree as the service types SMS_TaskSequence.Steps
// (Collection(AdminService.SMS_TaskSequence_Step), abstract): each element
// names its concrete class with @odata.type; groups hold their Steps,
// actions their SupportedEnvironment, Timeout and class properties.
// Conditions are left out: the façade does not model
// SMS_TaskSequence_Condition operands.
func stepsJSON(steps []*model.Step) []any {
	out := make([]any, 0, len(steps))
	for _, st := range steps {
		class := st.Type
		if st.Kind == model.KindGroup {
			class = "SMS_TaskSequence_Group"
		}
		m := map[string]any{"@odata.type": edm.TypePrefix + class, "Name": st.Name, "Description": st.Description,
			"Enabled": !st.Disabled, "ContinueOnError": st.ContinueOnError}
		if st.Kind == model.KindGroup {
			m["Steps"] = stepsJSON(st.Steps)
		} else {
			env := "WinPEandFullOS"
			if st.RunIn != nil {
				env = *st.RunIn
			}
			m["SupportedEnvironment"] = env
			if st.Timeout != nil {
				if n, err := strconv.ParseInt(*st.Timeout, 10, 64); err == nil {
					m["Timeout"] = n
				}
			}
			for _, v := range st.Vars {
				if v.Property != "" {
					m[v.Property] = v.Value
				}
			}
		}
		out = append(out, m)
	}
	return out
}

// checkSteps holds appendSteps to stepsJSON encoded by jsonvalue.
func checkSteps(t *testing.T, what string, steps []*model.Step) {
	t.Helper()
	want, err := jsonvalue.Append(nil, stepsJSON(steps))
	if err != nil {
		t.Fatal(err)
	}
	if got := appendSteps(nil, steps); !bytes.Equal(got, want) {
		t.Fatalf("%s:\nappendSteps: %s\nthe maps:    %s", what, got, want)
	}
}

// TestAppendSteps: the Steps written straight to JSON are byte for byte
// those built as maps and encoded, for steps of every shape — nested
// groups, run-in and timeouts set or not (or not a number), variables
// whose properties repeat or are named like a member, text jsonvalue
// escapes — and for every real sequence in ../shared/exports.
func TestAppendSteps(t *testing.T) {
	str := func(s string) *string { return &s }
	action := &model.Step{Kind: model.KindStep, Type: "SMS_TaskSequence_RunCommandLineAction", Name: `Run "it" <now> & \ later`,
		Description: "line\nbreak \u2028 \xff", ContinueOnError: true, RunIn: str("WinPE"), Timeout: str("60"),
		Vars: []model.Variable{{Name: "CommandLine", Property: "CommandLine", Value: "cmd /c echo é"}, {Name: "x", Property: ""}, {Name: "PackageID", Property: "PackageID", Value: "PS100001"}}}
	odd := &model.Step{Kind: model.KindStep, Type: "SMS_TaskSequence_SetVariableAction", Name: "Odd", Disabled: true, Timeout: str("soon"),
		Vars: []model.Variable{{Property: "Name", Value: "renamed"}, {Property: "Timeout", Value: "x"}, {Property: "Zeta", Value: "1"}, {Property: "Zeta", Value: "2"},
			{Property: "@odata.type", Value: "t"}, {Property: "SupportedEnvironment", Value: "FullOS"}, {Property: "Enabled", Value: "no"}}}
	group := &model.Step{Kind: model.KindGroup, Name: "Group", Steps: []*model.Step{action, {Kind: model.KindGroup, Name: "Empty"}, odd}}
	checkSteps(t, "made", []*model.Step{group, action, odd})
	checkSteps(t, "none", nil)

	dir := filepath.Join("..", "..", "..", "shared", "exports")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) == 0 {
		t.Logf("no real sequences in %s: the made steps only", dir)
	}
	parsed := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		q, err := model.Parse(data)
		if err != nil {
			continue // not a sequence's XML (an export's other files)
		}
		parsed++
		checkSteps(t, filepath.Base(f), q.Steps)
	}
	t.Logf("%d real sequences compared", parsed)
}
