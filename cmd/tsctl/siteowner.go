package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tsctl/tsctl/internal/edm"
	"github.com/tsctl/tsctl/internal/facade"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
)

// siteStore is what the site subcommands need of a local site: the site
// itself, or — while "tsctl site serve" holds its store — the server's
// owner route, which runs the same operations on the site it holds.
type siteStore interface {
	Code() string
	Dir() string
	Objects() ([]*provider.Instance, error)
	Locks() (map[string]provider.LockInfo, error)
	FindByName(name string) (string, error)
	Lock(path, user, machine string) error
	Unlock(path string) error
	Delete(ctx context.Context, path string) error
	ApplySeed(seed local.Seed) (local.SeedResult, error)
	AddStubs(stubs []local.Stub) (local.SeedResult, error)
	Close() error
}

var _ siteStore = (*local.Site)(nil)

// ownerPrefix is the path of the owner route. It answers only requests
// from this machine that carry the token of the server's record
// (local.ServeFile, readable by its owner only).
const ownerPrefix = "/tsctl/owner/"

// ownerRequest is the body of an owner route request.
type ownerRequest struct {
	Name    string       `json:"name,omitempty"`
	Path    string       `json:"path,omitempty"`
	User    string       `json:"user,omitempty"`
	Machine string       `json:"machine,omitempty"`
	Seed    *local.Seed  `json:"seed,omitempty"`
	Stubs   []local.Stub `json:"stubs,omitempty"`
}

// ownerReply is the body of an owner route answer.
type ownerReply struct {
	Error   string               `json:"error,omitempty"`
	Code    string               `json:"code,omitempty"`
	Dir     string               `json:"dir,omitempty"`
	Path    string               `json:"path,omitempty"`
	Objects []map[string]any     `json:"objects,omitempty"`
	Locks   map[string]ownerLock `json:"locks,omitempty"`
	Result  *local.SeedResult    `json:"result,omitempty"`
}

type ownerLock struct {
	User    string    `json:"user"`
	Machine string    `json:"machine"`
	Since   time.Time `json:"since"`
}

// ownerHandler runs the site subcommands' operations on the served site.
func ownerHandler(ss *servedSite) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply := func(status int, rep ownerReply) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(rep)
		}
		if r.Method != http.MethodPost || !sameMachine(r) {
			reply(http.StatusForbidden, ownerReply{Error: "the owner route answers tsctl on this machine only"})
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || ss.token == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(ss.token)) != 1 {
			reply(http.StatusUnauthorized, ownerReply{Error: "the owner route needs the token of the server's record"})
			return
		}
		var req ownerRequest
		d := json.NewDecoder(http.MaxBytesReader(w, r.Body, facade.MaxRequestBytes))
		if err := d.Decode(&req); err != nil {
			reply(http.StatusBadRequest, ownerReply{Error: "decode request: " + err.Error()})
			return
		}
		site, err := ss.local(r.Context())
		if err != nil {
			reply(http.StatusServiceUnavailable, ownerReply{Error: err.Error()})
			return
		}
		var rep ownerReply
		switch op := strings.TrimPrefix(r.URL.Path, ownerPrefix); op {
		case "info":
			rep.Code, rep.Dir = site.Code(), site.Dir()
		case "objects":
			var objs []*provider.Instance
			if objs, err = site.Objects(); err == nil {
				for _, o := range objs {
					rep.Objects = append(rep.Objects, edm.ToJSON(o, true))
				}
			}
		case "locks":
			var locks map[string]provider.LockInfo
			if locks, err = site.Locks(); err == nil {
				rep.Locks = map[string]ownerLock{}
				for p, l := range locks {
					rep.Locks[p] = ownerLock{User: l.User, Machine: l.Machine, Since: l.Since}
				}
			}
		case "find":
			rep.Path, err = site.FindByName(req.Name)
		case "lock":
			err = site.Lock(req.Path, req.User, req.Machine)
		case "unlock":
			err = site.Unlock(req.Path)
		case "delete":
			err = site.Delete(r.Context(), req.Path)
		case "seed":
			if req.Seed == nil {
				req.Seed = &local.Seed{}
			}
			var res local.SeedResult
			res, err = site.ApplySeed(*req.Seed)
			rep.Result = &res
		case "stubs":
			var res local.SeedResult
			res, err = site.AddStubs(req.Stubs)
			rep.Result = &res
		default:
			reply(http.StatusNotFound, ownerReply{Error: "no owner operation " + op})
			return
		}
		if err != nil {
			reply(http.StatusConflict, ownerReply{Error: err.Error()})
			return
		}
		reply(http.StatusOK, rep)
	})
}

// sameMachine reports whether r comes from this machine: from loopback,
// or from the address it reached the server on.
func sameMachine(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if lh, _, err := net.SplitHostPort(la.String()); err == nil {
			return ip.Equal(net.ParseIP(lh))
		}
	}
	return false
}

// servedStore reaches a site through the owner route of the server that
// holds it.
type servedStore struct {
	rec  local.ServeRecord
	base string // https://HOST:PORT/tsctl/owner/
	http *http.Client
	code string
	dir  string
}

func openServed(rec local.ServeRecord) (*servedStore, error) {
	u, err := url.Parse(rec.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("the server record names no URL: %q", rec.URL)
	}
	if host, port, err := net.SplitHostPort(u.Host); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			u.Host = net.JoinHostPort("127.0.0.1", port)
		}
	}
	tr := &http.Transport{Proxy: nil}
	if u.Scheme == "https" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		pool.AppendCertsFromPEM([]byte(rec.CertPEM))
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	s := &servedStore{rec: rec, base: u.Scheme + "://" + u.Host + ownerPrefix, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
	var rep ownerReply
	if err := s.call("info", ownerRequest{}, &rep); err != nil {
		return nil, err
	}
	s.code, s.dir = rep.Code, rep.Dir
	return s, nil
}

func (s *servedStore) call(op string, req ownerRequest, rep *ownerReply) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	hr, err := http.NewRequest(http.MethodPost, s.base+op, bytes.NewReader(body))
	if err != nil {
		return err
	}
	hr.Header.Set("Authorization", "Bearer "+s.rec.Token)
	hr.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(hr)
	if err != nil {
		return fmt.Errorf("reach %s: %w", s.rec, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("reach %s: %w", s.rec, err)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(rep); err != nil {
		return fmt.Errorf("%s answered HTTP %d: %s", s.rec, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if rep.Error != "" {
		return fmt.Errorf("%s", rep.Error)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered HTTP %d", s.rec, resp.StatusCode)
	}
	return nil
}

func (s *servedStore) Code() string { return s.code }
func (s *servedStore) Dir() string  { return s.dir }
func (s *servedStore) Close() error { s.http.CloseIdleConnections(); return nil }

func (s *servedStore) Objects() ([]*provider.Instance, error) {
	var rep ownerReply
	if err := s.call("objects", ownerRequest{}, &rep); err != nil {
		return nil, err
	}
	out := make([]*provider.Instance, 0, len(rep.Objects))
	for _, m := range rep.Objects {
		out = append(out, edm.FromJSON("", m))
	}
	return out, nil
}

func (s *servedStore) Locks() (map[string]provider.LockInfo, error) {
	var rep ownerReply
	if err := s.call("locks", ownerRequest{}, &rep); err != nil {
		return nil, err
	}
	out := map[string]provider.LockInfo{}
	for p, l := range rep.Locks {
		out[p] = provider.LockInfo{State: provider.LockAssigned, User: l.User, Machine: l.Machine, Site: s.code, Since: l.Since}
	}
	return out, nil
}

func (s *servedStore) FindByName(name string) (string, error) {
	var rep ownerReply
	err := s.call("find", ownerRequest{Name: name}, &rep)
	return rep.Path, err
}

func (s *servedStore) Lock(path, user, machine string) error {
	return s.call("lock", ownerRequest{Path: path, User: user, Machine: machine}, &ownerReply{})
}

func (s *servedStore) Unlock(path string) error {
	return s.call("unlock", ownerRequest{Path: path}, &ownerReply{})
}

func (s *servedStore) Delete(_ context.Context, path string) error {
	return s.call("delete", ownerRequest{Path: path}, &ownerReply{})
}

func (s *servedStore) ApplySeed(seed local.Seed) (local.SeedResult, error) {
	var rep ownerReply
	err := s.call("seed", ownerRequest{Seed: &seed}, &rep)
	if rep.Result == nil {
		return local.SeedResult{}, err
	}
	return *rep.Result, err
}

func (s *servedStore) AddStubs(stubs []local.Stub) (local.SeedResult, error) {
	var rep ownerReply
	err := s.call("stubs", ownerRequest{Stubs: stubs}, &rep)
	if rep.Result == nil {
		return local.SeedResult{}, err
	}
	return *rep.Result, err
}
