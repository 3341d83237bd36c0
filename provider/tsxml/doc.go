// Package tsxml reads and writes the task sequence XML that an SMS Provider
// stores in SMS_TaskSequencePackage.Sequence and accepts in ImportSequence.
//
// It holds three things shared by the engine and every provider: the
// in-memory form of a sequence (Sequence, Step, Variable, Elem), the codec
// between that form and XML, and the catalogue of built-in step classes
// (their properties, task sequence variable names, hidden flags, defaults,
// references and command lines) from which a site derives its normal form.
package tsxml
