// Package krbtest makes a Kerberos realm's worth of files for tests, with
// no KDC: a site server's keytab, and a user's credential cache holding a
// ticket-granting ticket and a service ticket for that server, as kinit and
// a first visit leave it. Its krb5.conf points at a closed port, so any
// attempt to reach a KDC fails at once.
package krbtest
