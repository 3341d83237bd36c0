package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/tsctl/tsctl/internal/diag"
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

// given reports whether the flag named name was set on the command line.
func (fs *flagSet) given(name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// parse parses flags anywhere among the arguments, checking the number of
// positional arguments (max < 0: unlimited). -h and --help print the
// command's help on stdout (the caller then exits 0); errors print what is
// wrong, a hint where one helps, and the usage line (exit 1).
func (c *cli) parse(fs *flagSet, args []string, min, max int) bool {
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.commandUsage(c.stdout, fs)
				fs.helpSeen = true
				return false
			}
			c.flagError(fs, err)
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
			if h := configArgHint(fs, pos[max]); h != "" {
				c.hint("%s", h)
			}
		} else {
			c.errorf("missing argument: %s", fs.args)
		}
		c.shortUsage(fs)
		return false
	}
	fs.parsed = pos
	return true
}

// configArgHint is the hint for a configuration file or folder given as an
// argument to a command that reads configurations with -f.
func configArgHint(fs *flagSet, arg string) string {
	if fs.Lookup("f") == nil || !looksLikeConfig(arg) {
		return ""
	}
	return fmt.Sprintf("did you mean -f %s? tsctl %s reads configuration files and folders given with -f", arg, fs.Name())
}

// looksLikeConfig reports whether arg names a YAML file or a folder: what
// a configuration given without -f looks like.
func looksLikeConfig(arg string) bool {
	switch strings.ToLower(filepath.Ext(arg)) {
	case ".yaml", ".yml":
		return true
	}
	st, err := os.Stat(arg)
	return err == nil && st.IsDir()
}

// flagError reports a flag the command does not take, or one given wrong,
// naming flags as --name and suggesting the closest ones for a misspelling.
func (c *cli) flagError(fs *flagSet, err error) {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		c.errorf("tsctl %s has no flag %s", fs.Name(), dashed(name))
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if s := diag.Similar(name, names); len(s) > 0 {
			for i := range s {
				s[i] = dashed(s[i])
			}
			c.hint("%s", diag.DidYouMean(s))
		}
	} else {
		// The flag package names flags with one dash: -f, -parallelism.
		for _, p := range []string{"flag needs an argument: -", "for flag -"} {
			if i := strings.Index(msg, p); i >= 0 {
				start := i + len(p)
				end := start + strings.IndexAny(msg[start:]+" ", " :")
				msg = msg[:i] + strings.TrimSuffix(p, "-") + dashed(msg[start:end]) + msg[end:]
			}
		}
		c.errorf("%s", msg)
	}
	c.shortUsage(fs)
}

// dashed writes a flag as it is documented: -f for one letter, --name else.
func dashed(name string) string {
	if len([]rune(name)) == 1 {
		return "-" + name
	}
	return "--" + name
}

// shortUsage is what a usage error ends with: the usage line and where the
// full help is.
func (c *cli) shortUsage(fs *flagSet) {
	fmt.Fprintf(c.stderr, "Usage: %s\n", usageLine(fs))
	fmt.Fprintf(c.stderr, "Run tsctl %s -h for what it does and its flags.\n", fs.Name())
}

func usageLine(fs *flagSet) string {
	return strings.TrimSpace(fmt.Sprintf("tsctl %s [flags] %s", fs.Name(), fs.args))
}

// commandUsage prints a command's help: its usage line, what it does, and
// its flags as --name VALUE with their descriptions and defaults.
func (c *cli) commandUsage(w io.Writer, fs *flagSet) {
	fmt.Fprintf(w, "Usage: %s\n", usageLine(fs))
	if s := summaryOf(fs.Name()); s != "" {
		fmt.Fprintf(w, "\n%s\n", capitalize(s))
	}
	var fl []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { fl = append(fl, f) })
	if len(fl) == 0 {
		return
	}
	sort.Slice(fl, func(i, j int) bool { return fl[i].Name < fl[j].Name })
	fmt.Fprintln(w, "\nFlags:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range fl {
		kind, usage := flag.UnquoteUsage(f)
		head := dashed(f.Name)
		if kind != "" {
			head += " " + valueName(f.Name, kind, usage)
		}
		if def := f.DefValue; def != "" && def != "false" && def != "0" && def != "[]" {
			usage += fmt.Sprintf(" (default %s)", def)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", head, usage)
	}
	tw.Flush()
}

// valueName names a flag's value in help: --site URL, -f PATH.
func valueName(flagName, kind, usage string) string {
	switch flagName {
	case "f":
		return "PATH"
	case "site":
		return "URL"
	case "target", "sequence", "user", "machine":
		return "NAME"
	case "name":
		return "GLOB"
	case "format":
		return "FORMAT"
	case "parallelism":
		return "N"
	case "listen":
		return "ADDR"
	case "code":
		return "CODE"
	case "ignore":
		return "CODE"
	case "out":
		if strings.Contains(usage, "folder") {
			return "DIR"
		}
		return "FILE"
	}
	switch kind {
	case "string", "value":
		return "FILE"
	}
	return strings.ToUpper(kind)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// summaryOf says what the command (e.g. "plan", "site serve") does.
func summaryOf(name string) string {
	if sub, ok := strings.CutPrefix(name, "site "); ok {
		for _, s := range siteCommands {
			if s.name == sub {
				return s.summary
			}
		}
		return ""
	}
	for _, cmd := range commands {
		if cmd.name == name {
			return cmd.summary
		}
	}
	return ""
}
