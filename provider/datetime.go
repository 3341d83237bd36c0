package provider

import (
	"fmt"
	"strconv"
	"time"
)

// ParseDateTime reads a date and time as a site reports it: a CIM
// DATETIME (yyyymmddHHMMSS.mmmmmmsUUU, the UTC offset in minutes, as WMI
// returns it) or ISO 8601 / RFC 3339 (as the AdminService returns
// Edm.DateTimeOffset). The result is in UTC.
func ParseDateTime(s string) (time.Time, error) {
	if t, err := ParseCIMDateTime(s); err == nil {
		return t, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither a CIM DATETIME nor an ISO 8601 time", s)
}

// ParseCIMDateTime reads a CIM DATETIME timestamp, yyyymmddHHMMSS.mmmmmmsUUU
// (s is + or -, UUU the offset from UTC in minutes). Intervals
// (ddddddddHHMMSS.mmmmmm:000) and values with unknown fields (asterisks)
// are refused.
func ParseCIMDateTime(s string) (time.Time, error) {
	bad := func() (time.Time, error) { return time.Time{}, fmt.Errorf("%q is not a CIM DATETIME timestamp", s) }
	if len(s) != 25 || s[14] != '.' || (s[21] != '+' && s[21] != '-') {
		return bad()
	}
	num := func(from, to int) (int, bool) {
		n, err := strconv.Atoi(s[from:to])
		return n, err == nil && s[from] != '+' && s[from] != '-'
	}
	var f [8]int
	for i, r := range [][2]int{{0, 4}, {4, 6}, {6, 8}, {8, 10}, {10, 12}, {12, 14}, {15, 21}, {22, 25}} {
		n, ok := num(r[0], r[1])
		if !ok {
			return bad()
		}
		f[i] = n
	}
	if f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60 {
		return bad()
	}
	off := f[7] * 60
	if s[21] == '-' {
		off = -off
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6]*1000, time.FixedZone("", off))
	if t.Day() != f[2] {
		return bad() // 31 February and the like
	}
	return t.UTC(), nil
}

// FormatCIMDateTime writes t as a CIM DATETIME in UTC
// (yyyymmddHHMMSS.mmmmmm+000), the form WMI scripting takes.
func FormatCIMDateTime(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%04d%02d%02d%02d%02d%02d.%06d+000", t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1000)
}
