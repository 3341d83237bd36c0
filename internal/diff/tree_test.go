package diff

import "testing"

func TestNameRefs(t *testing.T) {
	site := func(id string) string {
		return map[string]string{"PS100004": "Tools", "PS100005": "Drivers"}[id]
	}
	cases := []struct {
		value string
		names []string
		want  string
	}{
		{"PS100004", nil, "Tools (PS100004)"},
		{"(known after apply)", []string{"New tools"}, "New tools (known after apply)"},
		{"PS100004,(known after apply)", []string{"", "Fresh"}, "Tools (PS100004), Fresh (known after apply)"},
		{"PS100004,PS100005", []string{"a"}, "Tools (PS100004), Drivers (PS100005)"}, // names that do not line up are not used
		{"cmd /c echo", nil, "cmd /c echo"},
		{"Tools", []string{"tools"}, "Tools"},
		{"", []string{"x"}, ""},
	}
	for _, tc := range cases {
		if got := NameRefs(tc.value, tc.names, site); got != tc.want {
			t.Errorf("NameRefs(%q, %q) = %q, want %q", tc.value, tc.names, got, tc.want)
		}
	}
}
