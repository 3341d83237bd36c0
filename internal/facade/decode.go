package facade

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

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
// slices, strings, json.Number, bools and nils, token by token: memory
// stays within a small multiple of the body, whatever its shape.
func decodeBody(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	if r.ContentLength > MaxRequestBytes {
		return nil, errBodyTooLarge
	}
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	d.UseNumber()
	b := &bodyDecoder{d: d}
	v, err := b.value(0)
	if err == nil {
		if _, ok := v.(map[string]any); !ok {
			err = fmt.Errorf("the body is not a JSON object")
		} else if _, extra := d.Token(); extra != io.EOF {
			err = fmt.Errorf("unexpected data after the JSON object")
		}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errBodyTooLarge
	}
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: "decode request", Msg: err.Error()}
	}
	return v.(map[string]any), nil
}

type bodyDecoder struct {
	d      *json.Decoder
	values int
}

func (b *bodyDecoder) value(depth int) (any, error) {
	if b.values++; b.values > maxBodyValues {
		return nil, fmt.Errorf("more than %d values", maxBodyValues)
	}
	t, err := b.d.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	d, ok := t.(json.Delim)
	if !ok {
		return t, nil
	}
	if depth >= maxBodyDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxBodyDepth)
	}
	switch d {
	case '{':
		m := map[string]any{}
		for b.d.More() {
			k, err := b.d.Token()
			if err != nil {
				return nil, err
			}
			key, _ := k.(string)
			v, err := b.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m[key] = v
		}
		if _, err := b.d.Token(); err != nil { // '}'
			return nil, err
		}
		return m, nil
	case '[':
		list := []any{}
		for b.d.More() {
			v, err := b.value(depth + 1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		if _, err := b.d.Token(); err != nil { // ']'
			return nil, err
		}
		return list, nil
	}
	return nil, fmt.Errorf("unexpected %v", d)
}
