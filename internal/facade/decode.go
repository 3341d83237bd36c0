package facade

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/tsctl/tsctl/internal/jsonvalue"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/provider"
)

// MaxRequestBytes is the largest request body the served site reads: a
// sequence's XML is at most 2 MB once stored (internal/model), and JSON
// escaping makes it at most six times longer (every '<' as \u003c), which
// with the package's properties stays far below this.
const MaxRequestBytes = 16 << 20

// Limits of the shapes the served site decodes: properties, embedded
// objects (a method's TaskSequencePackage with its References, a
// TaskSequence's Steps, a group's Steps within) and arrays of values. A
// sequence nests its steps at most model.MaxDepth elements deep, each
// group two JSON levels (its object and its Steps array), so a body deeper
// than that, or with more values than a real request could have, is
// refused before it costs memory.
const (
	maxBodyDepth  = 2*model.MaxDepth + 8
	maxBodyValues = 200_000
)

// errBodyTooLarge is a request body over MaxRequestBytes.
var errBodyTooLarge = errors.New("request body too large")

// decodeBody reads a JSON object from the request, at most MaxRequestBytes
// (a larger Content-Length is refused before anything is read), into maps,
// slices, strings, json.Number, bools and nils. The body is read into
// memory (at most MaxRequestBytes), its shape checked by a scan that
// allocates nothing (checkShape: no deeper than maxBodyDepth, no more
// than maxBodyValues values), and only then decoded: memory stays within
// a small multiple of the body, whatever its shape, and a body a real
// request has is decoded in one pass (internal/jsonvalue: the values
// encoding/json's Decoder with UseNumber reads, at a fraction of its CPU)
// rather than token by token.
//
// take, when not nil, is shown the body's object members and may take
// them whole (jsonvalue.DecodeObjectMembers).
func decodeBody(w http.ResponseWriter, r *http.Request, take jsonvalue.Taker) (map[string]any, error) {
	if r.ContentLength > MaxRequestBytes {
		return nil, errBodyTooLarge
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // keep the buffers of ordinary requests only
			buf.Reset()
			bodyBuffers.Put(buf)
		}
	}()
	buf.Reset()
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errBodyTooLarge
	}
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: "decode request", Msg: err.Error()}
	}
	v, err := decodeObject(buf.Bytes(), take)
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: "decode request", Msg: err.Error()}
	}
	return v, nil
}

var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// decodeObject decodes one JSON object, of a shape checkShape accepts,
// its object members shown to take when it is not nil.
func decodeObject(data []byte, take jsonvalue.Taker) (map[string]any, error) {
	if err := checkShape(data); err != nil {
		return nil, err
	}
	if take != nil {
		return jsonvalue.DecodeObjectMembers(data, take)
	}
	v, err := jsonvalue.Decode(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the body is not a JSON object")
	}
	return m, nil
}

// checkShape refuses a JSON text of more than maxBodyValues values or
// nested deeper than maxBodyDepth (shape).
func checkShape(data []byte) error {
	_, _, err := shape(data, maxBodyValues, maxBodyDepth)
	return err
}

// shape counts the values of a JSON text (objects, arrays and scalars; not
// object keys) and the levels of objects and arrays, refusing more than
// maxValues values or an object or array opened within maxDepth others.
// It checks nothing else: a text that is not JSON is refused by the
// decoder after it, and for one that is, the counts are exact (strings,
// escapes included, are skipped whole).
func shape(data []byte, maxValues, maxDepth int) (values, levels int, err error) {
	depth := 0
	// inObject[d] says the container at depth d is an object; key says the
	// next string is an object's key, not a value (after '{', or after ','
	// in an object).
	inObject := make([]bool, maxDepth+1)
	key := false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case ' ', '\t', '\n', '\r', ':':
		case '"':
			i = stringEnd(data, i+1)
			if key {
				key = false
				continue
			}
			if values++; values > maxValues {
				return values, levels, fmt.Errorf("more than %d values", maxValues)
			}
		case '{', '[':
			if values++; values > maxValues {
				return values, levels, fmt.Errorf("more than %d values", maxValues)
			}
			if depth >= maxDepth {
				return values, levels, fmt.Errorf("nested deeper than %d levels", maxDepth)
			}
			depth++
			levels = max(levels, depth)
			inObject[depth] = c == '{'
			key = c == '{'
		case '}', ']':
			if depth > 0 {
				depth--
			}
			key = false
		case ',':
			key = inObject[depth]
		default:
			// A number or a literal: one value, up to the next delimiter.
			for i+1 < len(data) && !delimiter(data[i+1]) {
				i++
			}
			if values++; values > maxValues {
				return values, levels, fmt.Errorf("more than %d values", maxValues)
			}
		}
	}
	return values, levels, nil
}

// stringEnd returns the index of the '"' that ends the string whose
// content starts at data[start] (a quote after an even run of
// backslashes, none counting beyond start: a backslash escapes the byte
// after it), or len(data). It finds each quote with bytes.IndexByte: a
// sequence's XML has a quote every twenty bytes and nothing else to stop
// at.
func stringEnd(data []byte, start int) int {
	for i := start; ; i++ {
		j := bytes.IndexByte(data[i:], '"')
		if j < 0 {
			return len(data)
		}
		i += j
		k := i
		for k > start && data[k-1] == '\\' {
			k--
		}
		if (i-k)%2 == 0 {
			return i
		}
	}
}

func delimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', ':', '[', ']', '{', '}', '"':
		return true
	}
	return false
}
