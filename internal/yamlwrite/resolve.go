package yamlwrite

// The tag yaml.v3 reads a plain scalar as: gopkg.in/yaml.v3 v3.0.1's
// resolve.go (Copyright (c) 2011-2019 Canonical Ltd, Apache licence 2.0),
// reduced to the tag.

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	nullTag      = "!!null"
	boolTag      = "!!bool"
	strTag       = "!!str"
	intTag       = "!!int"
	floatTag     = "!!float"
	timestampTag = "!!timestamp"
	mergeTag     = "!!merge"
)

// resolveHint is resolve.go's resolveTable: what the first byte of a
// plain scalar says it might be (0: a string).
var resolveHint = func() (t [256]byte) {
	t['+'], t['-'] = 'S', 'S'
	for c := '0'; c <= '9'; c++ {
		t[c] = 'D'
	}
	for _, c := range "yYnNtTfFoO~" {
		t[c] = 'M'
	}
	t['.'] = '.'
	return t
}()

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// resolvedTag is the tag of resolve("", in): what yaml.v3 reads in as
// when it is written plain.
func resolvedTag(in string) string {
	hint := byte('N')
	if in != "" {
		hint = resolveHint[in[0]]
	}
	if hint == 0 {
		return strTag
	}
	switch in {
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return boolTag
	case "", "~", "null", "Null", "NULL":
		return nullTag
	case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return floatTag
	case "<<":
		return mergeTag
	}
	switch hint {
	case '.':
		if _, err := strconv.ParseFloat(in, 64); err == nil {
			return floatTag
		}
	case 'D', 'S':
		if isTimestamp(in) {
			return timestampTag
		}
		plain := strings.ReplaceAll(in, "_", "")
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return intTag
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return intTag
		}
		if yamlStyleFloat.MatchString(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return floatTag
			}
		}
		if strings.HasPrefix(plain, "0b") {
			if _, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
				return intTag
			}
			if _, err := strconv.ParseUint(plain[2:], 2, 64); err == nil {
				return intTag
			}
		} else if strings.HasPrefix(plain, "-0b") {
			if _, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
				return intTag
			}
		}
		if strings.HasPrefix(plain, "0o") {
			if _, err := strconv.ParseInt(plain[2:], 8, 64); err == nil {
				return intTag
			}
			if _, err := strconv.ParseUint(plain[2:], 8, 64); err == nil {
				return intTag
			}
		} else if strings.HasPrefix(plain, "-0o") {
			if _, err := strconv.ParseInt("-"+plain[3:], 8, 64); err == nil {
				return intTag
			}
		}
	}
	return strTag
}

// allowedTimestampFormats are the layouts yaml.v3 reads a timestamp in.
var allowedTimestampFormats = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

// isTimestamp is parseTimestamp's answer: four digits, a dash, and a
// time in one of the layouts.
func isTimestamp(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			break
		}
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, format := range allowedTimestampFormats {
		if _, err := time.Parse(format, s); err == nil {
			return true
		}
	}
	return false
}
