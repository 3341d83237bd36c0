package model

import (
	"strconv"
	"strings"
)

// CommandLine expands a CommandLine class qualifier the way the SMS Provider
// does when it writes <action>: %n is the value of the property with
// CommandLineArg(n) (booleans as True/False), <?n: …> is kept only when that
// property is set, and %%X%% becomes %X%.
func (c *Class) ExpandCommandLine(vars map[string]string, isSet map[string]bool) string {
	return c.expandWith(func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok && isSet[name]
	})
}

// expandWith expands the command line with property values from lookup.
func (c *Class) expandWith(lookup func(string) (string, bool)) string {
	if !strings.ContainsAny(c.CommandLine, "%<") {
		return c.CommandLine
	}
	var args [maxArgs]cmdArg // CommandLineArg(n) at n; n is small
	many := map[int]cmdArg(nil)
	for _, p := range c.Props {
		if p.Arg == 0 {
			continue
		}
		v, ok := lookup(p.Name)
		if !ok {
			continue
		}
		switch v {
		case "true":
			v = "True"
		case "false":
			v = "False"
		}
		if p.Arg > 0 && p.Arg < maxArgs {
			args[p.Arg] = cmdArg{v, true}
		} else {
			if many == nil {
				many = map[int]cmdArg{}
			}
			many[p.Arg] = cmdArg{v, true}
		}
	}
	var b strings.Builder
	b.Grow(len(c.CommandLine))
	expand(&b, c.CommandLine, func(n int) cmdArg {
		if n > 0 && n < maxArgs {
			return args[n]
		}
		return many[n]
	})
	return b.String()
}

// maxArgs bounds the CommandLineArg numbers kept in an array (the
// catalogue's go up to 10); others are kept in a map.
const maxArgs = 16

// cmdArg is a property's value for the command line, and whether the
// property is set.
type cmdArg struct {
	v   string
	set bool
}

func expand(b *strings.Builder, t string, arg func(int) cmdArg) {
	for i := 0; i < len(t); {
		switch {
		case strings.HasPrefix(t[i:], "<?"):
			// <?n: body>
			j := i + 2
			n, k := readInt(t, j)
			if k == j || k >= len(t) || t[k] != ':' {
				b.WriteByte(t[i])
				i++
				continue
			}
			end := matchClose(t, k+1)
			body := t[k+1 : end]
			if arg(n).set {
				expand(b, body, arg)
			}
			i = end + 1
		case strings.HasPrefix(t[i:], "%%"):
			b.WriteByte('%')
			i += 2
		case t[i] == '%':
			n, k := readInt(t, i+1)
			if k == i+1 {
				b.WriteByte('%')
				i++
				continue
			}
			b.WriteString(arg(n).v)
			i = k
		default:
			b.WriteByte(t[i])
			i++
		}
	}
}

func readInt(t string, i int) (int, int) {
	j := i
	for j < len(t) && t[j] >= '0' && t[j] <= '9' {
		j++
	}
	n, _ := strconv.Atoi(t[i:j])
	return n, j
}

// matchClose finds the '>' closing a <?n: …> section starting at i, skipping nested sections.
func matchClose(t string, i int) int {
	depth := 0
	for ; i < len(t); i++ {
		switch {
		case strings.HasPrefix(t[i:], "<?"):
			depth++
			i++
		case t[i] == '>':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return len(t)
}
