package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/spnego"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/facade"
	"github.com/tsctl/tsctl/internal/pace"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
)

// ServePasswordEnv holds the password "tsctl site serve --user" requires.
const ServePasswordEnv = "TSCTL_SERVE_PASSWORD"

// Time limits of the served site. A client must send a request's headers
// within serveHeaderTimeout and the whole request (a body is at most
// facade.MaxRequestBytes) within serveReadTimeout; an answer must be
// taken within serveWriteTimeout of the headers (it covers the call's own
// work, injected latency and a pause= fault, which waits at most a minute);
// an idle kept-alive connection is closed after serveIdleTimeout.
const (
	serveHeaderTimeout = 10 * time.Second
	serveReadTimeout   = time.Minute
	serveWriteTimeout  = 5 * time.Minute
	serveIdleTimeout   = 2 * time.Minute
)

// serveGCPercent is the collector's pace in "tsctl site serve" (GOGC):
// the heap may grow to five times what is live before it collects.
const serveGCPercent = 400

// serveOptions are the flags of "tsctl site serve".
type serveOptions struct {
	dir, listen, host          string
	tls, readOnly              bool
	certFile, keyFile, certOut string
	user, keytab               string
}

// siteServe puts the local site behind the AdminService routes on loopback.
func (c *cli) siteServe(args []string) int {
	fs := c.flags("site serve", "")
	siteFlag := fs.String("site", "", "local site to serve (default "+DefaultSite+")")
	listen := fs.String("listen", "127.0.0.1:8443", "address to listen on; port 0 picks a free one")
	useTLS := fs.Bool("tls", true, "serve HTTPS with a freshly generated certificate (clients trust it with --ca-file)")
	certOut := fs.String("cert-out", "", "write the certificate clients should trust (PEM: the generated CA, or --cert) here, for their --ca-file")
	urlOut := fs.String("url-out", "", "write the site URL here once listening")
	allowRemote := fs.Bool("allow-remote", false, "allow a non-loopback listen address")
	certFile := fs.String("cert", "", "serve this certificate (PEM) instead of a generated one; needs --key")
	keyFile := fs.String("key", "", "private key (PEM) of --cert")
	user := fs.String("user", "", "require HTTP Basic authentication as this user, with the password in $"+ServePasswordEnv)
	readOnly := fs.Bool("read-only", false, "refuse every change with 403, like an account whose role can only read; opens an existing site read-only and creates nothing")
	keytabFile := fs.String("keytab", "", "require Kerberos (SPNEGO, as IIS's Windows authentication) with this service keytab")
	if !c.parse(fs, args, 0, 0) {
		return c.parseExit(fs)
	}
	o := serveOptions{dir: strings.TrimPrefix(c.localSiteURL(*siteFlag), "local:"), listen: *listen, tls: *useTLS,
		readOnly: *readOnly, certFile: *certFile, keyFile: *keyFile, certOut: *certOut, user: *user, keytab: *keytabFile}
	host, _, err := net.SplitHostPort(o.listen)
	if err != nil {
		c.errorf("--listen %q: %v", o.listen, err)
		return exitError
	}
	o.host = host
	if ip := net.ParseIP(host); !*allowRemote && (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		c.errorf("--listen %s is not a loopback address; the local site is for tests and demos", o.listen)
		c.hint("use 127.0.0.1, or pass --allow-remote if you really mean it")
		return exitError
	}
	// What the server keeps is small (the store is mapped, not on the
	// heap) and each request allocates its body and answer: collected at
	// the default pace, that was a seventh of its CPU in an apply. The
	// soft memory limit still bounds the heap; a GOGC the user set wins.
	pace.SetServing(serveGCPercent)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if c.serveCtx != nil {
		ctx = c.serveCtx
	}
	ss, err := c.newServer(o)
	if err != nil {
		c.fail(err)
		return exitError
	}
	defer ss.close()
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	scheme := "http"
	if ss.srv.TLSConfig != nil {
		ln, scheme = tls.NewListener(ln, ss.srv.TLSConfig), "https"
	}
	if !local.Exists(o.dir) {
		c.notef("no site in %s yet: the first request creates one", o.dir)
	}
	ss.site.url = fmt.Sprintf("%s://%s/AdminService", scheme, ln.Addr().String())
	if *urlOut != "" {
		if err := writeFileAtomic(*urlOut, []byte(ss.site.url)); err != nil {
			c.errorf("%v", err)
			return exitError
		}
	}
	c.notef("serving %s at %s (Ctrl-C stops)", o.dir, ss.site.url)
	switch {
	case ss.srv.TLSConfig == nil:
	case o.certFile != "":
		c.notef("certificate: %s; clients trust it (or its issuer) with --ca-file or $TSCTL_CA_FILE", o.certFile)
	case o.certOut != "":
		c.notef("certificate: issued by the CA in %s (generated for this run); clients trust it with --ca-file %s or TSCTL_CA_FILE=%s", o.certOut, o.certOut, o.certOut)
	default:
		c.notef("certificate: generated for this run and kept in memory; restart with --cert-out FILE to write its CA, and give clients --ca-file FILE")
	}
	shutDown := make(chan struct{})
	go func() {
		defer close(shutDown)
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = ss.srv.Shutdown(shut)
	}()
	if err := ss.srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		c.errorf("%v", err)
		return exitError
	}
	// Serve returns as soon as shutting down begins: the store is closed
	// (by the deferred close) only once the requests in flight are done.
	<-shutDown
	return exitOK
}

// server is a configured "tsctl site serve": its HTTP server and the site
// it serves.
type server struct {
	srv  *http.Server
	site *servedSite
}

func (s *server) close() { s.site.close() }

// newServer builds the server for o: the site (opened at once when
// read-only, else on the first request that needs it), the routes with
// their access rules, TLS and the time limits.
func (c *cli) newServer(o serveOptions) (*server, error) {
	faults, err := local.FaultsFromEnv()
	if err != nil {
		return nil, err
	}
	ss := &servedSite{dir: o.dir, readOnly: o.readOnly, opts: local.Options{Faults: faults, Timeout: 60 * time.Second, ReadOnly: o.readOnly}}
	if o.readOnly {
		// Read-only creates nothing: the site must exist, and is opened
		// read-only now, so that a missing one is said before listening.
		if !local.Exists(o.dir) {
			return nil, diag.WithHint(fmt.Errorf("no site in %s to serve read-only (--read-only creates nothing)", o.dir),
				"create it first with tsctl site init --site local:"+o.dir)
		}
		if _, err := ss.get(context.Background()); err != nil {
			return nil, err
		}
	}
	h, err := serveHandler(o, ss)
	if err != nil {
		ss.close()
		return nil, err
	}
	tlsc, caPEM, err := serveTLS(o)
	if err != nil {
		ss.close()
		return nil, err
	}
	ss.certPEM = string(caPEM)
	srv := &http.Server{
		Handler:           h,
		TLSConfig:         tlsc,
		ReadHeaderTimeout: serveHeaderTimeout,
		ReadTimeout:       serveReadTimeout,
		WriteTimeout:      serveWriteTimeout,
		IdleTimeout:       serveIdleTimeout,
		MaxHeaderBytes:    256 << 10, // room for Kerberos tickets of users in many groups
		ErrorLog:          log.New(c.stderr, "tsctl: serve: ", 0),
	}
	return &server{srv: srv, site: ss}, nil
}

// servedSite is the local site behind the server: opened once, on the
// first request that needs it (so that the folder can still be prepared
// with tsctl site init before), and kept open until the server stops.
// While it is open, a record in the site's folder (local.ServeFile) tells
// other tsctl commands that the server holds the store and how to reach
// its owner route.
type servedSite struct {
	dir      string
	readOnly bool
	opts     local.Options
	url      string // the AdminService URL, once listening
	certPEM  string // what clients trust, when TLS
	token    string // the owner route's bearer token

	mu   sync.Mutex
	site *local.Site
}

func (s *servedSite) get(ctx context.Context) (provider.Site, error) {
	ls, err := s.local(ctx)
	if err != nil {
		return nil, err
	}
	return ls, nil
}

func (s *servedSite) local(ctx context.Context) (*local.Site, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.site != nil {
		return s.site, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	site, err := local.Open(s.dir, s.opts)
	if err != nil {
		return nil, err
	}
	if !s.readOnly && s.url != "" {
		host, _ := os.Hostname()
		rec := local.ServeRecord{PID: int64(os.Getpid()), Machine: host, User: local.CurrentUser(), Since: time.Now().UTC().Truncate(time.Second),
			URL: s.url, CertPEM: s.certPEM, Token: s.token}
		if err := local.WriteServeRecord(s.dir, rec); err != nil {
			site.Close()
			return nil, fmt.Errorf("record the server in %s: %w", s.dir, err)
		}
	}
	s.site = site
	return site, nil
}

func (s *servedSite) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.site == nil {
		return
	}
	if !s.readOnly {
		local.RemoveServeRecord(s.dir)
	}
	s.site.Close()
	s.site = nil
}

// serveHandler is the AdminService routes over the local site, with the
// faults of $TSCTL_LOCAL_FAULTS inside it and the access rules asked for;
// beside them, the owner route through which tsctl's site commands reach
// the site while the server holds it.
func serveHandler(o serveOptions, ss *servedSite) (http.Handler, error) {
	h := facade.Handler(ss.get)
	if o.readOnly {
		h = facade.ReadOnly(h)
	}
	switch {
	case o.user != "" && o.keytab != "":
		return nil, fmt.Errorf("--keytab and --user each set the authentication; give one")
	case o.user != "":
		pw := os.Getenv(ServePasswordEnv)
		if pw == "" {
			return nil, fmt.Errorf("--user %s needs a password in $%s", o.user, ServePasswordEnv)
		}
		if !o.tls {
			return nil, fmt.Errorf("--user needs TLS: Basic authentication sends the password in the clear")
		}
		h = facade.LimitAuthFailures(facade.RequireBasic(h, o.user, pw))
	case o.keytab != "":
		kt, err := keytab.Load(o.keytab)
		if err != nil {
			return nil, fmt.Errorf("read keytab %s: %w", o.keytab, err)
		}
		h = facade.LimitAuthFailures(spnego.SPNEGOKRB5Authenticate(h, kt))
	}
	if o.readOnly {
		return h, nil // nothing to change, so no owner route
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	ss.token = hex.EncodeToString(b[:])
	mux := http.NewServeMux()
	mux.Handle(ownerPrefix, ownerHandler(ss))
	mux.Handle("/", h)
	return mux, nil
}
