package provider

import (
	"regexp"
	"strconv"
)

// HRESULTs that WMI and the SMS Provider report, whichever route carries
// them (a COM failure, or the text of an AdminService error).
const (
	WbemFailed           = 0x80041001 // "Generic failure": a provider-side validation or SQL error
	WbemNotFound         = 0x80041002
	WbemAccessDenied     = 0x80041003
	WbemInvalidParameter = 0x80041008
	WbemInvalidClass     = 0x80041010
	WbemInvalidQuery     = 0x80041017
	WbemAlreadyExists    = 0x80041019
	WbemShuttingDown     = 0x80041033
	WbemServerTooBusy    = 0x80041045
	WbemTimedOut         = 0x80043001
	EAccessDenied        = 0x80070005
	RPCUnavailable       = 0x800706BA
	RPCTooBusy           = 0x800706BB
	RPCCallFailed        = 0x800706BE
	RPCCallFailedDNE     = 0x800706BF

	// The call itself does not exist (IsUnsupported).
	WbemNotSupported         = 0x8004100C
	WbemInvalidMethod        = 0x8004102E
	WbemMethodNotImplemented = 0x80041055
)

// KindOfCode classifies an HRESULT; ok is false for a code it does not
// know, which the caller then classifies by other means.
func KindOfCode(code uint32) (kind ErrorKind, ok bool) {
	switch code {
	case WbemFailed, WbemAlreadyExists:
		return KindFailed, true
	case WbemNotFound, WbemInvalidClass:
		return KindNotFound, true
	case WbemAccessDenied, EAccessDenied:
		return KindDenied, true
	case WbemInvalidParameter, WbemInvalidQuery:
		return KindInvalid, true
	case WbemShuttingDown, WbemServerTooBusy, WbemTimedOut, RPCUnavailable, RPCTooBusy, RPCCallFailed, RPCCallFailedDNE:
		return KindTransient, true
	}
	return 0, false
}

// hresultRE finds an HRESULT written in hex in an error message, as WMI,
// .NET ("Exception from HRESULT: 0x800706BA") and tsctl's own site print it.
var hresultRE = regexp.MustCompile(`\b0[xX](8004[0-9A-Fa-f]{4}|8007[0-9A-Fa-f]{4})\b`)

// CodeIn returns the first WMI (0x8004xxxx) or Win32 (0x8007xxxx) HRESULT
// that msg names in hex, with a kind KindOfCode knows; ok is false when it
// names none.
func CodeIn(msg string) (code uint32, kind ErrorKind, ok bool) {
	for _, m := range hresultRE.FindAllStringSubmatch(msg, -1) {
		n, err := strconv.ParseUint(m[1], 16, 32)
		if err != nil {
			continue
		}
		if k, known := KindOfCode(uint32(n)); known {
			return uint32(n), k, true
		}
	}
	return 0, 0, false
}
