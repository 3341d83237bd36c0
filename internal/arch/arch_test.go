package arch

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/tsctl/tsctl/"

// allowed maps each package of tsctl to the packages of tsctl it may
// import. The layers, bottom up: vocabularies with no imports (diag,
// object, localfile, jsonvalue, cores); the model, schema and plan types; configuration,
// export files and the provider seam; what is built on each (desired,
// secret, sitestate, planfile, edm, the providers); resolving, diffing,
// converting; the engine; the views of its output; the commands.
var allowed = map[string][]string{
	"internal/diag":      nil,
	"internal/object":    nil,
	"internal/localfile": nil,
	"internal/krbtest":   nil,
	"internal/mapped":    nil,
	"internal/memo":      {"internal/mapped"},
	"internal/jsonvalue": nil,
	"internal/cores":     nil,
	"internal/pace":      nil,
	"internal/yamlwrite": nil,
	"internal/model":     {"internal/object"},
	"internal/plan":      {"internal/object"},
	"schema":             {"internal/diag"},

	"internal/config":     {"internal/cores", "internal/diag", "internal/localfile", "internal/model", "internal/object", "schema"},
	"internal/exportfile": {"internal/cores", "internal/diag", "internal/localfile", "internal/model", "internal/object"},
	"provider":            {"internal/model", "internal/object"},
	"internal/workload":   {"internal/object", "provider"},

	"internal/desired":      {"internal/config", "internal/diag", "internal/model", "internal/object"},
	"internal/secret":       {"internal/config", "internal/diag", "internal/localfile", "internal/model"},
	"internal/planfile":     {"internal/config", "internal/diag", "internal/localfile", "internal/plan"},
	"internal/sitestate":    {"internal/diag", "internal/model", "internal/object", "provider"},
	"internal/sitecheck":    {"internal/object", "provider"},
	"internal/edm":          {"provider"},
	"provider/local":        {"internal/mapped", "internal/model", "internal/object", "provider"},
	"provider/wmi":          {"internal/object", "provider"},
	"provider/adminservice": {"internal/edm", "internal/jsonvalue", "internal/object", "provider"},
	"internal/facade":       {"internal/edm", "internal/jsonvalue", "internal/model", "internal/object", "provider"},

	"internal/convert": {"internal/config", "internal/desired", "internal/diag", "internal/exportfile", "internal/model", "internal/object", "internal/yamlwrite"},
	"internal/diff":    {"internal/config", "internal/desired", "internal/model", "internal/plan"},
	"internal/resolve": {"internal/config", "internal/desired", "internal/diag", "internal/object", "internal/secret", "internal/sitestate"},

	"engine": {"internal/config", "internal/cores", "internal/desired", "internal/diag", "internal/diff", "internal/exportfile", "internal/model",
		"internal/object", "internal/plan", "internal/resolve", "internal/secret", "internal/sitestate", "provider"},

	"internal/views": {"engine", "internal/config", "internal/cores", "internal/diag", "internal/object", "internal/plan"},

	"cmd/tsctl-bench": {"engine", "internal/config", "internal/object", "internal/workload", "provider", "provider/local"},
	"cmd/tsctl-gen":   {"internal/workload"},
	"cmd/tsctl": {"engine", "internal/config", "internal/convert", "internal/diag", "internal/edm", "internal/exportfile",
		"internal/facade", "internal/localfile", "internal/memo", "internal/model", "internal/object", "internal/pace", "internal/plan", "internal/planfile", "internal/secret",
		"internal/sitecheck", "internal/views", "provider", "provider/adminservice", "provider/local", "provider/wmi", "schema"},
	"internal/arch": nil,
}

// public are the packages another module may import: the pipeline, the
// provider seam with its implementations, and the JSON Schema.
var public = map[string]bool{"engine": true, "provider": true, "provider/local": true, "provider/adminservice": true,
	"provider/wmi": true, "schema": true}

// TestImportArrows lists every package with go list and holds its imports
// to the map, and every package outside internal/ and cmd/ to the public
// ones.
func TestImportArrows(t *testing.T) {
	for _, goos := range []string{"linux", "windows"} {
		cmd := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"...")
		cmd.Dir = "../.."
		cmd.Env = append(cmd.Environ(), "GOOS="+goos)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list (GOOS=%s): %v", goos, err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			fields := strings.Fields(line)
			pkg := strings.TrimPrefix(fields[0], module)
			allow, known := allowed[pkg]
			if !known {
				t.Errorf("package %s is not in the package map (internal/arch/arch_test.go)", pkg)
				continue
			}
			if !strings.HasPrefix(pkg, "internal/") && !strings.HasPrefix(pkg, "cmd/") && !public[pkg] {
				t.Errorf("package %s is importable from another module: move it under internal/", pkg)
			}
			ok := map[string]bool{}
			for _, a := range allow {
				ok[a] = true
			}
			var bad []string
			for _, imp := range fields[1:] {
				if p, ours := strings.CutPrefix(imp, module); ours && !ok[p] {
					bad = append(bad, p)
				}
			}
			sort.Strings(bad)
			if len(bad) > 0 {
				t.Errorf("GOOS=%s: %s imports %s, which the package map does not allow", goos, pkg, strings.Join(bad, ", "))
			}
		}
	}
}
