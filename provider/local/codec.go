package local

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/tsctl/tsctl/provider"
)

// Records are stored in a compact binary form: a version byte, then the
// instance. Sequences of tens of kilobytes decode without unescaping.
//
//	instance := class:str count:uvarint (name:str value)*
//	value    := tag:byte payload
//	str      := len:uvarint bytes
const recordVersion = 2

const (
	tagNull byte = iota
	tagString
	tagInt
	tagTrue
	tagFalse
	tagStrings
	tagObject
	tagObjects
)

func encode(in *provider.Instance) ([]byte, error) {
	b := make([]byte, 0, 256)
	b = append(b, recordVersion)
	return appendInstance(b, in)
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendInstance(b []byte, in *provider.Instance) ([]byte, error) {
	b = appendStr(b, in.Class)
	b = binary.AppendUvarint(b, uint64(len(in.Props)))
	for k, v := range in.Props {
		b = appendStr(b, k)
		switch t := v.(type) {
		case nil:
			b = append(b, tagNull)
		case string:
			b = appendStr(append(b, tagString), t)
		case int64:
			b = binary.AppendVarint(append(b, tagInt), t)
		case int:
			b = binary.AppendVarint(append(b, tagInt), int64(t))
		case bool:
			if t {
				b = append(b, tagTrue)
			} else {
				b = append(b, tagFalse)
			}
		case []string:
			b = binary.AppendUvarint(append(b, tagStrings), uint64(len(t)))
			for _, s := range t {
				b = appendStr(b, s)
			}
		case *provider.Instance:
			var err error
			if b, err = appendInstance(append(b, tagObject), t); err != nil {
				return nil, err
			}
		case []*provider.Instance:
			b = binary.AppendUvarint(append(b, tagObjects), uint64(len(t)))
			for _, o := range t {
				var err error
				if b, err = appendInstance(b, o); err != nil {
					return nil, err
				}
			}
		default:
			return nil, fmt.Errorf("property %s of %s: unsupported value type %T", k, in.Class, v)
		}
	}
	return b, nil
}

var errCorrupt = errors.New("corrupt object record")

type reader struct {
	b    []byte
	err  error
	skip map[string]bool // top-level string properties to step over unread
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) str() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errCorrupt
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) skipStr() {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errCorrupt
		return
	}
	r.b = r.b[n:]
}

func (r *reader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = errCorrupt
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// count reads a length and checks it against the bytes left, so a corrupt
// record cannot make the decoder allocate without bound.
func (r *reader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) || n > math.MaxInt32 {
		r.err = errCorrupt
		return 0
	}
	return int(n)
}

func decode(b []byte) (*provider.Instance, error) { return decodeSkipping(b, nil) }

// decodeSkipping decodes a record without the top-level string properties
// named in skip (a sequence's XML when only its references are wanted).
func decodeSkipping(b []byte, skip map[string]bool) (*provider.Instance, error) {
	if len(b) == 0 || b[0] != recordVersion {
		return nil, fmt.Errorf("%w: unknown record version", errCorrupt)
	}
	r := &reader{b: b[1:], skip: skip}
	in := r.instance(0)
	if r.err != nil {
		return nil, r.err
	}
	return in, nil
}

func (r *reader) instance(depth int) *provider.Instance {
	if depth > 32 {
		r.err = errCorrupt
		return nil
	}
	in := provider.New(r.str())
	n := r.count()
	for i := 0; i < n && r.err == nil; i++ {
		k := r.str()
		switch r.byte() {
		case tagNull:
			in.Props[k] = nil
		case tagString:
			if depth == 0 && r.skip[k] {
				r.skipStr()
				continue
			}
			in.Props[k] = r.str()
		case tagInt:
			v, m := binary.Varint(r.b)
			if m <= 0 {
				r.err = errCorrupt
				break
			}
			r.b = r.b[m:]
			in.Props[k] = v
		case tagTrue:
			in.Props[k] = true
		case tagFalse:
			in.Props[k] = false
		case tagStrings:
			c := r.count()
			list := make([]string, 0, c)
			for j := 0; j < c && r.err == nil; j++ {
				list = append(list, r.str())
			}
			in.Props[k] = list
		case tagObject:
			in.Props[k] = r.instance(depth + 1)
		case tagObjects:
			c := r.count()
			list := make([]*provider.Instance, 0, c)
			for j := 0; j < c && r.err == nil; j++ {
				list = append(list, r.instance(depth+1))
			}
			in.Props[k] = list
		default:
			r.err = errCorrupt
		}
	}
	return in
}
