package yamlwrite

// Scalars as gopkg.in/yaml.v3 v3.0.1 writes them: encode.go's choice of
// style for a node, emitterc.go's analysis of the text, its choice of the
// style it can write and its writers (Copyright (c) 2011-2019 Canonical
// Ltd, Copyright (c) 2006-2010 Kirill Simonov, MIT licence).

import "gopkg.in/yaml.v3"

// scalarStyle is the style a scalar is written in.
type scalarStyle uint8

const (
	plainStyle scalarStyle = iota
	singleQuotedStyle
	doubleQuotedStyle
	literalStyle
)

func (s scalarStyle) String() string {
	switch s {
	case plainStyle:
		return "plain"
	case singleQuotedStyle:
		return "single-quoted"
	case doubleQuotedStyle:
		return "double-quoted"
	case literalStyle:
		return "literal"
	}
	return "unknown"
}

// requestedStyle is the style yaml.v3's encoder asks the emitter for
// (encoder.node): the node's own, a literal block for text with a line
// break, double quotes for a !!str that would read back as another type,
// plain otherwise.
func requestedStyle(n *yaml.Node) scalarStyle {
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		return doubleQuotedStyle
	case n.Style&yaml.SingleQuotedStyle != 0:
		return singleQuotedStyle
	case n.Style&yaml.LiteralStyle != 0:
		return literalStyle
	case containsByte(n.Value, '\n'):
		return literalStyle
	case n.Tag == strTag && resolvedTag(n.Value) != strTag:
		return doubleQuotedStyle
	}
	return plainStyle
}

func containsByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}

// analysis is what yaml_emitter_analyze_scalar finds of a text.
type analysis struct {
	multiline         bool
	flowPlainAllowed  bool
	blockPlainAllowed bool
	singleAllowed     bool
	blockAllowed      bool
}

// analyze is yaml_emitter_analyze_scalar (the emitter allowing unicode).
func analyze(value string) analysis {
	if len(value) == 0 {
		return analysis{blockPlainAllowed: true, singleAllowed: true}
	}
	var (
		blockIndicators, flowIndicators, lineBreaks, specialCharacters, tabCharacters    bool
		leadingSpace, leadingBreak, trailingSpace, trailingBreak, breakSpace, spaceBreak bool
		previousSpace, previousBreak                                                     bool
	)
	if len(value) >= 3 && (value[:3] == "---" || value[:3] == "...") {
		blockIndicators, flowIndicators = true, true
	}
	precededByWhitespace := true
	for i, w := 0, 0; i < len(value); i += w {
		if i > 0 && ordinary[value[i]] {
			// A run of characters that change nothing but what the next
			// one is preceded by (the loop below, character by character).
			for i < len(value) && ordinary[value[i]] {
				i++
			}
			previousSpace, previousBreak, precededByWhitespace = false, false, false
			if w = 0; i == len(value) {
				break
			}
		}
		w = width(value[i])
		followedByWhitespace := i+w >= len(value) || isBlank(value, i+w)
		if i == 0 {
			switch value[i] {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				flowIndicators, blockIndicators = true, true
			case '?', ':':
				flowIndicators = true
				if followedByWhitespace {
					blockIndicators = true
				}
			case '-':
				if followedByWhitespace {
					flowIndicators, blockIndicators = true, true
				}
			}
		} else {
			switch value[i] {
			case ',', '?', '[', ']', '{', '}':
				flowIndicators = true
			case ':':
				flowIndicators = true
				if followedByWhitespace {
					blockIndicators = true
				}
			case '#':
				if precededByWhitespace {
					flowIndicators, blockIndicators = true, true
				}
			}
		}
		if value[i] == '\t' {
			tabCharacters = true
		} else if !isPrintable(value, i) {
			specialCharacters = true
		}
		switch {
		case value[i] == ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i+1 == len(value) {
				trailingSpace = true
			}
			if previousBreak {
				breakSpace = true
			}
			previousSpace, previousBreak = true, false
		case isBreak(value, i):
			lineBreaks = true
			if i == 0 {
				leadingBreak = true
			}
			if i+w == len(value) {
				trailingBreak = true
			}
			if previousSpace {
				spaceBreak = true
			}
			previousSpace, previousBreak = false, true
		default:
			previousSpace, previousBreak = false, false
		}
		precededByWhitespace = isBlankz(value, i)
	}
	a := analysis{multiline: lineBreaks, flowPlainAllowed: true, blockPlainAllowed: true, singleAllowed: true, blockAllowed: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		a.flowPlainAllowed, a.blockPlainAllowed = false, false
	}
	if trailingSpace {
		a.blockAllowed = false
	}
	if breakSpace {
		a.flowPlainAllowed, a.blockPlainAllowed, a.singleAllowed = false, false, false
	}
	if spaceBreak || tabCharacters || specialCharacters {
		a.flowPlainAllowed, a.blockPlainAllowed, a.singleAllowed = false, false, false
	}
	if spaceBreak || specialCharacters {
		a.blockAllowed = false
	}
	if lineBreaks {
		a.flowPlainAllowed, a.blockPlainAllowed = false, false
	}
	if flowIndicators {
		a.flowPlainAllowed = false
	}
	if blockIndicators {
		a.blockPlainAllowed = false
	}
	return a
}

// ordinary are the bytes analyze passes over after the first character
// without a look: printable ASCII characters other than the space and the
// indicators it looks for after the first (, ? [ ] { } : #).
var ordinary = func() (t [256]bool) {
	for b := 0x21; b <= 0x7E; b++ {
		t[b] = true
	}
	for _, b := range ",?[]{}:#" {
		t[b] = false
	}
	return t
}()

// selectStyle is yaml_emitter_select_scalar_style for an untagged scalar
// (the encoder drops the tags of the nodes supported accepts).
func (w *writer) selectStyle(style scalarStyle, value string, a analysis, c context) scalarStyle {
	if c.simpleKey && a.multiline {
		style = doubleQuotedStyle
	}
	if style == plainStyle {
		if w.flowLevel > 0 && !a.flowPlainAllowed || w.flowLevel == 0 && !a.blockPlainAllowed {
			style = singleQuotedStyle
		}
		if len(value) == 0 && (w.flowLevel > 0 || c.simpleKey) {
			style = singleQuotedStyle
		}
	}
	if style == singleQuotedStyle && !a.singleAllowed {
		style = doubleQuotedStyle
	}
	if style == literalStyle && (!a.blockAllowed || w.flowLevel > 0 || c.simpleKey) {
		style = doubleQuotedStyle
	}
	return style
}

// scalar is yaml_emitter_emit_scalar.
func (w *writer) scalar(n *yaml.Node, a analysis, c context) {
	style := w.selectStyle(requestedStyle(n), n.Value, a, c)
	saved := w.increaseIndent(true, c.inBlockList)
	switch style {
	case plainStyle:
		w.writePlain(n.Value, !c.simpleKey)
	case singleQuotedStyle:
		w.writeSingleQuoted(n.Value, !c.simpleKey)
	case doubleQuotedStyle:
		w.writeDoubleQuoted(n.Value, !c.simpleKey)
	case literalStyle:
		w.writeLiteral(n.Value)
	}
	w.indent = saved
}

// yaml_emitter_write_plain_scalar
func (w *writer) writePlain(value string, allowBreaks bool) {
	if len(value) > 0 && !w.whitespace {
		w.put(' ')
	}
	spaces, breaks := false, false
	for i := 0; i < len(value); {
		switch {
		case value[i] == ' ':
			if allowBreaks && !spaces && w.column > bestWidth && !(i+1 < len(value) && isSpace(value, i+1)) {
				w.writeIndent()
				i++
			} else {
				w.write(value, &i)
			}
			spaces = true
		case isBreak(value, i):
			if !breaks && value[i] == '\n' {
				w.putBreak()
			}
			w.writeBreak(value, &i)
			breaks = true
		default:
			if breaks {
				w.writeIndent()
			}
			w.writeRun(value, &i)
			w.indention = false
			spaces, breaks = false, false
		}
	}
	if len(value) > 0 {
		w.whitespace = false
	}
	w.indention = false
}

// writeRun writes the characters from s[*i] on that write_plain_scalar
// writes one by one with nothing else: up to a space or what may start a
// line break (\r, \n, and the first byte of U+0085, U+2028 and U+2029),
// at least one character.
func (w *writer) writeRun(s string, i *int) {
	j := *i + width(s[*i])
	for j < len(s) {
		b := s[j]
		if b == ' ' || b == '\r' || b == '\n' || b == 0xC2 || b == 0xE2 {
			break
		}
		j++
	}
	run := s[*i:j]
	w.buf = append(w.buf, run...)
	for k := 0; k < len(run); k++ {
		if run[k]&0xC0 != 0x80 { // a character, not a continuation byte
			w.column++
		}
	}
	*i = j
}

// yaml_emitter_write_single_quoted_scalar
func (w *writer) writeSingleQuoted(value string, allowBreaks bool) {
	w.writeIndicator('\'', true, false, false)
	spaces, breaks := false, false
	for i := 0; i < len(value); {
		switch {
		case value[i] == ' ':
			if allowBreaks && !spaces && w.column > bestWidth && i > 0 && i < len(value)-1 && !isSpace(value, i+1) {
				w.writeIndent()
				i++
			} else {
				w.write(value, &i)
			}
			spaces = true
		case isBreak(value, i):
			if !breaks && value[i] == '\n' {
				w.putBreak()
			}
			w.writeBreak(value, &i)
			breaks = true
		default:
			if breaks {
				w.writeIndent()
			}
			if value[i] == '\'' {
				w.put('\'')
			}
			w.write(value, &i)
			w.indention = false
			spaces, breaks = false, false
		}
	}
	w.writeIndicator('\'', false, false, false)
	w.whitespace = false
	w.indention = false
}

// yaml_emitter_write_double_quoted_scalar
func (w *writer) writeDoubleQuoted(value string, allowBreaks bool) {
	const hex = "0123456789ABCDEF"
	spaces := false
	w.writeIndicator('"', true, false, false)
	for i := 0; i < len(value); {
		b := value[i]
		switch {
		case !isPrintable(value, i) || isBOM(value) || isBreak(value, i) || b == '"' || b == '\\':
			n := width(b)
			var v rune
			switch n {
			case 1:
				v = rune(b & 0x7F)
			case 2:
				v = rune(b & 0x1F)
			case 3:
				v = rune(b & 0x0F)
			case 4:
				v = rune(b & 0x07)
			}
			for k := 1; k < n; k++ {
				v = v<<6 + rune(value[i+k])&0x3F
			}
			i += n
			w.put('\\')
			switch v {
			case 0x00:
				w.put('0')
			case 0x07:
				w.put('a')
			case 0x08:
				w.put('b')
			case 0x09:
				w.put('t')
			case 0x0A:
				w.put('n')
			case 0x0B:
				w.put('v')
			case 0x0C:
				w.put('f')
			case 0x0D:
				w.put('r')
			case 0x1B:
				w.put('e')
			case 0x22:
				w.put('"')
			case 0x5C:
				w.put('\\')
			case 0x85:
				w.put('N')
			case 0xA0:
				w.put('_')
			case 0x2028:
				w.put('L')
			case 0x2029:
				w.put('P')
			default:
				digits := 8
				switch {
				case v <= 0xFF:
					w.put('x')
					digits = 2
				case v <= 0xFFFF:
					w.put('u')
					digits = 4
				default:
					w.put('U')
				}
				for k := (digits - 1) * 4; k >= 0; k -= 4 {
					w.put(hex[(v>>uint(k))&0x0F])
				}
			}
			spaces = false
		case b == ' ':
			if allowBreaks && !spaces && w.column > bestWidth && i > 0 && i < len(value)-1 {
				w.writeIndent()
				if isSpace(value, i+1) {
					w.put('\\')
				}
				i++
			} else {
				w.write(value, &i)
			}
			spaces = true
		default:
			w.write(value, &i)
			spaces = false
		}
	}
	w.writeIndicator('"', false, false, false)
	w.whitespace = false
	w.indention = false
}

// yaml_emitter_write_literal_scalar with yaml_emitter_write_block_scalar_hints
// (a literal block is never empty: analyze does not allow it).
func (w *writer) writeLiteral(value string) {
	w.writeIndicator('|', true, false, false)
	if value[0] == ' ' || isBreak(value, 0) {
		w.writeIndicator('0'+bestIndent, false, false, false)
	}
	var chomp byte
	i := len(value) - 1
	for value[i]&0xC0 == 0x80 {
		i--
	}
	switch {
	case !isBreak(value, i):
		chomp = '-'
	case i == 0:
		chomp = '+'
	default:
		i--
		for value[i]&0xC0 == 0x80 {
			i--
		}
		if isBreak(value, i) {
			chomp = '+'
		}
	}
	if chomp != 0 {
		w.writeIndicator(chomp, false, false, false)
	}
	w.whitespace = true
	breaks := true
	for i := 0; i < len(value); {
		if isBreak(value, i) {
			w.writeBreak(value, &i)
			breaks = true
			continue
		}
		if breaks {
			w.writeIndent()
		}
		w.write(value, &i)
		w.indention = false
		breaks = false
	}
}

// The character classes of yaml.v3's yamlprivateh.go, on valid UTF-8.

func width(b byte) int {
	switch {
	case b&0x80 == 0x00:
		return 1
	case b&0xE0 == 0xC0:
		return 2
	case b&0xF0 == 0xE0:
		return 3
	case b&0xF8 == 0xF0:
		return 4
	}
	return 0
}

func isSpace(s string, i int) bool { return s[i] == ' ' }

func isBlank(s string, i int) bool { return s[i] == ' ' || s[i] == '\t' }

func isBreak(s string, i int) bool {
	b := s[i]
	return b == '\r' || b == '\n' ||
		b == 0xC2 && s[i+1] == 0x85 ||
		b == 0xE2 && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9)
}

// isBlankz is is_blankz: blank, a line break or NUL.
func isBlankz(s string, i int) bool { return isBlank(s, i) || isBreak(s, i) || s[i] == 0 }

// isBOM is yaml.v3's is_bom(value, i), which looks at the start of the
// text whatever i is: a text that starts with a byte-order mark is written
// with every character escaped.
func isBOM(s string) bool { return len(s) >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF }

func isPrintable(s string, i int) bool {
	b := s[i]
	return b == 0x0A ||
		b >= 0x20 && b <= 0x7E ||
		b == 0xC2 && s[i+1] >= 0xA0 ||
		b > 0xC2 && b < 0xED ||
		b == 0xED && s[i+1] < 0xA0 ||
		b == 0xEE ||
		b == 0xEF && !(s[i+1] == 0xBB && s[i+2] == 0xBF) && !(s[i+1] == 0xBF && (s[i+2] == 0xBE || s[i+2] == 0xBF))
}
