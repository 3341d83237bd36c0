package diag

import (
	"slices"
	"testing"
)

func TestSimilar(t *testing.T) {
	names := []string{"Tools", "tools", "Windows 11", "Drivers", "Office 2021", "Office"}
	cases := []struct {
		name string
		want []string
	}{
		{"Toolz", []string{"Tools"}},
		{"TOOLS", nil}, // the name itself is no suggestion
		{"Windows 10", []string{"Windows 11"}},
		{"office", []string{"Office 2021"}},
		{"Printer", nil},
	}
	for _, tc := range cases {
		if got := Similar(tc.name, names); !slices.Equal(got, tc.want) {
			t.Errorf("Similar(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if h := DidYouMean([]string{"A", "B"}); h != `did you mean "A" or "B"?` {
		t.Errorf("DidYouMean = %q", h)
	}
}
