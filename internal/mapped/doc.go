// Package mapped keeps what a bbolt store's reads leave resident in the
// process small: bbolt reads through a shared, read-only mapping of its
// file, and every page a read touches (with the pages the kernel maps
// around it) counts in the process's resident memory until dropped.
//
// It imports nothing of tsctl.
package mapped
