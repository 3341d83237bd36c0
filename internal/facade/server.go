package facade

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/tsctl/tsctl/internal/edm"
	"github.com/tsctl/tsctl/internal/jsonvalue"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// Handler serves a provider.Site behind the AdminService WMI routes —
// collection and keyed GETs with $filter/$select, POST/PUT/DELETE and
// static methods — so that the client above is exercised end to end over
// real HTTP. Requests are served concurrently (a Site is safe for
// concurrent use). A site that tells when an object's answer may have
// changed (local.Site.GetSince) has the answers of keyed GETs kept and
// served again while its store is unchanged (answers). site returns the site to serve; it is called once a
// request's body has been read, so that whatever it takes (the store,
// opened once by "tsctl site serve") is never held while a client sends.
// The handler never closes it. Bodies are limited to MaxRequestBytes (413
// beyond) and decoded token by token.
func Handler(site func(context.Context) (provider.Site, error)) http.Handler {
	return &server{site: site}
}

type server struct {
	site      func(context.Context) (provider.Site, error)
	handedOut handedOut // the SMS_TaskSequence objects ImportSequence answered with
	answers   answers   // the entities keyed GETs answered with
}

var (
	routeBound  = regexp.MustCompile(`^/AdminService/wmi/(\w+)\((.+)\)/AdminService\.(\w+)$`)
	routeKeyed  = regexp.MustCompile(`^/AdminService/wmi/(\w+)\((.+)\)$`)
	routeMethod = regexp.MustCompile(`^/AdminService/wmi/(\w+)\.(\w+)$`)
	routeClass  = regexp.MustCompile(`^/AdminService/wmi/(\w+)$`)
	filterTerm  = regexp.MustCompile(`^(\w+) eq '((?:[^']|'')*)'$`)
	keyTerm     = regexp.MustCompile(`^(?:(\w+)=)?(?:'((?:[^']|'')*)'|(-?\d+))$`)
)

// sequenceXML annotates the SMS_TaskSequence objects this server hands out
// with their content, which it reads back when the object is passed in. A
// real site rebuilds the sequence from the typed Steps; this façade checks
// that the Steps come back exactly as it handed them out.
const sequenceXML = "@tsctl.sequenceXml"

// route is a request path resolved against the schema, names in their
// declared case whatever case the request used.
type route struct {
	class  string            // entity set (or the method's class)
	method string            // method, for Class.Method and Class(key)/AdminService.Method
	keys   map[string]string // for Class(key)
}

// resolve matches p against the routes; an unknown entity set, abstract
// class or method is a 404, as on a real site.
func resolve(p string) (route, error) {
	notFound := func(what string) (route, error) {
		return route{}, &provider.Error{Kind: provider.KindNotFound, Op: "resolve " + p, Msg: what}
	}
	if m := routeBound.FindStringSubmatch(p); m != nil {
		t := edm.Lookup(m[1])
		a, ok := edm.Bound(m[1], m[3])
		if t == nil || !t.Set || !ok {
			return notFound("no action " + m[3] + " bound to " + m[1])
		}
		keys, err := parseKey(t, m[2])
		if err != nil {
			return route{}, &provider.Error{Kind: provider.KindInvalid, Op: "resolve " + p, Msg: err.Error()}
		}
		return route{class: t.Name, method: a.Name, keys: keys}, nil
	}
	if m := routeMethod.FindStringSubmatch(p); m != nil {
		a, ok := edm.Action(m[1] + "." + m[2])
		if !ok {
			return notFound("no action import " + m[1] + "." + m[2])
		}
		class, method, _ := strings.Cut(a, ".")
		return route{class: class, method: method}, nil
	}
	m := routeKeyed.FindStringSubmatch(p)
	if m == nil {
		m = routeClass.FindStringSubmatch(p)
	}
	if m == nil {
		return notFound("no such route")
	}
	t := edm.Lookup(m[1])
	if t == nil || !t.Set {
		return notFound("no entity set " + m[1])
	}
	r := route{class: t.Name}
	if len(m) == 3 {
		keys, err := parseKey(t, m[2])
		if err != nil {
			return route{}, &provider.Error{Kind: provider.KindInvalid, Op: "resolve " + p, Msg: err.Error()}
		}
		r.keys = keys
	}
	return r, nil
}

// parseKey reads an OData key: 'v', 123, or Name='v',Name2='v2'.
func parseKey(t *edm.Type, s string) (map[string]string, error) {
	names := t.KeyProps()
	keys := map[string]string{}
	parts := splitKey(s)
	if len(parts) != len(names) {
		return nil, fmt.Errorf("%s is keyed by %s", t.Name, strings.Join(names, ", "))
	}
	for i, part := range parts {
		m := keyTerm.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("invalid key %q", part)
		}
		name := names[i]
		if m[1] != "" {
			canon, _ := t.Prop(m[1])
			if canon == "" {
				return nil, fmt.Errorf("%s is not a key of %s", m[1], t.Name)
			}
			name = canon
		}
		v := strings.ReplaceAll(m[2], "''", "'")
		if m[3] != "" {
			v = m[3]
		}
		keys[name] = v
	}
	return keys, nil
}

// splitKey splits a key list at the commas outside quotes.
func splitKey(s string) []string {
	var parts []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			quoted = !quoted
		case ',':
			if !quoted {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// pathOf is the WMI path of a keyed route, keys in the schema's order.
func (r route) pathOf() string {
	var kv []string
	for _, k := range edm.Lookup(r.class).KeyProps() {
		kv = append(kv, k, r.keys[k])
	}
	return provider.Path(r.class, kv...)
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if strings.EqualFold(r.URL.Path, "/AdminService/wmi/$metadata") {
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write([]byte(edm.MetadataXML()))
		return
	}
	rt, err := resolve(r.URL.Path)
	if err != nil {
		writeError(w, err)
		return
	}
	// Read the body first: a slow client holds nothing but its own request.
	var body map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		var err error
		var take jsonvalue.Taker
		if rt.method != "" {
			// An SMS_TaskSequence passed back as it was handed out is
			// taken whole (handedOut), not decoded.
			take = s.handedOut.take
		}
		if body, err = decodeBody(w, r, take); err != nil {
			if errors.Is(err, errBodyTooLarge) {
				w.Header().Set("Connection", "close")
				writeJSONError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
					fmt.Sprintf("the request body is over %d bytes", MaxRequestBytes))
				return
			}
			writeError(w, err)
			return
		}
	}
	site, err := s.site(ctx)
	if err != nil {
		writeError(w, &provider.Error{Kind: provider.KindTransient, Op: "open site", Msg: err.Error()})
		return
	}
	class := rt.class
	switch {
	case r.Method == http.MethodGet && rt.method == "" && rt.keys == nil:
		q := provider.Query{Class: class, Where: map[string]string{}}
		if sel := r.URL.Query().Get("$select"); sel != "" {
			q.Select = strings.Split(sel, ",")
		}
		if f := r.URL.Query().Get("$filter"); f != "" {
			for _, term := range strings.Split(f, " and ") {
				m := filterTerm.FindStringSubmatch(strings.TrimSpace(term))
				if m == nil {
					writeError(w, &provider.Error{Kind: provider.KindInvalid, Op: "query", Msg: "unsupported $filter " + f})
					return
				}
				q.Where[m[1]] = strings.ReplaceAll(m[2], "''", "'")
			}
		}
		list, err := site.Query(ctx, q)
		if err != nil {
			writeError(w, err)
			return
		}
		if len(q.Where) > 0 && keyed(class, q.Where) {
			// A filter on the full key reads the object with its lazy properties.
			if len(list) == 1 {
				path := pathFromWhere(class, q.Where)
				if in, err := site.Get(ctx, path); err == nil {
					list = []*provider.Instance{in}
				}
			}
		}
		out := make([]any, len(list))
		for i, in := range list {
			out[i] = edm.Typed(class, edm.ToJSON(in, false))
		}
		writeJSON(w, 200, map[string]any{"@odata.context": contextURL(r, class), "value": out})
	case r.Method == http.MethodGet && rt.keys != nil && rt.method == "":
		if rs, ok := site.(revisionedSite); ok && class != object.ClassApplication {
			s.getKept(w, r, rs, rt)
			return
		}
		in, err := s.getKeyed(ctx, site, rt)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, 200, map[string]any{"@odata.context": contextURL(r, class), "value": []any{edm.Typed(class, edm.ToJSON(in, false))}})
	case (r.Method == http.MethodPost && rt.method == "") || (r.Method == http.MethodPut && rt.keys != nil && rt.method == ""):
		in := edm.FromJSON(class, body)
		in.Class = class
		for k, v := range rt.keys {
			in.Props[k] = v
		}
		if rt.keys != nil && r.Method == http.MethodPost {
			// POST to an object updates it: it must exist.
			if _, err := s.getKeyed(ctx, site, rt); err != nil {
				writeError(w, err)
				return
			}
		}
		path, err := site.Put(ctx, in)
		if err != nil {
			writeError(w, err)
			return
		}
		got, err := site.Get(ctx, path)
		if err != nil {
			writeError(w, err)
			return
		}
		status := 200
		if rt.keys == nil {
			status = 201
		}
		writeJSON(w, status, edm.Typed(class, edm.ToJSON(got, false)))
	case r.Method == http.MethodDelete && rt.keys != nil && rt.method == "":
		if err := site.Delete(ctx, rt.pathOf()); err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(204)
	case r.Method == http.MethodPost && rt.method != "":
		s.execMethod(w, r, site, rt, body)
	default:
		writeJSONError(w, 405, "MethodNotAllowed", r.Method+" is not allowed on "+r.URL.Path)
	}
}

// getKeyed reads the object a keyed route names; applications are keyed by
// ModelName on a real site and found by it.
func (s *server) getKeyed(ctx context.Context, site provider.Site, rt route) (*provider.Instance, error) {
	if rt.class == object.ClassApplication {
		list, err := site.Query(ctx, provider.Query{Class: rt.class, Where: rt.keys})
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, &provider.Error{Kind: provider.KindNotFound, Op: "Get " + rt.pathOf(), Msg: "object not found"}
		}
		return list[0], nil
	}
	return site.Get(ctx, rt.pathOf())
}

// getKept answers a keyed GET as writeJSON answers the object read, from
// the answer kept for it (answers) while the store has not changed.
func (s *server) getKept(w http.ResponseWriter, r *http.Request, site revisionedSite, rt route) {
	path := rt.pathOf()
	kept := s.answers.get(path)
	in, rev, err := site.GetSince(r.Context(), path, kept.rev)
	if err != nil {
		writeError(w, err)
		return
	}
	entity := kept.entity
	if in != nil {
		if entity, err = jsonvalue.Marshal(edm.Typed(rt.class, edm.ToJSON(in, false))); err != nil {
			writeError(w, fmt.Errorf("encode the answer: %w", err))
			return
		}
		if rev != 0 {
			s.answers.put(path, rev, entity)
		}
	}
	// {"@odata.context":…,"value":[entity]}, keys in writeJSON's order.
	buf := answerBuffers.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= 1<<20 {
			answerBuffers.Put(buf)
		}
	}()
	b := append((*buf)[:0], `{"@odata.context":`...)
	b, _ = jsonvalue.Append(b, contextURL(r, rt.class))
	b = append(b, `,"value":[`...)
	b = append(b, entity...)
	b = append(b, "]}\n"...)
	*buf = b
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(200)
	_, _ = w.Write(b)
}

// execMethod answers POST wmi/<Class>.<Method> (a static method) and POST
// wmi/<Class>(<key>)/AdminService.<Method> (an instance method) as public
// clients observe a site answer: 201 Created with the out-parameters at
// the top level of the body; an SMS_TaskSequence carries its Steps typed
// by @odata.type.
func (s *server) execMethod(w http.ResponseWriter, r *http.Request, site provider.Site, rt route, body map[string]any) {
	in := map[string]any{}
	for k, v := range body {
		if strings.HasPrefix(k, "@") {
			continue
		}
		if e, ok := v.(*handedEntry); ok {
			in[k] = e.instance()
			continue
		}
		val := edm.ValueFromJSON(v)
		if o, ok := val.(*provider.Instance); ok {
			o.Handle = nil
			if x, ok := v.(map[string]any)[sequenceXML].(string); ok {
				q, err := s.sequenceBack(x, v.(map[string]any)["Steps"])
				if err != nil {
					writeError(w, &provider.Error{Kind: provider.KindInvalid, Op: rt.method, Msg: k + ": " + err.Error()})
					return
				}
				o.Handle = q
			}
		}
		in[k] = val
	}
	target := rt.class
	if rt.keys != nil {
		target = rt.pathOf()
	}
	out, err := site.ExecMethod(r.Context(), target, rt.method, in)
	if err != nil {
		writeError(w, err)
		return
	}
	res := map[string]any{"@odata.context": contextURL(r, "AdminService."+rt.class+"."+rt.method)}
	for k, v := range out {
		if o, ok := v.(*provider.Instance); ok {
			j := edm.Typed(o.Class, edm.ToJSON(&provider.Instance{Class: o.Class, Props: o.Props}, true))
			if q, ok := o.Handle.(*model.Sequence); ok {
				// The XML annotated is the one the sequence was parsed
				// from, when the method was given one (ImportSequence's
				// SequenceXML: parsed again, it gives the same sequence),
				// else the sequence written out.
				x, given := in["SequenceXML"].(string)
				if !given || rt.method != "ImportSequence" {
					x = model.MarshalString(q)
				}
				steps := encodeSteps(q.Steps)
				j["Steps"] = jsonvalue.Raw(steps)
				j[sequenceXML] = x
				enc, err := jsonvalue.Marshal(j)
				if err != nil {
					writeError(w, fmt.Errorf("encode the answer: %w", err))
					return
				}
				s.handedOut.put(&handedEntry{class: o.Class, props: maps.Clone(o.Props), xml: x, seq: q, steps: steps, enc: enc})
				res[k] = jsonvalue.Raw(enc)
				continue
			}
			res[k] = j
			continue
		}
		res[k] = edm.ValueToJSON(v)
	}
	writeJSON(w, 201, res)
}

// sequenceBack returns the sequence of an SMS_TaskSequence passed back to
// the façade, by the XML annotated on it, once its Steps are checked to
// be those the façade handed out with that XML: from handedOut when the
// façade handed it out recently, else parsed and rendered again.
func (s *server) sequenceBack(x string, steps any) (*model.Sequence, error) {
	if e, kept := s.handedOut.get(x); kept {
		if !sameEncoding(steps, e.steps) {
			return nil, errStepsChanged
		}
		return e.seq, nil
	}
	q, err := model.Parse([]byte(x))
	if err != nil {
		return nil, err
	}
	if !sameEncoding(steps, encodeSteps(q.Steps)) {
		return nil, errStepsChanged
	}
	return q, nil
}

var errStepsChanged = errors.New("its Steps are not those of the SMS_TaskSequence the site returned")

// contextURL is the @odata.context of an answer.
func contextURL(r *http.Request, what string) string {
	return "https://" + r.Host + "/AdminService/wmi/$metadata#" + what
}

func keyed(class string, where map[string]string) bool {
	keys := object.KeyOf(class)
	for _, k := range keys {
		if _, ok := where[k]; !ok {
			return false
		}
	}
	return len(where) == len(keys)
}

func pathFromWhere(class string, where map[string]string) string {
	var kv []string
	for _, k := range object.KeyOf(class) {
		kv = append(kv, k, where[k])
	}
	return provider.Path(class, kv...)
}

// writeJSON answers v as JSON (internal/jsonvalue: what encoding/json
// writes, without its reflection). '<', '>' and '&' are written as they
// are (a sequence's XML holds a thousand of them, each six bytes once
// escaped, and slower to read back): the answer is application/json,
// never HTML.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := answerBuffers.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= 1<<20 {
			answerBuffers.Put(buf)
		}
	}()
	b, err := jsonvalue.Append((*buf)[:0], v)
	*buf = b
	if err != nil {
		status = 500
		b, _ = jsonvalue.Append(nil, map[string]any{"error": map[string]any{"code": "InternalError", "message": "encode the answer: " + err.Error()}})
	}
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// answerBuffers are the buffers answers are encoded in, up to 1 MiB each
// kept.
var answerBuffers = sync.Pool{New: func() any { return new([]byte) }}

func writeError(w http.ResponseWriter, err error) {
	status, code := 500, "InternalError"
	var pe *provider.Error
	if errors.As(err, &pe) {
		switch pe.Kind {
		case provider.KindNotFound:
			status, code = 404, "NotFound"
		case provider.KindInvalid, provider.KindTooLarge:
			status, code = 400, "BadRequest"
		case provider.KindLocked:
			status, code = 409, "Locked"
		case provider.KindDenied:
			status, code = 403, "Forbidden"
		case provider.KindTransient:
			status, code = 503, "ServiceUnavailable"
		}
	} else if errors.Is(err, context.Canceled) {
		status = 499
	}
	writeJSONError(w, status, code, err.Error())
}
