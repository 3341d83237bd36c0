package main

import (
	"context"
	"strings"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/model"
)

func (c *cli) render(args []string) int {
	fs := c.flags("render", "")
	var files multi
	fs.Var(&files, "f", "configuration file or folder (repeatable; default tsctl.yaml)")
	rf := c.addReadFlags(fs)
	name := fs.String("sequence", "", "name of the sequence to render (required)")
	indent := fs.Bool("indent", false, "one element per line, indented (the site stores it on one line)")
	if !c.parse(fs, args, 0, 0) {
		return c.parseExit(fs)
	}
	if *name == "" {
		c.errorf("--sequence is required")
		c.shortUsage(fs)
		return exitError
	}
	if !rf.check(c) {
		return exitError
	}
	cfg, ok := c.loadConfig(files)
	if !ok {
		return exitError
	}
	url := c.siteURL(*rf.site)
	site, err := c.openSite(url, true)
	if err != nil {
		c.fail(err)
		return exitError
	}
	defer site.Close()
	defer c.printStats(*rf.stats)
	q, ds, err := engine.Render(context.Background(), site, cfg, *name, *rf.parallelism)
	c.printDiags(ds)
	if err != nil {
		c.fail(err)
		return exitError
	}
	if ds.HasErrors() {
		return exitError
	}
	if *indent {
		_, _ = c.stdout.Write(model.MarshalIndent(q, "  "))
	} else {
		out := model.Marshal(q)
		_, _ = c.stdout.Write(append(out, '\n'))
	}
	if strings.Contains(string(model.Marshal(q)), "(known after apply)") {
		c.warnf("some referenced objects do not exist on site %s yet; their IDs show as (known after apply)", site.Code())
	}
	return exitOK
}
