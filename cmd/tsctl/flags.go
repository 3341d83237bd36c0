package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

type flagSet struct {
	*flag.FlagSet
	args     string // usage of positional arguments
	parsed   []string
	helpSeen bool
}

func (c *cli) flags(name, args string) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), args: args}
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses flags anywhere among the arguments, checking the number of
// positional arguments (max < 0: unlimited). Errors print usage, exit 1.
func (c *cli) parse(fs *flagSet, args []string, min, max int) bool {
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if err == flag.ErrHelp {
				c.commandUsage(c.stdout, fs)
				fs.helpSeen = true
				return false
			}
			c.errorf("%v", err)
			c.commandUsage(c.stderr, fs)
			return false
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		rest = rest[1:]
	}
	if len(pos) < min || (max >= 0 && len(pos) > max) {
		if len(pos) > max && max >= 0 {
			c.errorf("unexpected argument %q", pos[max])
		} else {
			c.errorf("missing argument: %s", fs.args)
		}
		c.commandUsage(c.stderr, fs)
		return false
	}
	fs.parsed = pos
	return true
}

func (c *cli) commandUsage(w io.Writer, fs *flagSet) {
	fmt.Fprintf(w, "Usage: tsctl %s [flags] %s\n", fs.Name(), fs.args)
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if !has {
		return
	}
	fmt.Fprintln(w, "Flags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}
