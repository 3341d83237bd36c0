package config

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	yaml4 "go.yaml.in/yaml/v4"

	"github.com/tsctl/tsctl/internal/diag"
)

// The YAML parser tsctl decodes with (gopkg.in/yaml.v3) reports a syntax
// error with one line number, often not the problem's — the line where the
// construct around it began, one line early, or none at all (1:1 for a
// control character anywhere in the file). Its successor from the same
// project, go.yaml.in/yaml/v4, runs the same scanner and parser but keeps
// the line and column of the problem and of its context. syntaxError asks
// it where a document yaml.v3 refused goes wrong; it runs only for
// documents that fail to parse.

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns the error yaml.v3 gave for data into a positioned
// diagnostic.
func syntaxError(file string, data []byte, err error) diag.Diagnostic {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	// Characters the reader refuses: yaml.v3 names them without a place.
	if readerError(msg) {
		if l, c, what, ok := badCharacter(data); ok {
			return diag.Diagnostic{Pos: diag.Pos{File: file, Line: l, Col: c}, Msg: "invalid YAML: " + what,
				Hint: "YAML files are UTF-8 text; write control characters as escapes in double quotes (\"\\t\")"}
		}
	}
	var node yaml4.Node
	var le *yaml4.LoadError
	if err4 := yaml4.Unmarshal(data, &node); errors.As(err4, &le) && le.Mark.Line > 0 {
		// Mark.Index counts characters.
		atEnd := le.Mark.Index >= utf8.RuneCount(bytes.TrimRight(data, " \t\r\n"))
		return located(file, le, atEnd)
	}
	if line == 0 {
		line = 1
	}
	return diag.Diagnostic{Pos: diag.Pos{File: file, Line: line, Col: 1}, Msg: "invalid YAML: " + msg}
}

// readerError reports whether a yaml.v3 message is one of its reader's:
// bytes that are not text, or characters YAML does not allow.
func readerError(msg string) bool {
	for _, s := range []string{"UTF-8", "UTF-16", "control characters", "Unicode character"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// located describes a yaml/v4 error at its problem's position, naming the
// construct it was found in. A construct left open at the end of the file
// (atEnd: a quote, a bracket) is reported where it starts.
func located(file string, le *yaml4.LoadError, atEnd bool) diag.Diagnostic {
	at := le.Mark
	msg := le.Message
	ctx := le.ContextMsg
	if ctx != "" && le.ContextMark.Line > 0 && le.ContextMark != le.Mark {
		switch {
		case strings.Contains(msg, "end of stream"):
			at = le.ContextMark
			msg = fmt.Sprintf("%s %s that starts here", msg, ctx)
		case atEnd:
			at = le.ContextMark
			msg = fmt.Sprintf("%s before the end of the file, %s that starts here", msg, ctx)
		default:
			msg = fmt.Sprintf("%s (%s that starts at %d:%d)", msg, ctx, le.ContextMark.Line, le.ContextMark.Column)
		}
	}
	msg = strings.Replace(msg, "end of stream", "end of the file", 1)
	d := diag.Diagnostic{Pos: diag.Pos{File: file, Line: at.Line, Col: at.Column}, Msg: "invalid YAML: " + msg}
	switch {
	case strings.Contains(msg, "tab character"):
		d.Hint = "indent with spaces: YAML does not allow tabs in indentation"
	case strings.Contains(msg, "mapping values are not allowed"):
		d.Hint = "a value holding \": \" needs quotes, or the line is indented too far"
	case strings.Contains(msg, "did not find expected key"), strings.Contains(msg, "expected '-' indicator"):
		d.Hint = "check this line's indentation against the lines above it"
	case strings.Contains(msg+ctx, "flow"):
		d.Hint = "check that each [ and { above is closed by its ] or }"
	}
	return d
}

// badCharacter finds the first character the YAML reader refuses — bytes
// that are not UTF-8 (or UTF-16 after its byte-order mark), and control
// characters outside quoted escapes — with its line and column.
func badCharacter(data []byte) (line, col int, what string, ok bool) {
	text := data
	if len(data) >= 2 && (data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF) {
		u := make([]uint16, (len(data)-2)/2)
		for i := range u {
			a, b := uint16(data[2+2*i]), uint16(data[3+2*i])
			if data[0] == 0xFF {
				u[i] = a | b<<8
			} else {
				u[i] = a<<8 | b
			}
		}
		text = []byte(string(utf16.Decode(u)))
	}
	line, col = 1, 1
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return line, col, fmt.Sprintf("byte 0x%02X is not UTF-8 text", text[i]), true
		case r == '\n':
			line, col = line+1, 1
		case r == '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			line, col = line+1, 1
		case r == '\t', r == 0x85, r >= 0x20 && r <= 0x7E, r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000:
			col++
		default:
			return line, col, fmt.Sprintf("control character %s is not allowed", runeName(r)), true
		}
		i += size
	}
	return 0, 0, "", false
}
