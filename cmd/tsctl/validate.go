package main

import "fmt"

func (c *cli) validate(args []string) int {
	fs := c.flags("validate", "")
	var files multi
	fs.Var(&files, "f", "configuration file or folder (repeatable; default tsctl.yaml)")
	if !c.parse(fs, args, 0, 0) {
		return c.parseExit(fs)
	}
	cfg, ok := c.loadConfig(files)
	if !ok {
		return exitError
	}
	fmt.Fprintf(c.stdout, "Configuration is valid: %d %s, %d %s in %d %s.\n",
		len(cfg.Packages), plural(len(cfg.Packages), "package", "packages"),
		len(cfg.Sequences), plural(len(cfg.Sequences), "sequence", "sequences"),
		len(cfg.Files), plural(len(cfg.Files), "file", "files"))
	return exitOK
}
