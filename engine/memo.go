package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"strconv"
	"strings"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/resolve"
)

// Most of a no-op plan's work used to be building each declared sequence
// and writing its XML, only to find it equal to what the site stores. A
// Memo lets a plan skip that for a sequence compared before.
//
// When planning finds a managed sequence's build equal to the XML the site
// stores, it records under the sequence's fingerprint — what the
// configuration says of it (config.Sequence.WriteContent, which leaves out
// where it is written) and whether --replace-secrets is given — every
// question the build asked of the site (each name resolved to a
// PackageID, each program, application and content looked up, each child
// sequence's name and references, whether each name is declared in the
// configuration) with a hash of the answers, and the SHA-256 of the stored
// XML. The memo itself keys entries by the tsctl build too (memo.Identity:
// the step class catalogue and the builder are part of it).
//
// A later plan computes the fingerprint, asks the same questions again and
// hashes the answers: when they hash the same and the site stores XML with
// the same hash, the build would be the same as before and so equal to what
// the site stores. The sequence is then not built, normalised or written.
// Anything else — another configuration, another answer to any question,
// another stored XML — is a miss, and the sequence is planned in full (and
// recorded again when it turns out unchanged). Entries are only ever
// recorded for builds without any diagnostic, and hold no secret: a
// question about a secret records its source, and planning reads no
// secret value.

// Memo keeps entries across runs (internal/memo's Store is the one tsctl
// uses); PlanOptions.Memo turns it on. Safe for concurrent use.
type Memo interface {
	// Get returns the entry recorded under key, nil when there is none.
	Get(key []byte) []byte
	// Put records an entry under key.
	Put(key, value []byte)
}

// memoFormat names the format of fingerprints and entries.
const memoFormat = "tsctl plan memo 2\x00"

// fingerprint is the key of a declared sequence's entry.
func fingerprint(cs *config.Sequence, replaceSecrets bool) []byte {
	h := sha256.New()
	h.Write([]byte(memoFormat))
	h.Write([]byte{boolByte(replaceSecrets)})
	cs.WriteContent(h)
	return h.Sum(nil)
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// Questions a build asks, as recorded.
const (
	askID          = 'I'
	askProgram     = 'P'
	askApplication = 'A'
	askSecret      = 'S'
	askCheckID     = 'C'
	askContent     = 'D'
	askAppName     = 'N'
	askChild       = 'H'
)

// answers writes a question and its answer to a transcript, as recording
// and replaying both do.
type answers struct {
	h hash.Hash
}

func newAnswers() *answers { return &answers{h: sha256.New()} }

func (a *answers) str(s string) {
	var b [binary.MaxVarintLen64]byte
	a.h.Write(b[:binary.PutUvarint(b[:], uint64(len(s)))])
	a.h.Write([]byte(s))
}

func (a *answers) flag(on bool) { a.h.Write([]byte{boolByte(on)}) }

func (a *answers) refs(rs []model.Reference) {
	var b [binary.MaxVarintLen64]byte
	a.h.Write(b[:binary.PutUvarint(b[:], uint64(len(rs)))])
	for _, r := range rs {
		a.str(r.Package)
		a.str(r.Program)
		a.str(r.Application)
	}
}

// asker answers the questions a build asks: the tracker's resolver and the
// state's child lookups, with each answer written to a transcript.
type asker struct {
	r      *resolve.Tracker
	child  model.ChildLookup
	answer *answers
	// clean is false once an answer is one an entry must not hold: an
	// error (the build then reports a diagnostic anyway) or a secret's
	// value.
	clean bool
}

// declared writes whether the configuration declares the object of kind
// named name, for every kind a reference of kind may be.
func (k *asker) declared(kind object.Kind, name string) {
	kinds := []object.Kind{kind}
	if kind == object.Content {
		kinds = object.ContentKinds
	}
	for _, x := range kinds {
		k.answer.flag(k.r.Declared(resolve.Ref{Kind: x, Name: strings.ToLower(name)}))
	}
}

func (k *asker) ask(q byte, args ...string) {
	k.answer.h.Write([]byte{q})
	for _, a := range args {
		k.answer.str(a)
	}
}

func (k *asker) failed(err error) {
	k.answer.flag(err != nil)
	if err != nil {
		k.clean = false
	}
}

func (k *asker) id(kind object.Kind, name string) (string, error) {
	k.ask(askID, kind.String(), name)
	id, err := k.r.ID(kind, name)
	k.answer.str(id)
	k.failed(err)
	k.declared(kind, name)
	return id, err
}

func (k *asker) program(pkg, prog string) error {
	k.ask(askProgram, pkg, prog)
	err := k.r.Program(pkg, prog)
	k.failed(err)
	return err
}

func (k *asker) application(name string) (string, string, error) {
	k.ask(askApplication, name)
	m, d, err := k.r.Application(name)
	k.answer.str(m)
	k.answer.str(d)
	k.failed(err)
	return m, d, err
}

func (k *asker) secret(s config.Secret) (string, error) {
	k.ask(askSecret, s.String())
	v, err := k.r.Secret(s)
	k.failed(err)
	if v != "" {
		k.clean = false // a value: never recorded, not even hashed
	}
	return v, err
}

func (k *asker) checkID(kind object.Kind, id string) error {
	k.ask(askCheckID, kind.String(), id)
	err := k.r.CheckID(kind, id)
	k.failed(err)
	return err
}

func (k *asker) content(name, id string) (desired.ContentInfo, bool) {
	k.ask(askContent, name, id)
	info, ok := k.r.DescribeContent(name, id)
	k.answer.str(info.Name)
	k.answer.str(info.Kind.String())
	k.answer.str(strconv.FormatInt(info.SizeKB, 10))
	k.answer.flag(ok)
	return info, ok
}

func (k *asker) appName(m string) (string, bool) {
	k.ask(askAppName, m)
	name, ok := k.r.AppDisplayName(m)
	k.answer.str(name)
	k.answer.flag(ok)
	return name, ok
}

func (k *asker) lookupChild(id string) (model.Child, bool) {
	k.ask(askChild, id)
	c, ok := k.child(id)
	k.answer.str(c.Name)
	k.answer.refs(c.References)
	k.answer.flag(ok)
	return c, ok
}

// buildRecorder is the resolver a build is given while its questions are
// recorded: each distinct question once, in the order first asked.
type buildRecorder struct {
	k         asker
	seen      map[string]bool
	questions []byte
}

func newRecorder(r *resolve.Tracker, child model.ChildLookup) *buildRecorder {
	return &buildRecorder{k: asker{r: r, child: child, answer: newAnswers(), clean: true}, seen: map[string]bool{}}
}

// note records a question; false when it was asked before (its answer is
// in the transcript already).
func (rc *buildRecorder) note(q byte, args ...string) bool {
	var b []byte
	b = append(b, q)
	for _, a := range args {
		b = binary.AppendUvarint(b, uint64(len(a)))
		b = append(b, a...)
	}
	if rc.seen[string(b)] {
		return false
	}
	rc.seen[string(b)] = true
	rc.questions = append(rc.questions, b...)
	return true
}

// ID implements desired.Resolver.
func (rc *buildRecorder) ID(kind object.Kind, name string) (string, error) {
	if !rc.note(askID, kind.String(), name) {
		return rc.k.r.ID(kind, name)
	}
	return rc.k.id(kind, name)
}

// Program implements desired.Resolver.
func (rc *buildRecorder) Program(pkg, prog string) error {
	if !rc.note(askProgram, pkg, prog) {
		return rc.k.r.Program(pkg, prog)
	}
	return rc.k.program(pkg, prog)
}

// Application implements desired.Resolver.
func (rc *buildRecorder) Application(name string) (string, string, error) {
	if !rc.note(askApplication, name) {
		return rc.k.r.Application(name)
	}
	return rc.k.application(name)
}

// Secret implements desired.Resolver.
func (rc *buildRecorder) Secret(s config.Secret) (string, error) {
	if !rc.note(askSecret, s.String()) {
		v, err := rc.k.r.Secret(s)
		if v != "" || err != nil {
			rc.k.clean = false
		}
		return v, err
	}
	return rc.k.secret(s)
}

// CheckID implements desired.Resolver.
func (rc *buildRecorder) CheckID(kind object.Kind, id string) error {
	if !rc.note(askCheckID, kind.String(), id) {
		return rc.k.r.CheckID(kind, id)
	}
	return rc.k.checkID(kind, id)
}

// DescribeContent implements desired.ContentDescriber.
func (rc *buildRecorder) DescribeContent(name, id string) (desired.ContentInfo, bool) {
	if !rc.note(askContent, name, id) {
		return rc.k.r.DescribeContent(name, id)
	}
	return rc.k.content(name, id)
}

// AppDisplayName implements desired.AppDescriber.
func (rc *buildRecorder) AppDisplayName(m string) (string, bool) {
	if !rc.note(askAppName, m) {
		return rc.k.r.AppDisplayName(m)
	}
	return rc.k.appName(m)
}

// Child is the child lookup normalising is given.
func (rc *buildRecorder) Child(id string) (model.Child, bool) {
	if !rc.note(askChild, id) {
		return rc.k.child(id)
	}
	return rc.k.lookupChild(id)
}

// replay asks the recorded questions again and returns the hash of the
// answers; ok is false when a question cannot be read back.
func replay(k *asker, questions []byte) (sum []byte, ok bool) {
	for len(questions) > 0 {
		q := questions[0]
		questions = questions[1:]
		var args []string
		n := map[byte]int{askID: 2, askProgram: 2, askApplication: 1, askSecret: 1, askCheckID: 2, askContent: 2, askAppName: 1, askChild: 1}[q]
		if n == 0 {
			return nil, false
		}
		for range n {
			l, m := binary.Uvarint(questions)
			if m <= 0 || uint64(len(questions)-m) < l {
				return nil, false
			}
			args = append(args, string(questions[m:m+int(l)]))
			questions = questions[m+int(l):]
		}
		switch q {
		case askID, askCheckID:
			kind, known := object.Parse(args[0])
			if !known {
				return nil, false
			}
			if q == askID {
				k.id(kind, args[1])
			} else {
				k.checkID(kind, args[1])
			}
		case askProgram:
			k.program(args[0], args[1])
		case askApplication:
			k.application(args[0])
		case askSecret:
			// what planning answers for every secret: no value
			k.ask(askSecret, args[0])
			k.failed(nil)
		case askContent:
			k.content(args[0], args[1])
		case askAppName:
			k.appName(args[0])
		case askChild:
			k.lookupChild(args[0])
		}
	}
	return k.answer.h.Sum(nil), k.clean
}

// memoEntry is what a plan records of a declared sequence found equal to
// what the site stores.
type memoEntry struct {
	stored       []byte // SHA-256 of the Sequence XML the site stores
	answers      []byte // SHA-256 of the answers to questions
	refs         []byte // SHA-256 of the references the build derives
	willName     []byte // SHA-256 of what its steps name, disabled ones included, as built
	namesNow     []byte // the same, as the site stores it
	highImpact   bool
	osDeployment bool // a step makes it an OS deployment sequence
	size         int  // bytes of XML the lint counts
	questions    []byte
}

func (m *memoEntry) encode() []byte {
	b := []byte{2}
	for _, h := range [][]byte{m.stored, m.answers, m.refs, m.willName, m.namesNow} {
		b = append(b, h...)
	}
	b = append(b, boolByte(m.highImpact)|boolByte(m.osDeployment)<<1)
	b = binary.AppendUvarint(b, uint64(m.size))
	return append(b, m.questions...)
}

func decodeMemoEntry(b []byte) (*memoEntry, bool) {
	const hashes = 5 * sha256.Size
	if len(b) < 1+hashes+2 || b[0] != 2 {
		return nil, false
	}
	m := &memoEntry{}
	p := b[1:]
	for _, h := range []*[]byte{&m.stored, &m.answers, &m.refs, &m.willName, &m.namesNow} {
		*h, p = p[:sha256.Size:sha256.Size], p[sha256.Size:]
	}
	m.highImpact, m.osDeployment = p[0]&1 != 0, p[0]&2 != 0
	size, n := binary.Uvarint(p[1:])
	if n <= 0 {
		return nil, false
	}
	m.size, m.questions = int(size), p[1+n:]
	return m, true
}

func sumOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func refsSum(rs []model.Reference) []byte {
	a := newAnswers()
	a.refs(rs)
	return a.h.Sum(nil)
}
