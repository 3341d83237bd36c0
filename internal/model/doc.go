// Package model is the task sequence domain model: the in-memory form of a
// sequence (Sequence, Step, Variable, Elem), its codec to and from the XML
// an SMS Provider stores in SMS_TaskSequencePackage.Sequence and accepts in
// ImportSequence, and the catalogue of built-in step classes (their
// properties, task sequence variable names, hidden flags, defaults,
// references, secrets and command lines) from which a site derives its
// normal form (Normalize, Derive, Comparable).
//
// It is shared by the engine, the configuration packages and every
// provider, and imports only internal/object (the kinds its catalogue
// refers to).
package model
