// Package edm is the AdminService's entity data model as tsctl knows it:
// the entity types, keys, property types, entity sets and static methods
// (action imports) of every class tsctl reads or writes, as a real site's
// $metadata declares them (TestFacadeMatchesRealMetadata compares them with
// one), and the JSON form of an entity (FromJSON, ToJSON). Both ends of the
// wire use it: the AdminService client (provider/adminservice) types the
// keys of its URLs by it and reads and writes entities with it; the façade
// (internal/facade) serves it as $metadata and types its JSON by it.
//
// It imports only provider.
package edm
