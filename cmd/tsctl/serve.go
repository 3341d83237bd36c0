package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/spnego"

	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/adminservice"
	"github.com/tsctl/tsctl/provider/local"
)

// ServePasswordEnv holds the password "tsctl site serve --user" requires.
const ServePasswordEnv = "TSCTL_SERVE_PASSWORD"

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
	certOut := fs.String("cert-out", "", "write the generated certificate (PEM) here, for clients' --ca-file")
	urlOut := fs.String("url-out", "", "write the site URL here once listening")
	allowRemote := fs.Bool("allow-remote", false, "allow a non-loopback listen address")
	certFile := fs.String("cert", "", "serve this certificate (PEM) instead of a generated one; needs --key")
	keyFile := fs.String("key", "", "private key (PEM) of --cert")
	user := fs.String("user", "", "require HTTP Basic authentication as this user, with the password in $"+ServePasswordEnv)
	readOnly := fs.Bool("read-only", false, "refuse every change with 403, like an account whose role can only read")
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
	h, err := serveHandler(o)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, ErrorLog: log.New(c.stderr, "tsctl: serve: ", 0)}
	if srv.TLSConfig, err = serveTLS(o); err != nil {
		c.errorf("%v", err)
		return exitError
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	scheme := "http"
	if srv.TLSConfig != nil {
		ln, scheme = tls.NewListener(ln, srv.TLSConfig), "https"
	}
	if !local.Exists(o.dir) {
		c.notef("no site in %s yet: the first request creates one", o.dir)
	}
	siteURL := fmt.Sprintf("%s://%s/AdminService", scheme, ln.Addr().String())
	if *urlOut != "" {
		if err := writeFileAtomic(*urlOut, []byte(siteURL)); err != nil {
			c.errorf("%v", err)
			return exitError
		}
	}
	c.notef("serving %s at %s (Ctrl-C stops)", o.dir, siteURL)
	switch {
	case srv.TLSConfig == nil:
	case o.certFile != "":
		c.notef("certificate: %s; clients trust it (or its issuer) with --ca-file or $TSCTL_CA_FILE", o.certFile)
	case o.certOut != "":
		c.notef("certificate: %s (generated for this run); clients trust it with --ca-file %s or TSCTL_CA_FILE=%s", o.certOut, o.certOut, o.certOut)
	default:
		c.notef("certificate: generated for this run and kept in memory; restart with --cert-out FILE to write it, and give clients --ca-file FILE")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		c.errorf("%v", err)
		return exitError
	}
	return exitOK
}

// serveHandler is the AdminService routes over the local site, with the
// faults of $TSCTL_LOCAL_FAULTS inside it and the access rules asked for.
func serveHandler(o serveOptions) (http.Handler, error) {
	faults, err := local.FaultsFromEnv()
	if err != nil {
		return nil, err
	}
	open := func() (provider.Site, error) {
		return local.Open(o.dir, local.Options{Faults: faults, Timeout: 60 * time.Second})
	}
	h := adminservice.Handler(open)
	if o.readOnly {
		h = adminservice.ReadOnly(h)
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
		h = adminservice.RequireBasic(h, o.user, pw)
	case o.keytab != "":
		kt, err := keytab.Load(o.keytab)
		if err != nil {
			return nil, fmt.Errorf("read keytab %s: %w", o.keytab, err)
		}
		h = spnego.SPNEGOKRB5Authenticate(h, kt)
	}
	return h, nil
}

// serveTLS is the server's TLS configuration: the given certificate, or a
// generated one (written to --cert-out); nil without TLS.
func serveTLS(o serveOptions) (*tls.Config, error) {
	if (o.certFile == "") != (o.keyFile == "") {
		return nil, fmt.Errorf("--cert and --key go together")
	}
	if !o.tls {
		return nil, nil
	}
	var cert tls.Certificate
	if o.certFile != "" {
		var err error
		if cert, err = tls.LoadX509KeyPair(o.certFile, o.keyFile); err != nil {
			return nil, fmt.Errorf("load certificate: %w", err)
		}
	} else {
		now := time.Now()
		c, pemBytes, _, err := selfSigned(o.host, now.Add(-time.Hour), now.Add(30*24*time.Hour))
		if err != nil {
			return nil, fmt.Errorf("generate certificate: %w", err)
		}
		if o.certOut != "" {
			if err := writeFileAtomic(o.certOut, pemBytes); err != nil {
				return nil, err
			}
		}
		cert = c
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// selfSigned makes a certificate for host and loopback names, valid from
// notBefore to notAfter, and returns it with its PEM and its key's PEM.
func selfSigned(host string, notBefore, notAfter time.Time) (cert tls.Certificate, certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "tsctl local site"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
	}
	if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() {
		tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
	} else if ip == nil && host != "" && host != "localhost" {
		tmpl.DNSNames = append(tmpl.DNSNames, host)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, certPEM, keyPEM, nil
}
