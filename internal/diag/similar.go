package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Similar returns up to three of names close to name (by edit distance, or
// containing it), closest first, ignoring case and repeats: the candidates
// of a "did you mean" hint.
func Similar(name string, names []string) []string {
	type cand struct {
		n string
		d int
	}
	var cs []cand
	ln := strings.ToLower(name)
	seen := map[string]bool{}
	for _, n := range names {
		l := strings.ToLower(n)
		if seen[l] || l == ln {
			continue
		}
		seen[l] = true
		d := distance(ln, l)
		if d <= max(2, len(name)/3) || strings.Contains(l, ln) {
			cs = append(cs, cand{n, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].n)
	}
	return out
}

// DidYouMean is the hint for the names Similar found: did you mean "a" or "b"?
func DidYouMean(names []string) string {
	q := make([]string, len(names))
	for i, x := range names {
		q[i] = fmt.Sprintf("%q", x)
	}
	return "did you mean " + strings.Join(q, " or ") + "?"
}

// distance is the Levenshtein distance between a and b, in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
