package exportfile

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/tsctl/tsctl/internal/diag"
)

// MaxNameLength is the longest sequence name a configuration holds, in
// characters (the schema's maxLength).
const MaxNameLength = 100

// bareName names a sequence read from a bare document after its file, or,
// for an MDT ts.xml, after the folder holding it (the task sequence ID).
// The name is one a configuration holds: a control character becomes
// "_", bytes that are not UTF-8 become U+FFFD, and a name longer than
// MaxNameLength characters is cut there.
func bareName(source string) string {
	p := strings.ReplaceAll(source, `\`, "/")
	if i := strings.LastIndex(p, "!"); i >= 0 {
		p = p[i+1:]
	}
	base := path.Base(p)
	name := strings.TrimSuffix(base, path.Ext(base))
	if strings.EqualFold(base, "ts.xml") {
		if dir := path.Base(path.Dir(p)); dir != "." && dir != "/" {
			name = dir
		}
	}
	if name == "" {
		name = base // ".xml"
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(name, "\uFFFD"))
	return cut(name, MaxNameLength)
}

// cut returns s cut to at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if n == 0 {
			i = k
			break
		}
		n--
	}
	return s[:i]
}

// Settle makes seqs one configuration's sequences, in which tsctl knows a
// sequence by its name (compared without case, as a site compares names):
//
//   - a sequence read twice (its PackageID again, from another file or zip
//     member) is kept once when it is the same in every property and
//     step, and is an error otherwise (two versions of one sequence);
//   - a sequence named after its file (a bare <sequence> document or an
//     MDT ts.xml, whose name tsctl makes up) whose name is taken takes the
//     first free "NAME (2)", "NAME (3)"…, in the order read, after every
//     sequence that has a name of its own;
//   - two sequences that have names of their own (from a site) and share
//     one are an error: tsctl keeps one object per name.
//
// It returns the sequences kept, in the order read, and a note for each
// sequence dropped or renamed.
func Settle(seqs []*Sequence) (kept []*Sequence, notes []string, err error) {
	byID := map[string]*Sequence{}
	for _, s := range seqs {
		if s.PackageID == "" {
			kept = append(kept, s)
			continue
		}
		id := strings.ToUpper(s.PackageID)
		first, ok := byID[id]
		if !ok {
			byID[id] = s
			kept = append(kept, s)
			continue
		}
		if !sameSequence(first, s) {
			return nil, nil, diag.WithHint(fmt.Errorf("sequence %s is read twice with different content: %q from %s and %q from %s",
				s.PackageID, first.Name, first.Source, s.Name, s.Source),
				"these are two versions of one task sequence, or two sites' sequences that share an ID: convert them one at a time")
		}
		notes = append(notes, fmt.Sprintf("%s: sequence %q (%s) is the one read from %s: converted once", s.Source, s.Name, s.PackageID, first.Source))
	}
	for _, s := range seqs {
		s.text = "" // compared: let it go (a deferred sequence's Load holds its own)
	}

	// Names of their own first, then the names made up, in order.
	taken := map[string]*Sequence{}
	for _, s := range kept {
		if s.NamedAfterFile {
			continue
		}
		key := strings.ToLower(s.Name)
		if first, ok := taken[key]; ok {
			err := fmt.Errorf("2 sequences are named %q: %s and %s", s.Name, readFrom(first), readFrom(s))
			if first.Name != s.Name {
				err = fmt.Errorf("2 sequences have one name, compared without case as a site compares names: %q, %s, and %q, %s",
					first.Name, readFrom(first), s.Name, readFrom(s))
			}
			return nil, nil, diag.WithHint(err, "tsctl keeps one object per name: rename all but one of them on the site, then export them again")
		}
		taken[key] = s
	}
	for _, s := range kept {
		if !s.NamedAfterFile {
			continue
		}
		name := s.Name
		for n := 2; taken[strings.ToLower(name)] != nil; n++ {
			suffix := fmt.Sprintf(" (%d)", n)
			name = cut(s.Name, MaxNameLength-len(suffix)) + suffix
		}
		if name != s.Name {
			first := taken[strings.ToLower(s.Name)]
			notes = append(notes, fmt.Sprintf("%s: sequence named %q: %q is the name of the sequence from %s", s.Source, name, s.Name, first.Source))
			s.Name = name
		}
		taken[strings.ToLower(name)] = s
	}
	return kept, notes, nil
}

// sameSequence reports whether a and b, read with one PackageID, are the
// same sequence in every property and step.
func sameSequence(a, b *Sequence) bool {
	if a.Name != b.Name || a.Description != b.Description || a.Category != b.Category ||
		!strings.EqualFold(a.BootImageID, b.BootImageID) || a.Duration != b.Duration {
		return false
	}
	return a.text == b.text // every reader that keeps a PackageID keeps the text
}

// readFrom says which sequence s is and where it was read.
func readFrom(s *Sequence) string {
	switch {
	case s.PackageID == "":
		return "the one from " + s.Source
	case strings.HasSuffix(s.Source, s.PackageID): // read from a site, "PS1:PS100001"
		return s.Source
	}
	return s.PackageID + " from " + s.Source
}
