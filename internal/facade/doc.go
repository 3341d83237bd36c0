// Package facade serves any provider.Site behind the AdminService's WMI
// routes — collection and keyed GETs with $filter/$select, POST/PUT/DELETE
// and static methods, $metadata — so that the AdminService client is
// exercised end to end over real HTTP: tsctl site serve puts the embedded
// site behind it, and the script tests run every script through it again
// (TestScriptsHTTPS). Its guards (RequireBasic, ReadOnly,
// LimitAuthFailures) and bounded body decoding protect a served site.
//
// It speaks the wire format of internal/edm, the same the client reads.
package facade
