// Package adminservice reaches a Configuration Manager site through its
// AdminService REST API (OData v4 over HTTPS, the WMI route
// https://SERVER/AdminService/wmi/...), from any OS. It implements the
// provider.Site primitives: collection queries with $filter/$select,
// keyed GETs (lazy properties included), create/update/delete, and static
// methods as POST wmi/<Class>.<Method> with embedded objects typed by
// @odata.type. It authenticates with NTLM (also inside Negotiate), Kerberos
// (SPNEGO) or a bearer token (AuthFromEnv picks one from the environment).
//
// The entities' JSON form and schema are internal/edm's; the server side of
// the same routes (tsctl site serve) is internal/facade.
package adminservice
