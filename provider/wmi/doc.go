// Package wmi reaches a Configuration Manager site through the SMS
// Provider's WMI interface (DCOM, namespace root\SMS\site_<CODE>). The
// COM side (conn_windows.go, github.com/microsoft/wmi and go-ole) is
// Windows-only; everything else — URL parsing, WQL, value conversion,
// HRESULT and SMS_ExtendedStatus mapping, the single COM worker goroutine
// and the provider.Site on top of a Conn — is plain Go and tested on any OS.
package wmi
