// Package object is tsctl's one vocabulary of site objects: every kind of
// object a configuration declares or references — package, OS image, OS
// upgrade package, driver package, task sequence, deployment and console
// folder, which tsctl manages; boot image, application, collection,
// distribution point and distribution point group, which it references —
// with its SMS Provider class, its PackageType number, whether tsctl
// manages or only references it, its key and name properties, the folder
// type that files it, the property that carries tsctl's ownership mark,
// whether every plan reads it, and its names in configurations and in
// messages. It also keys the classes that belong to no kind but relate
// objects (programs, folder items, content on distribution points and its
// status, collection members, site system roles, the site's settings).
// Every other package — configuration, model, plan, engine, the providers
// — speaks of kinds through it, so no package converts one kind type into
// another.
//
// Adding a kind adds a constant and its row here, its change types in the
// engine and its class in the providers that store it (provider/local,
// the façade's schema in internal/edm); nothing else names kinds.
//
// It imports nothing of tsctl.
package object
