package main

import (
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		done, inFlight int
		after          time.Duration
		want           string
	}{
		{0, 4, 300 * time.Millisecond, "tsctl: applying 0/40, 4 in flight, 0s elapsed, time left unknown yet"},
		{10, 4, 5 * time.Second, "tsctl: applying 10/40, 4 in flight, 5s elapsed, about 15s left"},
		{39, 1, 1500 * time.Millisecond, "tsctl: applying 39/40, 1 in flight, 1s elapsed, under 1s left"},
		{40, 0, 2 * time.Minute, "tsctl: applying 40/40, 0 in flight, 2m0s elapsed, finishing"},
	}
	for _, tc := range cases {
		p := &progress{total: 40, start: start, done: tc.done, inFlight: tc.inFlight}
		if got := p.line(start.Add(tc.after)); got != tc.want {
			t.Errorf("line after %v with %d done:\n got %q\nwant %q", tc.after, tc.done, got, tc.want)
		}
	}
}
