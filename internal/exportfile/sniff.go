package exportfile

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tsctl/tsctl/internal/model"
)

// document is an XML file brought to UTF-8, with what comes before its
// root element (declaration, comments) checked and its root named.
type document struct {
	data []byte // UTF-8, without a byte order mark or an encoding declaration it no longer fits
	root string // name of the root element
}

// sniff reads the prolog of an XML file: a byte order mark (UTF-8, UTF-16
// LE or BE; UTF-16 without one is recognised by its first "<"), the XML
// declaration, comments and processing instructions, up to the root
// element. What is not an XML document at all — HTML-escaped text, a
// declaration after comments — gets one line saying what was found.
func sniff(data []byte) (*document, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		data = fromUTF16(data[2:], false)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		data = fromUTF16(data[2:], true)
	case len(data) >= 2 && data[0] == '<' && data[1] == 0:
		data = fromUTF16(data, false)
	case len(data) >= 2 && data[0] == 0 && data[1] == '<':
		data = fromUTF16(data, true)
	default:
		data = bytes.TrimPrefix(data, []byte(utf8BOM))
		if !utf8.Valid(data) {
			return nil, fmt.Errorf("not UTF-8 or UTF-16 text; save the file as UTF-8")
		}
	}
	rest := data
	skip := func() { rest = bytes.TrimLeft(rest, " \t\r\n") }
	skip()
	seenComment := false
	for {
		switch {
		case len(rest) == 0:
			return nil, fmt.Errorf("no XML element in the file")
		case bytes.HasPrefix(rest, []byte("<?xml")) && len(rest) > 5 && strings.ContainsRune(" \t\r\n?", rune(rest[5])):
			if seenComment || len(bytes.TrimLeft(data[:len(data)-len(rest)], " \t\r\n")) > 0 {
				return nil, fmt.Errorf("the XML declaration comes after comments or text, so this is not a well-formed XML document (a site would not import it)")
			}
			end := bytes.Index(rest, []byte("?>"))
			if end < 0 {
				return nil, fmt.Errorf("the XML declaration is not closed")
			}
			decl := string(rest[:end])
			if enc := declaredEncoding(decl); enc != "" && !strings.EqualFold(enc, "utf-8") && !strings.EqualFold(enc, "utf-16") &&
				!(asciiCompatible(enc) && isASCII(data)) {
				return nil, fmt.Errorf("the file declares encoding %q; save it as UTF-8", enc)
			}
			// blank the declaration out (its encoding no longer holds once
			// UTF-16 is decoded), keeping line numbers
			off := len(data) - len(rest)
			for i := off; i < off+end+2; i++ {
				if data[i] != '\n' {
					data[i] = ' '
				}
			}
			rest = rest[end+2:]
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest, []byte("-->"))
			if end < 0 {
				return nil, fmt.Errorf("a comment is not closed")
			}
			seenComment = true
			rest = rest[end+3:]
		case bytes.HasPrefix(rest, []byte("<?")):
			end := bytes.Index(rest, []byte("?>"))
			if end < 0 {
				return nil, fmt.Errorf("a processing instruction is not closed")
			}
			rest = rest[end+2:]
		case bytes.HasPrefix(rest, []byte("<!")):
			return nil, fmt.Errorf("a document type declaration (<!DOCTYPE …>) is not part of any export")
		case bytes.HasPrefix(rest, []byte("&lt;")):
			return nil, fmt.Errorf("HTML-escaped text (%s…), not an XML document; unescape it first (&lt; to <, &gt; to >, &quot; to \")", firstWords(rest))
		case rest[0] == '<':
			n := 1
			for n < len(rest) && !strings.ContainsRune(" \t\r\n/>", rune(rest[n])) {
				n++
			}
			// NUL bytes ending the file (a buffer written whole by some
			// tools) are not part of the document: every reader of an
			// instance or wrapper stops at its root's end anyway
			return &document{data: trimTrailingNULs(data), root: string(rest[1:n])}, nil
		default:
			return nil, fmt.Errorf("text (%s…), not an XML document", firstWords(rest))
		}
		skip()
	}
}

// trimTrailingNULs cuts the NUL bytes, and the white space among them,
// that end data, if any.
func trimTrailingNULs(data []byte) []byte {
	t := bytes.TrimRight(data, "\x00 \t\r\n")
	if bytes.IndexByte(data[len(t):], 0) < 0 {
		return data
	}
	return t
}

func firstWords(b []byte) string {
	const max = 24
	s := string(b)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > max {
		s = s[:max]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

// asciiCompatible reports whether enc writes ASCII text as ASCII bytes,
// so that a file of ASCII bytes declaring it reads as UTF-8 (PowerShell
// and .NET write us-ascii and windows-1252 declarations).
func asciiCompatible(enc string) bool {
	switch strings.ToLower(enc) {
	case "us-ascii", "ascii", "iso-8859-1", "latin1", "windows-1252", "cp1252":
		return true
	}
	return false
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func declaredEncoding(decl string) string {
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n=")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	if j := strings.IndexByte(rest[1:], q); j >= 0 {
		return rest[1 : 1+j]
	}
	return ""
}

func fromUTF16(b []byte, bigEndian bool) []byte {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		if bigEndian {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		} else {
			u = append(u, uint16(b[i])|uint16(b[i+1])<<8)
		}
	}
	return []byte(string(utf16.Decode(u)))
}

// wrapper is the ConfigMgr 2007 / MDT template form of a task sequence
// package: its properties as elements, the sequence inside SequenceData.
type wrapper struct {
	PackageID    string `xml:"PackageID"`
	Name         string `xml:"Name"`
	Description  string `xml:"Description"`
	Category     string `xml:"Category"`
	BootImageID  string `xml:"BootImageID"`
	Duration     string `xml:"Duration"`
	SequenceData struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"SequenceData"`
}

func (ex *Export) readWrapper(name string, data []byte) error {
	var w wrapper
	if err := xml.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("%s: invalid <SmsTaskSequencePackage>: %w", name, err)
	}
	inner := bytes.TrimSpace(w.SequenceData.Inner)
	if len(inner) == 0 {
		return fmt.Errorf("%s: <SmsTaskSequencePackage> %q has no <SequenceData>", name, w.Name)
	}
	q, err := model.Parse(inner)
	if err != nil {
		return fmt.Errorf("%s: SequenceData: %w", name, err)
	}
	d, _ := strconv.Atoi(strings.TrimSpace(w.Duration))
	s := &Sequence{Source: name, PackageID: strings.TrimSpace(w.PackageID), Name: w.Name,
		Description: w.Description, Category: w.Category, BootImageID: strings.TrimSpace(w.BootImageID), Duration: d, Sequence: q,
		text: string(inner)}
	if s.Name == "" { // a template without one: named after its file
		s.Name, s.NamedAfterFile = bareName(name), true
	}
	ex.Sequences = append(ex.Sequences, s)
	return nil
}
