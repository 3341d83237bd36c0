package main

import "github.com/tsctl/tsctl/schema"

func (c *cli) schema(args []string) int {
	fs := c.flags("schema", "")
	if !c.parse(fs, args, 0, 0) {
		return c.parseExit(fs)
	}
	_, _ = c.stdout.Write(schema.JSON)
	return exitOK
}
