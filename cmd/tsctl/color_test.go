package main

import "testing"

func TestColorAllowed(t *testing.T) {
	cases := []struct {
		env      map[string]string
		terminal bool
		want     bool
	}{
		{map[string]string{}, true, true},
		{map[string]string{"TERM": "xterm-256color"}, true, true},
		{map[string]string{}, false, false},
		{map[string]string{"NO_COLOR": ""}, true, false}, // set, even empty
		{map[string]string{"TERM": "dumb"}, true, false},
		{map[string]string{"TERM": "dumb"}, false, false},
	}
	for _, tc := range cases {
		env := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
		if got := colorAllowed(env, tc.terminal); got != tc.want {
			t.Errorf("colorAllowed(%v, terminal=%v) = %v, want %v", tc.env, tc.terminal, got, tc.want)
		}
	}
}
