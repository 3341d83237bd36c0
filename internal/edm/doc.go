// Package edm is the AdminService's entity data model as tsctl knows it:
// the entity types, keys, property types, entity sets and static methods
// (action imports) of every class tsctl reads or writes, as a real site's
// $metadata declares them (TestFacadeMatchesRealMetadata compares them with
// one). The AdminService client (provider/adminservice) types the keys of
// its URLs by it; the façade (internal/facade) serves it as $metadata and
// types its JSON by it.
package edm
