package adminservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/tsxml"
)

// Handler serves a provider.Site behind the AdminService WMI routes —
// collection and keyed GETs with $filter/$select, POST/PUT/DELETE and
// static methods — so that the client above is exercised end to end over
// real HTTP. Requests are served concurrently (a Site is safe for
// concurrent use). site returns the site to serve; it is called once a
// request's body has been read, so that whatever it takes (the store,
// opened once by "tsctl site serve") is never held while a client sends.
// The handler never closes it. Bodies are limited to MaxRequestBytes (413
// beyond) and decoded token by token.
func Handler(site func(context.Context) (provider.Site, error)) http.Handler {
	return &server{site: site}
}

type server struct {
	site func(context.Context) (provider.Site, error)
}

var (
	routeKeyed  = regexp.MustCompile(`^/AdminService/wmi/(\w+)\('((?:[^']|'')*)'\)$`)
	routeMethod = regexp.MustCompile(`^/AdminService/wmi/(\w+)\.(\w+)$`)
	routeClass  = regexp.MustCompile(`^/AdminService/wmi/(\w+)$`)
	filterTerm  = regexp.MustCompile(`^(\w+) eq '((?:[^']|'')*)'$`)
)

// sequenceXML annotates the SMS_TaskSequence objects this server hands out
// with their content, which it reads back when the object is passed in.
const sequenceXML = "@tsctl.sequenceXml"

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.URL.Path == "/AdminService/wmi/$metadata" {
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write([]byte(metadata))
		return
	}
	p := r.URL.Path
	// Read the body first: a slow client holds nothing but its own request.
	var body map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		var err error
		if body, err = decodeBody(w, r); err != nil {
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
	switch {
	case r.Method == http.MethodGet && routeClass.MatchString(p):
		class := routeClass.FindStringSubmatch(p)[1]
		if class == "SMS_Site" {
			writeJSON(w, 200, map[string]any{"value": []any{map[string]any{"SiteCode": site.Code()}}})
			return
		}
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
			out[i] = ToJSON(in, false)
		}
		writeJSON(w, 200, map[string]any{"value": out})
	case r.Method == http.MethodGet && routeKeyed.MatchString(p):
		m := routeKeyed.FindStringSubmatch(p)
		in, err := site.Get(ctx, provider.Path(m[1], keyName(m[1]), strings.ReplaceAll(m[2], "''", "'")))
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, 200, map[string]any{"value": []any{ToJSON(in, false)}})
	case (r.Method == http.MethodPost && routeClass.MatchString(p)) || (r.Method == http.MethodPut && routeKeyed.MatchString(p)):
		class := ""
		if m := routeClass.FindStringSubmatch(p); m != nil {
			class = m[1]
		} else {
			class = routeKeyed.FindStringSubmatch(p)[1]
		}
		in := FromJSON(class, body)
		in.Class = class
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
		if r.Method == http.MethodPost {
			status = 201
		}
		writeJSON(w, status, ToJSON(got, false))
	case r.Method == http.MethodDelete && routeKeyed.MatchString(p):
		m := routeKeyed.FindStringSubmatch(p)
		if err := site.Delete(ctx, provider.Path(m[1], keyName(m[1]), strings.ReplaceAll(m[2], "''", "'"))); err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(204)
	case r.Method == http.MethodPost && routeMethod.MatchString(p):
		m := routeMethod.FindStringSubmatch(p)
		in := map[string]any{}
		for k, v := range body {
			val := valueFromJSON(v)
			if o, ok := val.(*provider.Instance); ok {
				o.Handle = nil
				if x, ok := v.(map[string]any)[sequenceXML].(string); ok {
					q, err := tsxml.Parse([]byte(x))
					if err != nil {
						writeError(w, &provider.Error{Kind: provider.KindInvalid, Op: m[2], Msg: "TaskSequence: " + err.Error()})
						return
					}
					o.Handle = q
				}
			}
			in[k] = val
		}
		out, err := site.ExecMethod(ctx, m[1], m[2], in)
		if err != nil {
			writeError(w, err)
			return
		}
		res := map[string]any{}
		for k, v := range out {
			if o, ok := v.(*provider.Instance); ok {
				j := ToJSON(&provider.Instance{Class: o.Class, Props: o.Props}, true)
				if q, ok := o.Handle.(*tsxml.Sequence); ok {
					j[sequenceXML] = tsxml.MarshalString(q)
				}
				res[k] = j
				continue
			}
			res[k] = valueToJSON(v)
		}
		writeJSON(w, 200, res)
	default:
		writeError(w, &provider.Error{Kind: provider.KindNotFound, Op: r.Method + " " + p, Msg: "no such route"})
	}
}

func keyName(class string) string {
	switch class {
	case "SMS_ApplicationLatest":
		return "CI_ID"
	}
	return "PackageID"
}

func keyed(class string, where map[string]string) bool {
	keys := keyProps[class]
	if keys == nil {
		keys = []string{keyName(class)}
	}
	for _, k := range keys {
		if _, ok := where[k]; !ok {
			return false
		}
	}
	return len(where) == len(keys)
}

func pathFromWhere(class string, where map[string]string) string {
	keys := keyProps[class]
	if keys == nil {
		keys = []string{keyName(class)}
	}
	var kv []string
	for _, k := range keys {
		kv = append(kv, k, where[k])
	}
	return provider.Path(class, kv...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

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

// metadata is a minimal $metadata document naming the classes and actions served.
const metadata = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
<Schema Namespace="AdminService" xmlns="http://docs.oasis-open.org/odata/ns/edm">
<EntityType Name="SMS_TaskSequencePackage"><Key><PropertyRef Name="PackageID"/></Key><Property Name="PackageID" Type="Edm.String" Nullable="false"/></EntityType>
<EntityType Name="SMS_Package"><Key><PropertyRef Name="PackageID"/></Key><Property Name="PackageID" Type="Edm.String" Nullable="false"/></EntityType>
<ComplexType Name="SMS_TaskSequence"><Property Name="SchemaVersion" Type="Edm.String"/></ComplexType>
<Action Name="ImportSequence" IsBound="false"><Parameter Name="SequenceXML" Type="Edm.String"/><ReturnType Type="AdminService.SMS_TaskSequence"/></Action>
<Action Name="SetSequence" IsBound="false"><Parameter Name="TaskSequencePackage" Type="AdminService.SMS_TaskSequencePackage"/><Parameter Name="TaskSequence" Type="AdminService.SMS_TaskSequence"/></Action>
<Action Name="GetLockInformation" IsBound="false"><Parameter Name="ObjectRelPath" Type="Edm.String"/></Action>
</Schema></edmx:DataServices></edmx:Edmx>
`
