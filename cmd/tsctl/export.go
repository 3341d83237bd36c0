package main

import (
	"context"
	"fmt"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/convert"
	"github.com/tsctl/tsctl/internal/exportfile"
)

func (c *cli) export(args []string) int {
	fs := c.flags("export", "")
	rf := c.addReadFlags(fs)
	var names multi
	fs.Var(&names, "name", "export the sequences whose names match this glob (repeatable; default all)")
	out := fs.String("out", "", "write one YAML file per sequence into this folder instead of stdout")
	asXML := fs.Bool("xml", false, "print the Sequence XML the site stores instead of YAML (one sequence)")
	quiet := fs.Bool("quiet", false, "print no progress")
	if !c.parse(fs, args, 0, 0) {
		return c.parseExit(fs)
	}
	if !rf.check(c) {
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
	k := c.newCounter(*quiet)
	defer k.done()
	k.phase("read", "sequences", -1)
	ex, err := engine.Export(context.Background(), countedReads{site, k}, names, *rf.parallelism, *asXML)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	if len(ex.Sequences) == 0 {
		c.errorf("no task sequence on site %s matches %v", site.Code(), []string(names))
		return exitError
	}
	if *asXML {
		if len(ex.Sequences) != 1 {
			c.errorf("--xml prints one sequence; %d match", len(ex.Sequences))
			for _, s := range ex.Sequences {
				fmt.Fprintf(c.stderr, "  %s (%s)\n", s.Name, s.PackageID)
			}
			return exitError
		}
		fmt.Fprintln(c.stdout, ex.Sequences[0].XML)
		return exitOK
	}
	if !c.settle(&ex.Sequences) {
		return exitError
	}
	cv := convert.New(ex.Names)
	k.phase("converted", "sequences", len(ex.Sequences))
	docs, err := convertAll(cv, ex.Sequences, func(s *exportfile.Sequence) string { return s.PackageID }, k)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	k.done()
	if c.refused(cv.Report) {
		return exitError
	}
	if !c.writeConverted(cv, docs, *out, "Exported by tsctl export from site "+site.Code()+": ") {
		return exitError
	}
	c.reportConversion(cv.Report)
	return exitOK
}
