package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ClassIdentification is the class whose single instance names the site the
// SMS Provider serves (ThisSiteCode). SMS_Site lists every site of the
// hierarchy, so its first row is another site's under a CAS or with
// secondaries.
const ClassIdentification = "SMS_Identification"

// ReadSiteCode reads the site code through s: one query of
// SMS_Identification for ThisSiteCode, the connect-time call every
// provider makes (and --stats counts).
func ReadSiteCode(ctx context.Context, s Site) (string, error) {
	list, err := s.Query(ctx, Query{Class: ClassIdentification, Select: []string{"ThisSiteCode"}})
	if err != nil {
		return "", err // "query SMS_Identification: …" says what failed
	}
	if len(list) != 1 || list[0].String("ThisSiteCode") == "" {
		return "", fmt.Errorf("read the site code: %s returned %d instances with ThisSiteCode %q; expected one", ClassIdentification, len(list), firstCode(list))
	}
	return strings.ToUpper(list[0].String("ThisSiteCode")), nil
}

func firstCode(list []*Instance) string {
	if len(list) == 0 {
		return ""
	}
	return list[0].String("ThisSiteCode")
}

// IsUnsupported reports whether err says the call itself does not exist on
// the site — no such route or method (HTTP 404/405/501 over REST, an
// invalid or unimplemented method over WMI) — rather than that the call
// failed.
func IsUnsupported(err error) bool {
	var e *Error
	if !asError(err, &e) {
		return false
	}
	switch e.Code {
	case WbemNotSupported, WbemInvalidMethod, WbemMethodNotImplemented:
		return true
	}
	return e.Kind == KindNotFound
}

// lockHolderRE finds the holder of a SEDO lock in a refused save's message:
// tsctl's own "locked by USER on MACHINE since TIME", and the SMS
// Provider's "… locked by USER … on MACHINE" phrasings.
var lockHolderRE = regexp.MustCompile(`(?i)\blocked\s+by\s+(?:user\s+)?['"]?([^\s'",;()]+)['"]?(?:\s+(?:on|from)\s+(?:machine\s+|computer\s+)?['"]?([^\s'",;()]+)['"]?)?(?:\s+since\s+(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?(?:Z| UTC)?|\d{14}\.\d{6}[+-]\d{3}))?`)

// LockHolderIn reads the lock holder a refused save names in its message;
// ok is false when the message names none.
func LockHolderIn(msg string) (li LockInfo, ok bool) {
	m := lockHolderRE.FindStringSubmatch(msg)
	if m == nil {
		return LockInfo{}, false
	}
	li = LockInfo{State: LockAssigned, User: m[1], Machine: m[2]}
	if t := m[3]; t != "" {
		if since, err := ParseDateTime(t); err == nil {
			li.Since = since
		} else {
			for _, layout := range []string{"2006-01-02 15:04 UTC", "2006-01-02 15:04:05 UTC", "2006-01-02 15:04", "2006-01-02T15:04"} {
				if since, err := time.Parse(layout, t); err == nil {
					li.Since = since.UTC()
					break
				}
			}
		}
	}
	return li, true
}

func asError(err error, target **Error) bool { return errors.As(err, target) }
