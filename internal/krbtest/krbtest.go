package krbtest

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// Realm, User: who the tickets are for.
const (
	Realm = "EXAMPLE.TEST"
	User  = "cm-automation"
)

// Files are the paths Write created.
type Files struct {
	Keytab string // the service's keys (site serve --keytab)
	CCache string // the user's tickets (KRB5CCNAME)
	Config string // krb5.conf (KRB5_CONFIG)
	Key    *keytab.Keytab
}

// Write creates the files in dir for the service principal spn (for
// example HTTP/127.0.0.1), with a fresh random service key.
func Write(dir, spn string) (*Files, error) {
	now := time.Now().UTC().Truncate(time.Second)
	end := now.Add(8 * time.Hour)
	aes := etypeID.AES256_CTS_HMAC_SHA1_96
	svc := keytab.New()
	if err := svc.AddEntry(spn, Realm, rand.Text(), now, 1, aes); err != nil {
		return nil, err
	}
	tgs := keytab.New()
	if err := tgs.AddEntry("krbtgt/"+Realm, Realm, rand.Text(), now, 1, aes); err != nil {
		return nil, err
	}
	user := types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, User)
	flags := types.NewKrbFlags()
	tgtName := types.NewPrincipalName(nametype.KRB_NT_SRV_INST, "krbtgt/"+Realm)
	tgt, tgtKey, err := messages.NewTicket(user, Realm, tgtName, Realm, flags, tgs, aes, 1, now, now, end, end)
	if err != nil {
		return nil, fmt.Errorf("make a TGT: %w", err)
	}
	svcName := types.NewPrincipalName(nametype.KRB_NT_SRV_INST, spn)
	st, stKey, err := messages.NewTicket(user, Realm, svcName, Realm, flags, svc, aes, 1, now, now, end, end)
	if err != nil {
		return nil, fmt.Errorf("make a service ticket: %w", err)
	}
	var cc ccacheWriter
	cc.header(user)
	if err := cc.credential(user, tgtName, tgtKey, now, end, tgt); err != nil {
		return nil, err
	}
	if err := cc.credential(user, svcName, stKey, now, end, st); err != nil {
		return nil, err
	}
	kt, err := svc.Marshal()
	if err != nil {
		return nil, err
	}
	f := &Files{Keytab: filepath.Join(dir, "service.keytab"), CCache: filepath.Join(dir, "krb5cc"),
		Config: filepath.Join(dir, "krb5.conf"), Key: svc}
	conf := "[libdefaults]\n default_realm = " + Realm + "\n udp_preference_limit = 1\n" +
		"[realms]\n " + Realm + " = {\n  kdc = 127.0.0.1:1\n }\n"
	for path, b := range map[string][]byte{f.Keytab: kt, f.CCache: cc.Bytes(), f.Config: []byte(conf)} {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// ccacheWriter writes the MIT credential cache format, version 4.
type ccacheWriter struct{ bytes.Buffer }

func (w *ccacheWriter) u16(v uint16) { _ = binary.Write(w, binary.BigEndian, v) }
func (w *ccacheWriter) u32(v uint32) { _ = binary.Write(w, binary.BigEndian, v) }
func (w *ccacheWriter) data(b []byte) {
	w.u32(uint32(len(b)))
	w.Write(b)
}

func (w *ccacheWriter) principal(p types.PrincipalName) {
	w.u32(uint32(p.NameType))
	w.u32(uint32(len(p.NameString)))
	w.data([]byte(Realm))
	for _, s := range p.NameString {
		w.data([]byte(s))
	}
}

func (w *ccacheWriter) header(def types.PrincipalName) {
	w.Write([]byte{5, 4})
	w.u16(0) // no header fields
	w.principal(def)
}

func (w *ccacheWriter) credential(client, server types.PrincipalName, key types.EncryptionKey, start, end time.Time, tkt messages.Ticket) error {
	der, err := tkt.Marshal()
	if err != nil {
		return err
	}
	w.principal(client)
	w.principal(server)
	w.u16(uint16(key.KeyType))
	w.data(key.KeyValue)
	for _, t := range []time.Time{start, start, end, end} {
		w.u32(uint32(t.Unix()))
	}
	w.WriteByte(0)              // not a session-key ticket
	w.Write([]byte{0, 0, 0, 0}) // flags
	w.u32(0)                    // addresses
	w.u32(0)                    // authorization data
	w.data(der)
	w.data(nil) // second ticket
	return nil
}
