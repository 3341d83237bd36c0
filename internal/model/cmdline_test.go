package model

import (
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// expandReference is the command line's expansion as first written (maps
// of argument numbers), which expandWith must match.
func expandReference(c *Class, lookup func(string) (string, bool)) string {
	arg, set := map[int]string{}, map[int]bool{}
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
		arg[p.Arg], set[p.Arg] = v, true
	}
	var walk func(t string) string
	walk = func(t string) string {
		var b strings.Builder
		for i := 0; i < len(t); {
			switch {
			case strings.HasPrefix(t[i:], "<?"):
				j := i + 2
				n, k := readInt(t, j)
				if k == j || k >= len(t) || t[k] != ':' {
					b.WriteByte(t[i])
					i++
					continue
				}
				end := matchClose(t, k+1)
				if set[n] {
					b.WriteString(walk(t[k+1 : end]))
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
				b.WriteString(arg[n])
				i = k
			default:
				b.WriteByte(t[i])
				i++
			}
		}
		return b.String()
	}
	return walk(c.CommandLine)
}

// FuzzExpandCommandLine: for every class of the catalogue and for crafted
// ones (argument numbers past the array, repeated, templates of any
// text), the expansion equals the reference's for any set of values.
func FuzzExpandCommandLine(f *testing.F) {
	f.Add(uint64(1), "true", "%1 <?2:/x %2> %%A%% %", 3)
	f.Add(uint64(7), "false", "<?17:%17> %99999999999999999999 <?3:<?4:%4>>", 20)
	f.Add(uint64(9), "", "<?1 %1> <?:> %", 1)
	names := make([]string, 0, len(classes))
	for n := range classes {
		names = append(names, n)
	}
	sort.Strings(names)
	f.Fuzz(func(t *testing.T, seed uint64, value, template string, maxArg int) {
		r := rand.New(rand.NewPCG(seed, 1))
		lookup := func(string) (string, bool) {
			switch r.IntN(4) {
			case 0:
				return "", false
			case 1:
				return "true", true
			case 2:
				return value, true
			}
			return "v" + strconv.Itoa(r.IntN(100)), true
		}
		check := func(c *Class) {
			seedAt := r.Uint64()
			r = rand.New(rand.NewPCG(seedAt, 2))
			want := expandReference(c, lookup)
			r = rand.New(rand.NewPCG(seedAt, 2))
			if got := c.expandWith(lookup); got != want {
				t.Fatalf("class %s, command line %q: got %q, want %q", c.Name, c.CommandLine, got, want)
			}
		}
		for _, n := range names {
			if c := classes[n]; strings.ContainsAny(c.CommandLine, "%<") {
				check(c)
			}
		}
		c := &Class{Name: "crafted", CommandLine: template + "%"}
		for i := range 1 + r.IntN(6) {
			a := r.IntN(max(1, maxArg%40+1))
			if i%3 == 2 {
				a = -a
			}
			c.Props = append(c.Props, Prop{Name: "P" + strconv.Itoa(i), Arg: a})
			if a > 0 { // the template names it, as the catalogue's do
				n := strconv.Itoa(a)
				c.CommandLine += " %" + n + " <?" + n + ": [%" + n + "]>"
			}
		}
		check(c)
	})
}

func BenchmarkExpandCommandLine(b *testing.B) {
	var cs []*Class
	for _, c := range classes {
		if strings.ContainsAny(c.CommandLine, "%<") {
			cs = append(cs, c)
		}
	}
	lookup := func(name string) (string, bool) { return "value of " + name, len(name)%3 != 0 }
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range cs {
			c.expandWith(lookup)
		}
	}
}
