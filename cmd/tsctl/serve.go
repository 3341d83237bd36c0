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
	url := c.localSiteURL(*siteFlag)
	dir := strings.TrimPrefix(url, "local:")
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		c.errorf("--listen %q: %v", *listen, err)
		return exitError
	}
	if ip := net.ParseIP(host); !*allowRemote && (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		c.errorf("--listen %s is not a loopback address; the local site is for tests and demos", *listen)
		c.hint("use 127.0.0.1, or pass --allow-remote if you really mean it")
		return exitError
	}
	faults, err := local.FaultsFromEnv()
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	open := func() (provider.Site, error) {
		return local.Open(dir, local.Options{Faults: faults, Timeout: 60 * time.Second})
	}
	h := adminservice.Handler(open)
	if *readOnly {
		h = adminservice.ReadOnly(h)
	}
	if *user != "" {
		pw := os.Getenv(ServePasswordEnv)
		if pw == "" {
			c.errorf("--user %s needs a password in $%s", *user, ServePasswordEnv)
			return exitError
		}
		if !*useTLS {
			c.errorf("--user needs TLS: Basic authentication sends the password in the clear")
			return exitError
		}
		h = adminservice.RequireBasic(h, *user, pw)
	}
	if *keytabFile != "" {
		if *user != "" {
			c.errorf("--keytab and --user each set the authentication; give one")
			return exitError
		}
		kt, err := keytab.Load(*keytabFile)
		if err != nil {
			c.errorf("read keytab %s: %v", *keytabFile, err)
			return exitError
		}
		h = spnego.SPNEGOKRB5Authenticate(h, kt)
	}
	if (*certFile == "") != (*keyFile == "") {
		c.errorf("--cert and --key go together")
		return exitError
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second,
		ErrorLog: log.New(c.stderr, "tsctl: serve: ", 0)}
	scheme := "http"
	if *useTLS {
		var cert tls.Certificate
		if *certFile != "" {
			if cert, err = tls.LoadX509KeyPair(*certFile, *keyFile); err != nil {
				c.errorf("load certificate: %v", err)
				return exitError
			}
		} else {
			var pemBytes []byte
			now := time.Now()
			if cert, pemBytes, _, err = selfSigned(host, now.Add(-time.Hour), now.Add(30*24*time.Hour)); err != nil {
				c.errorf("generate certificate: %v", err)
				return exitError
			}
			if *certOut != "" {
				if err := writeFileAtomic(*certOut, pemBytes); err != nil {
					c.errorf("%v", err)
					return exitError
				}
			}
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	if srv.TLSConfig != nil {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	if !local.Exists(dir) {
		c.notef("no site in %s yet: the first request creates one", dir)
	}
	siteURL := fmt.Sprintf("%s://%s/AdminService", scheme, ln.Addr().String())
	if *urlOut != "" {
		if err := writeFileAtomic(*urlOut, []byte(siteURL)); err != nil {
			c.errorf("%v", err)
			return exitError
		}
	}
	c.notef("serving %s at %s (Ctrl-C stops)", dir, siteURL)
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
