// Package object is tsctl's one vocabulary of site objects: every kind of
// object a configuration declares or references (package, OS image, OS
// upgrade package, driver package, boot image, application, task
// sequence), with its SMS Provider class, its PackageType number, whether
// tsctl manages or only references it, its key and name properties, and
// its names in configurations and in messages. Every other package —
// configuration, model, plan, engine, the providers — speaks of kinds
// through it, so no package converts one kind type into another.
//
// Adding a kind (a deployment, a collection, a folder, a distribution
// point group) adds a constant and its row here (its class, key and name
// properties: CollectionID, ContainerNodeID, GroupID…; no PackageType),
// its change types in the engine and its class in the providers that
// store it (provider/local); nothing else names kinds.
//
// It imports nothing of tsctl.
package object
