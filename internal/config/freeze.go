package config

import (
	"encoding/binary"
	"io"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/tsctl/tsctl/internal/diag"
)

// A loaded configuration keeps every step of every sequence for the whole
// run, and at thousands of sequences the decoded steps — a struct, strings
// and slices each — were most of a plan's memory (about 30 KB a sequence
// of 50 steps). So a sequence keeps its steps frozen: as soon as they are
// decoded they are encoded into one slice of bytes (a few kilobytes,
// without pointers for the collector to follow), and Steps thaws them,
// each time it is called, into Steps whose strings, bodies and conditions
// share those bytes. Thawing takes a few allocations per sequence; the
// callers that walk a sequence's steps do so once or twice a run.
//
// Like a step's body, the frozen form is two streams: content (kinds,
// names, options, bodies' content, children) and positions (each step's,
// attribute's and lint entry's line and column, and the bodies'
// positions). WriteContent writes the content alone: what the sequence
// says, whatever lines it is written on.

// frozenSteps are a sequence's steps, frozen.
type frozenSteps struct {
	content, pos []byte
	count        int // steps and groups in the tree
	deps         []string
	stepLint     bool // a step or group has lint: ignore entries
	// secrets are the sequence's secrets once Secrets has listed them
	secrets atomic.Pointer[[]Secret]
}

// Step flags.
const (
	flagNamed = 1 << iota
	flagEnabled
	flagContinueOnError
	flagRetryCount
	flagLayout
)

// stepKindCode is the code of a step's kind in the frozen form: its
// index in words().kinds + 1, 0 for none (only a step reported without a
// kind has none).
func stepKindCode(kind string) byte {
	for i, k := range words().kinds {
		if k == kind {
			return byte(i + 1)
		}
	}
	return 0
}

// Steps returns the sequence's steps: decoded afresh from the frozen form
// on each call once the sequence is frozen. Callers keep the result for as
// long as they need it; steps of two calls are equal but not the same.
func (s *Sequence) Steps() []*Step {
	if s.frozen == nil {
		return s.steps
	}
	return s.frozen.thaw(s.Pos.File, s.Pos.Line)
}

// freeze encodes the sequence's steps and drops the decoded ones.
func (s *Sequence) freeze() {
	f := freezer{line: s.Pos.Line}
	f.list(s.steps)
	fs := &frozenSteps{count: f.count, deps: dependencies(s.steps)}
	Walk(s.steps, func(st *Step) { fs.stepLint = fs.stepLint || len(st.Lint) > 0 })
	// one allocation, without spare capacity, for the whole run
	buf := make([]byte, 0, len(f.c)+len(f.p))
	buf = append(append(buf, f.c...), f.p...)
	fs.content, fs.pos = buf[:len(f.c):len(f.c)], buf[len(f.c):]
	s.frozen, s.steps = fs, nil
}

type freezer struct {
	c, p  []byte
	line  int
	count int
}

func (f *freezer) position(p diag.Pos) {
	f.p = binary.AppendVarint(f.p, int64(p.Line-f.line))
	f.p = binary.AppendUvarint(f.p, uint64(p.Col))
	f.line = p.Line
}

func (f *freezer) uvarint(n int) { f.c = binary.AppendUvarint(f.c, uint64(n)) }

func (f *freezer) bytes(content, pos []byte) {
	f.c = appendString(f.c, unsafe.String(unsafe.SliceData(content), len(content)))
	f.p = appendString(f.p, unsafe.String(unsafe.SliceData(pos), len(pos)))
}

func (f *freezer) attributes(as []Attribute) {
	f.uvarint(len(as))
	for _, a := range as {
		f.c = appendWord(appendWord(f.c, a.Name), a.Value)
		f.c = append(f.c, boolByte(a.Absent))
		f.position(a.Pos)
	}
}

func (f *freezer) lint(ls []LintIgnore) {
	f.uvarint(len(ls))
	for _, l := range ls {
		f.c = appendString(appendString(f.c, l.Code), l.Reason)
		f.position(l.Pos)
	}
}

func (f *freezer) list(steps []*Step) {
	f.uvarint(len(steps))
	for _, st := range steps {
		f.step(st)
	}
}

func (f *freezer) step(st *Step) {
	f.count++
	flags := byte(0)
	for _, b := range []struct {
		on   bool
		flag byte
	}{{st.Named, flagNamed}, {st.Enabled, flagEnabled}, {st.ContinueOnError, flagContinueOnError}, {st.RetryCount != nil, flagRetryCount}, {st.Layout != nil, flagLayout}} {
		if b.on {
			flags |= b.flag
		}
	}
	f.c = append(f.c, stepKindCode(st.Kind), flags)
	f.position(st.Pos)
	f.c = appendWord(appendWord(appendWord(f.c, st.Name), st.Description), st.RunIn)
	f.uvarint(st.TimeoutSeconds)
	f.uvarint(len(st.SuccessCodes))
	for _, c := range st.SuccessCodes {
		f.c = binary.AppendVarint(f.c, int64(c))
	}
	if st.RetryCount != nil {
		f.uvarint(*st.RetryCount)
	}
	f.bytes(st.body, st.bodyPos)
	f.bytes(st.cond, st.condPos)
	f.attributes(st.Attributes)
	if st.Layout != nil {
		f.uvarint(len(st.Layout))
		for _, l := range st.Layout {
			f.c = appendWord(f.c, l)
		}
	}
	f.attributes(st.Properties)
	f.lint(st.Lint)
	f.list(st.Steps)
}

// thaw decodes the frozen steps of a sequence written in file, whose own
// line is line.
func (fs *frozenSteps) thaw(file string, line int) []*Step {
	w := words()
	t := thawer{c: fs.content, p: fs.pos, file: file, line: line, words: w.list, kinds: w.kinds,
		slab: make([]Step, fs.count), ptrs: make([]*Step, fs.count)}
	return t.list()
}

type thawer struct {
	c, p   []byte
	ci, pi int
	file   string
	line   int
	words  []string
	kinds  []string
	slab   []Step  // every step of the tree, in one allocation
	ptrs   []*Step // every list of the tree, in one allocation
}

func (t *thawer) uvarint() int {
	v, n := binary.Uvarint(t.c[t.ci:])
	t.ci += n
	return int(v)
}

func (t *thawer) varint() int {
	v, n := binary.Varint(t.c[t.ci:])
	t.ci += n
	return int(v)
}

func (t *thawer) str() string {
	l := t.uvarint()
	if l == 0 {
		return ""
	}
	s := unsafe.String(&t.c[t.ci], l)
	t.ci += l
	return s
}

func (t *thawer) word() string {
	v := t.uvarint()
	if v&1 == 1 {
		return t.words[v>>1]
	}
	l := v >> 1
	if l == 0 {
		return ""
	}
	s := unsafe.String(&t.c[t.ci], l)
	t.ci += l
	return s
}

// bytes returns the next length-prefixed content and position slices (nil
// when empty), capped so that nothing can append into the frozen form.
func (t *thawer) bytes() (content, pos []byte) {
	l := t.uvarint()
	if l > 0 {
		content = t.c[t.ci : t.ci+l : t.ci+l]
	}
	t.ci += l
	v, n := binary.Uvarint(t.p[t.pi:])
	t.pi += n
	if v > 0 {
		pos = t.p[t.pi : t.pi+int(v) : t.pi+int(v)]
	}
	t.pi += int(v)
	return content, pos
}

func (t *thawer) position() diag.Pos {
	dl, n := binary.Varint(t.p[t.pi:])
	t.pi += n
	col, n := binary.Uvarint(t.p[t.pi:])
	t.pi += n
	t.line += int(dl)
	return diag.Pos{File: t.file, Line: t.line, Col: int(col)}
}

func (t *thawer) attributes() []Attribute {
	n := t.uvarint()
	if n == 0 {
		return nil
	}
	out := make([]Attribute, n)
	for i := range out {
		out[i] = Attribute{Name: t.word(), Value: t.word()}
		out[i].Absent = t.c[t.ci] == 1
		t.ci++
		out[i].Pos = t.position()
	}
	return out
}

func (t *thawer) lint() []LintIgnore {
	n := t.uvarint()
	if n == 0 {
		return nil
	}
	out := make([]LintIgnore, n)
	for i := range out {
		out[i] = LintIgnore{Code: t.str(), Reason: t.str(), Pos: t.position()}
	}
	return out
}

func (t *thawer) list() []*Step {
	n := t.uvarint()
	if n == 0 {
		return nil
	}
	list := t.ptrs[:n:n]
	t.ptrs = t.ptrs[n:]
	for i := range list {
		st := &t.slab[0]
		t.slab = t.slab[1:]
		t.step(st)
		list[i] = st
	}
	return list
}

func (t *thawer) step(st *Step) {
	kind, flags := t.c[t.ci], t.c[t.ci+1]
	t.ci += 2
	if kind > 0 {
		st.Kind = t.kinds[kind-1]
	}
	st.Named, st.Enabled, st.ContinueOnError = flags&flagNamed != 0, flags&flagEnabled != 0, flags&flagContinueOnError != 0
	st.Pos, st.File = t.position(), t.file
	st.Name, st.Description, st.RunIn = t.word(), t.word(), t.word()
	st.TimeoutSeconds = t.uvarint()
	if n := t.uvarint(); n > 0 {
		st.SuccessCodes = make([]int, n)
		for i := range st.SuccessCodes {
			st.SuccessCodes[i] = t.varint()
		}
	}
	if flags&flagRetryCount != 0 {
		n := t.uvarint()
		st.RetryCount = &n
	}
	st.body, st.bodyPos = t.bytes()
	st.cond, st.condPos = t.bytes()
	st.Attributes = t.attributes()
	if flags&flagLayout != 0 {
		st.Layout = make([]string, t.uvarint())
		for i := range st.Layout {
			st.Layout[i] = t.word()
		}
	}
	st.Properties = t.attributes()
	st.Lint = t.lint()
	st.Steps = t.list()
}

// WriteContent writes what the sequence says — its fields, lint entries
// and every step, body and condition — and nothing of where it is written
// (file, lines, columns): two sequences write the same bytes exactly when
// they say the same.
func (s *Sequence) WriteContent(w io.Writer) {
	var b []byte
	b = appendString(b, "sequence/1")
	for _, v := range []string{s.Name, s.Description, s.Category, s.BootImage} {
		b = appendString(b, v)
	}
	flags := byte(0)
	for i, on := range []bool{s.BootImageByID, s.Absent, s.HasSteps} {
		if on {
			flags |= 1 << i
		}
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(s.MaxRunTime))
	b = binary.AppendUvarint(b, uint64(len(s.GlobalVars)))
	for _, g := range s.GlobalVars {
		b = appendString(appendString(appendString(b, g.Name), g.Property), g.Value)
	}
	b = binary.AppendUvarint(b, uint64(len(s.Attributes)))
	for _, a := range s.Attributes {
		b = appendString(appendString(b, a.Name), a.Value)
		b = append(b, boolByte(a.Absent))
	}
	b = binary.AppendUvarint(b, uint64(len(s.Lint)))
	for _, l := range s.Lint {
		b = appendString(appendString(b, l.Code), l.Reason)
	}
	w.Write(b)
	content := s.frozenContent()
	w.Write(binary.AppendUvarint(nil, uint64(len(content))))
	w.Write(content)
}

// frozenContent is the content stream of the sequence's steps (frozen
// once, for a sequence not frozen yet).
func (s *Sequence) frozenContent() []byte {
	if s.frozen != nil {
		return s.frozen.content
	}
	f := freezer{line: s.Pos.Line}
	f.list(s.steps)
	return f.c
}

// dependencies lists the names of the sequences steps run with Run Task
// Sequence steps, in step order without duplicates.
func dependencies(steps []*Step) []string {
	var out []string
	seen := map[string]bool{}
	Walk(steps, func(st *Step) {
		if n := st.ChildName(); st.Kind == "runTaskSequence" && n != "" && !seen[strings.ToLower(n)] {
			seen[strings.ToLower(n)] = true
			out = append(out, n)
		}
	})
	return out
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
