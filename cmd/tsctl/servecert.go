package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"
)

// serveTLS is the server's TLS configuration and the PEM clients trust
// (--cert-out): the given certificate, or a generated one; nil without TLS.
func serveTLS(o serveOptions) (*tls.Config, []byte, error) {
	if (o.certFile == "") != (o.keyFile == "") {
		return nil, nil, fmt.Errorf("--cert and --key go together")
	}
	if !o.tls {
		return nil, nil, nil
	}
	var cert tls.Certificate
	var trust []byte
	if o.certFile != "" {
		var err error
		if cert, err = tls.LoadX509KeyPair(o.certFile, o.keyFile); err != nil {
			return nil, nil, fmt.Errorf("load certificate: %w", err)
		}
		if trust, err = os.ReadFile(o.certFile); err != nil {
			return nil, nil, fmt.Errorf("load certificate: %w", err)
		}
	} else {
		now := time.Now()
		sc, err := newServeCert(serveNames(o.host), now.Add(-time.Hour), now.Add(30*24*time.Hour))
		if err != nil {
			return nil, nil, fmt.Errorf("generate certificate: %w", err)
		}
		cert, trust = sc.cert, sc.caPEM
	}
	if o.certOut != "" {
		if err := writeFileAtomic(o.certOut, trust); err != nil {
			return nil, nil, err
		}
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, trust, nil
}

// certNames are the names a server certificate holds.
type certNames struct {
	dns []string
	ips []net.IP
}

// serveNames are the names clients reach a server listening on host by:
// a loopback listener is reached as localhost, 127.0.0.1 and ::1; one on
// every interface (0.0.0.0, ::, or no host) by this machine's name, its
// addresses and loopback; any other by the name or address given.
func serveNames(host string) certNames {
	var n certNames
	loopback := func() {
		n.dns = append(n.dns, "localhost")
		n.ips = append(n.ips, net.ParseIP("127.0.0.1"), net.ParseIP("::1"))
	}
	ip := net.ParseIP(host)
	switch {
	case host == "" || ip != nil && ip.IsUnspecified():
		loopback()
		if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
			n.dns = append(n.dns, h)
		}
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if in, ok := a.(*net.IPNet); ok && !in.IP.IsLoopback() && !in.IP.IsLinkLocalUnicast() {
					n.ips = append(n.ips, in.IP)
				}
			}
		}
	case host == "localhost" || ip != nil && ip.IsLoopback():
		loopback()
		if ip != nil && !ip.Equal(net.ParseIP("127.0.0.1")) && !ip.Equal(net.ParseIP("::1")) {
			n.ips = append(n.ips, ip)
		}
	case ip != nil:
		n.ips = append(n.ips, ip)
	default:
		n.dns = append(n.dns, host)
	}
	return n
}

// serveCert is a generated server certificate: a leaf for the server's
// names, issued by a CA made for it alone, whose key is discarded once the
// leaf is signed (it can sign nothing else) and whose name constraints
// allow only those names. Clients trust the CA (caPEM).
type serveCert struct {
	cert         tls.Certificate // the leaf and the CA, with the leaf's key
	caPEM        []byte
	leafPEM      []byte // the leaf then the CA
	leafKeyPEM   []byte
	leaf, issuer *x509.Certificate
}

func newServeCert(names certNames, notBefore, notAfter time.Time) (*serveCert, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial := func() *big.Int {
		n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
		return n
	}
	var ranges []*net.IPNet
	for _, ip := range names.ips {
		bits := 128
		if ip.To4() != nil {
			ip, bits = ip.To4(), 32
		}
		ranges = append(ranges, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
	}
	host, _ := os.Hostname()
	caTmpl := &x509.Certificate{
		SerialNumber:                serial(),
		Subject:                     pkix.Name{CommonName: "tsctl site serve CA (" + host + ", " + time.Now().UTC().Format("2006-01-02 15:04") + ")"},
		NotBefore:                   notBefore,
		NotAfter:                    notAfter,
		KeyUsage:                    x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		IsCA:                        true,
		BasicConstraintsValid:       true,
		MaxPathLenZero:              true,
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         names.dns,
		PermittedIPRanges:           ranges,
	}
	if len(names.dns) == 0 {
		// No name may be used: exclude every DNS name rather than allow all.
		caTmpl.ExcludedDNSDomains = []string{""}
	}
	if len(ranges) == 0 {
		caTmpl.ExcludedIPRanges = []*net.IPNet{{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}, {IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)}}
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	cn := "localhost"
	if len(names.dns) > 0 {
		cn = names.dns[len(names.dns)-1]
	} else if len(names.ips) > 0 {
		cn = names.ips[0].String()
	}
	leafTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  false,
		DNSNames:              names.dns,
		IPAddresses:           names.ips,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		return nil, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return &serveCert{
		cert:       tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey, Leaf: leaf},
		caPEM:      caPEM,
		leafPEM:    append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), caPEM...),
		leafKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		leaf:       leaf,
		issuer:     ca,
	}, nil
}
