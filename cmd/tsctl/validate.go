package main

import (
	"fmt"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/views"
)

func (c *cli) validate(args []string) int {
	fs := c.flags("validate", "")
	var files multi
	fs.Var(&files, "f", "configuration file or folder (repeatable; default tsctl.yaml)")
	format := fs.String("format", "human", "output: human, json or github (workflow annotations)")
	asJSON := fs.Bool("json", false, "print the diagnostics as JSON (same as --format json)")
	strict := fs.Bool("strict", false, "fail on lint warnings")
	ignore := c.addIgnoreFlag(fs)
	if !c.parse(fs, args, 0, 0) {
		return c.parseExit(fs)
	}
	if !c.setIgnore(*ignore) {
		return exitError
	}
	if !c.outputFormat(fs, *asJSON, *format, "human", "json", "github") {
		return exitError
	}
	cfg, ds := config.Load(files)
	if !ds.HasErrors() {
		ds = append(ds, config.Lint(cfg)...)
		ds.Sort()
	}
	ds = c.lintFilter(ds)
	failed := ds.HasErrors() || (*strict && len(ds) > 0)
	if c.format == "json" {
		if !c.writeDocument(views.NewValidation(ds, !failed)) {
			return exitError
		}
		if failed {
			return exitError
		}
		return exitOK
	}
	c.printDiags(ds)
	c.lintSummary(ds)
	if ds.HasErrors() {
		c.errorf("%d %s in the configuration; nothing was changed", countErrors(ds), plural(countErrors(ds), "problem", "problems"))
		return exitError
	}
	if *strict && len(ds) > 0 {
		c.errorf("%d lint %s and --strict is set", len(ds), plural(len(ds), "warning", "warnings"))
		return exitError
	}
	if c.format == "github" {
		return exitOK
	}
	deployments := ""
	if n := len(cfg.Deployments); n > 0 {
		deployments = fmt.Sprintf(", %d %s", n, plural(n, "deployment", "deployments"))
	}
	fmt.Fprintf(c.stdout, "Configuration is valid: %d %s, %d %s%s in %d %s.\n",
		len(cfg.Packages), plural(len(cfg.Packages), "package", "packages"),
		len(cfg.Sequences), plural(len(cfg.Sequences), "sequence", "sequences"), deployments,
		len(cfg.Files), plural(len(cfg.Files), "file", "files"))
	return exitOK
}

func countErrors(ds diag.List) int {
	n := 0
	for _, d := range ds {
		if d.Severity == diag.Error {
			n++
		}
	}
	return n
}
