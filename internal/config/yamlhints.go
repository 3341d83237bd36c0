package config

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/tsctl/tsctl/internal/diag"
)

// addYAMLHints adds a hint to diagnostics that a YAML habit from elsewhere
// causes, reading the value or line the diagnostic points at in data: a
// tab in indentation, yes/no (YAML 1.1 booleans, text in YAML 1.2) where a
// boolean belongs, and an unquoted version such as 2.1 (a number) where
// text belongs. Diagnostics that have a hint keep it.
func addYAMLHints(data []byte, ds diag.List) {
	var lines [][]byte
	line := func(n int) []byte {
		if lines == nil {
			lines = bytes.Split(data, []byte("\n"))
		}
		if n < 1 || n > len(lines) {
			return nil
		}
		return bytes.TrimSuffix(lines[n-1], []byte("\r"))
	}
	for i := range ds {
		d := &ds[i]
		if d.Hint != "" || d.Pos.Line == 0 {
			continue
		}
		switch {
		case strings.HasPrefix(d.Msg, "invalid YAML"):
			for _, n := range []int{d.Pos.Line, d.Pos.Line - 1, d.Pos.Line + 1} {
				if col := tabIndent(line(n)); col > 0 {
					d.Hint = fmt.Sprintf("line %d is indented with a tab (column %d): indent with spaces; YAML does not allow tabs in indentation", n, col)
					break
				}
			}
		case strings.HasSuffix(d.Msg, "expected boolean, but got string"):
			v := valueAt(line(d.Pos.Line), d.Pos.Col)
			if b, ok := yaml11Bools[strings.ToLower(v)]; ok {
				d.Hint = fmt.Sprintf("write %t: YAML 1.2, which tsctl reads, takes %s as text, not as a boolean", b, v)
			}
		case strings.Contains(d.Msg, ": expected string"):
			v := valueAt(line(d.Pos.Line), d.Pos.Col)
			what := plainType(v)
			if what == "" {
				break
			}
			d.Hint = fmt.Sprintf("quote it: \"%s\"; unquoted, YAML reads %s as %s", v, v, what)
			if what == "a number" && strings.Contains(v, ".") {
				d.Hint += " (and 2.10 as 2.1)"
			}
		}
	}
}

// plainType says what YAML 1.2 reads an unquoted scalar as when that is
// not text: "a number", "a boolean" or "null"; "" for text.
func plainType(v string) string {
	switch strings.ToLower(v) {
	case "":
		return ""
	case "true", "false":
		return "a boolean"
	case "null", "~":
		return "null"
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(v, "_", ""), 64); err == nil {
		return "a number"
	}
	if _, err := strconv.ParseInt(v, 0, 64); err == nil { // 0x1F, 0o17
		return "a number"
	}
	return ""
}

// yaml11Bools are the YAML 1.1 spellings of booleans that YAML 1.2 reads as
// text (true and false are booleans in both).
var yaml11Bools = map[string]bool{"yes": true, "no": false, "y": true, "n": false, "on": true, "off": false}

// tabIndent returns the 1-based column of a tab in the indentation of line
// (before its first other character), 0 when there is none.
func tabIndent(line []byte) int {
	for i, b := range line {
		switch b {
		case '\t':
			return i + 1
		case ' ':
			continue
		case '-':
			// "-\tname: x" indents the item's content with a tab too.
			if i+1 < len(line) && line[i+1] == '\t' {
				return i + 2
			}
			if i+1 < len(line) && line[i+1] == ' ' {
				continue
			}
		}
		return 0
	}
	return 0
}

// valueAt returns the plain scalar starting at the 1-based column col of
// line: up to a comment, a flow indicator or the end of the line.
func valueAt(line []byte, col int) string {
	if col < 1 || col > len(line) {
		return ""
	}
	s := string(line[col-1:])
	if s != "" && (s[0] == '"' || s[0] == '\'') {
		return "" // quoted: not what these hints are about
	}
	if i := strings.IndexAny(s, ",}]#"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}
